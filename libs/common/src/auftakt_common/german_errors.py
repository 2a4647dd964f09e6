"""Pydantic's validation errors in German, by error type: one wording for every page and
reply a person reads (admin-api's forms and JSON API, capture's form answers, the
owners' replies to the editors). The field is named by the label the reader knows; the
limits come from the error's context ("höchstens 200 Zeichen") where it has one."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from .german import thousands

__all__ = ["SaidInGerman", "german_error", "german_message"]


class SaidInGerman(ValueError):
    """A validator's refusal worded in German, naming what it refuses: shown as it is."""


# error type → (with the context's figures, without them)
_PREDICATES: dict[str, tuple[str, str]] = {
    "missing": ("fehlt", "fehlt"),
    "string_too_short": ("ist zu kurz (mindestens {min_length} Zeichen)", "ist zu kurz"),
    "string_too_long": ("ist zu lang (höchstens {max_length} Zeichen)", "ist zu lang"),
    "string_pattern_mismatch": ("hat ein ungültiges Format", "hat ein ungültiges Format"),
    "string_type": ("muss ein Text sein", "muss ein Text sein"),
    "literal_error": (
        "hat keinen erlaubten Wert (möglich: {expected})",
        "hat keinen erlaubten Wert",
    ),
    "enum": ("hat keinen erlaubten Wert (möglich: {expected})", "hat keinen erlaubten Wert"),
    "int_parsing": ("muss eine ganze Zahl sein", "muss eine ganze Zahl sein"),
    "int_from_float": ("muss eine ganze Zahl sein", "muss eine ganze Zahl sein"),
    "int_type": ("muss eine ganze Zahl sein", "muss eine ganze Zahl sein"),
    "float_parsing": ("muss eine Zahl sein", "muss eine Zahl sein"),
    "float_type": ("muss eine Zahl sein", "muss eine Zahl sein"),
    "decimal_parsing": ("muss eine Zahl sein", "muss eine Zahl sein"),
    "decimal_type": ("muss eine Zahl sein", "muss eine Zahl sein"),
    "finite_number": ("muss eine endliche Zahl sein", "muss eine endliche Zahl sein"),
    "decimal_max_digits": ("hat zu viele Stellen (höchstens {max_digits})", "hat zu viele Stellen"),
    "decimal_max_places": (
        "hat zu viele Nachkommastellen (höchstens {decimal_places})",
        "hat zu viele Nachkommastellen",
    ),
    "greater_than": ("ist zu klein (muss größer als {gt} sein)", "ist zu klein"),
    "greater_than_equal": ("ist zu klein (mindestens {ge})", "ist zu klein"),
    "less_than": ("ist zu groß (muss kleiner als {lt} sein)", "ist zu groß"),
    "less_than_equal": ("ist zu groß (höchstens {le})", "ist zu groß"),
    "multiple_of": ("muss ein Vielfaches von {multiple_of} sein", "hat einen unpassenden Wert"),
    "bool_parsing": ("muss ja oder nein sein", "muss ja oder nein sein"),
    "bool_type": ("muss ja oder nein sein", "muss ja oder nein sein"),
    "date_parsing": ("muss ein Datum sein (JJJJ-MM-TT)", "muss ein Datum sein (JJJJ-MM-TT)"),
    "date_from_datetime_parsing": (
        "muss ein Datum sein (JJJJ-MM-TT)",
        "muss ein Datum sein (JJJJ-MM-TT)",
    ),
    "date_type": ("muss ein Datum sein (JJJJ-MM-TT)", "muss ein Datum sein (JJJJ-MM-TT)"),
    "datetime_parsing": ("muss ein Zeitpunkt sein", "muss ein Zeitpunkt sein"),
    "datetime_from_date_parsing": ("muss ein Zeitpunkt sein", "muss ein Zeitpunkt sein"),
    "datetime_type": ("muss ein Zeitpunkt sein", "muss ein Zeitpunkt sein"),
    "uuid_parsing": ("ist keine gültige ID", "ist keine gültige ID"),
    "uuid_type": ("ist keine gültige ID", "ist keine gültige ID"),
    "url_parsing": ("ist keine gültige Adresse (URL)", "ist keine gültige Adresse (URL)"),
    "url_scheme": ("ist keine gültige Adresse (URL)", "ist keine gültige Adresse (URL)"),
    "list_type": ("muss eine Liste sein", "muss eine Liste sein"),
    "dict_type": ("muss ein Objekt sein", "muss ein Objekt sein"),
    "model_type": ("muss ein Objekt sein", "muss ein Objekt sein"),
    "model_attributes_type": ("muss ein Objekt sein", "muss ein Objekt sein"),
    "too_short": ("hat zu wenige Einträge (mindestens {min_length})", "hat zu wenige Einträge"),
    "too_long": ("hat zu viele Einträge (höchstens {max_length})", "hat zu viele Einträge"),
    "extra_forbidden": ("ist hier nicht vorgesehen", "ist hier nicht vorgesehen"),
    "json_invalid": ("ist kein gültiges JSON", "ist kein gültiges JSON"),
    "json_type": ("ist kein gültiges JSON", "ist kein gültiges JSON"),
}
_INVALID = "ist ungültig"
_QUOTED = re.compile(r"'([^']*)'")


def _figure(value: Any) -> Any:
    """Numbers as German readers write them (10.000; 0,5); other values as they are."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, int) or value == int(value):
        return thousands(int(value))
    return str(value).replace(".", ",")


def _context(context: Mapping[str, Any]) -> dict[str, Any]:
    figures = {name: _figure(value) for name, value in context.items()}
    if isinstance(expected := context.get("expected"), str):  # "'admin' or 'sales'"
        figures["expected"] = ", ".join(_QUOTED.findall(expected)) or expected
    return figures


def german_message(
    error_type: str, context: Mapping[str, Any] | None = None, label: str | None = None
) -> str:
    """A message like "Name ist zu lang (höchstens 200 Zeichen)"; without a label the
    predicate alone ("ist zu lang (…)"), for next to its input."""
    given = context or {}
    if error_type == "value_error" and isinstance(given.get("error"), SaidInGerman):
        return str(given["error"])  # it names what it refuses
    with_figures, plain = _PREDICATES.get(error_type, (_INVALID, _INVALID))
    if error_type in ("string_too_short", "too_short") and given.get("min_length") == 1:
        predicate = "fehlt"  # the empty text or list
    else:
        try:
            predicate = with_figures.format_map(_context(given)) if given else plain
        except (KeyError, IndexError, ValueError):
            predicate = plain
    return f"{label} {predicate}" if label else predicate


def german_error(error: Mapping[str, Any], label: str | None = None) -> str:
    """One of pydantic's `ValidationError.errors()` in German."""
    return german_message(str(error.get("type", "")), error.get("ctx"), label)
