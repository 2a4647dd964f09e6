"""The website editors' pages ↔ capture's content (the price table, forms, quizzes):
a definition as the values its editor shows, and the posted values as the command
capture validates. Pure translation: capture decides what is valid."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from auftakt_common.content import FormDefinition, FormFieldName, PriceTable, QuizDefinition

from .editor_forms import INDEX, Command, Values, checked, kept, rows_of, values_of

__all__ = [
    "FIELD_LABELS",
    "describe",
    "form_body",
    "form_values",
    "outcome_columns",
    "price_body",
    "price_values",
    "quiz_body",
    "quiz_values",
]

# the lead fields a form may ask for, as sales call them
FIELD_LABELS: dict[FormFieldName, str] = {
    "email": "E-Mail",
    "first_name": "Vorname",
    "last_name": "Nachname",
    "phone": "Telefon",
    "company_name": "Firma",
    "company_size": "Firmengröße",
    "company_industry": "Branche",
    "company_domain": "Website der Firma",
    "event_type": "Anlass",
    "event_date": "Datum",
    "guest_count": "Gäste",
    "budget_min": "Budget von",
    "budget_max": "Budget bis",
    "location": "Ort",
}
# how the summary above a refused form names an input: `bands.2.base_min` is
# "Besetzungen, Zeile 3 › Grundpreis von"
_TABLES = {"bands": "Besetzungen", "event_types": "Anlässe", "guest_tiers": "Gästestaffel",
           "fields": "Felder", "questions": "Frage", "answers": "Antwort",
           "outcomes": "Ergebnisse", "options": "Auswahl"}  # fmt: skip
_INPUTS = {
    "key": "Schlüssel", "label": "Bezeichnung", "base_min": "Grundpreis von",
    "base_max": "Grundpreis bis", "included_hours": "inklusive Stunden",
    "extra_hour_min": "je weitere Stunde von", "extra_hour_max": "je weitere Stunde bis",
    "factor": "Faktor", "from_guests": "ab Gästen", "add_min": "Aufschlag von",
    "add_max": "Aufschlag bis", "max_hours": "höchstens Stunden", "max_guests": "höchstens Gäste",
    "rounding": "runden auf", "note": "Hinweis", "consent": "Einwilligung", "text": "Text",
    "version": "Version", "name": "Name", "title": "Titel", "intro": "Einleitung",
    "required": "Pflichtfeld", "placeholder": "Platzhalter", "help": "Hilfetext",
    "value": "Wert", "submit_label": "Absende-Knopf", "lead_magnet": "Lead-Magnet",
    "magnet_name": "Name des Lead-Magneten", "thank_you_url": "Danke-Seite",
    "success_message": "Erfolgsmeldung", "active": "aktiv", "points": "Punkte",
    "event_type": "Anlass", "band_format": "Besetzung", "form_id": "ID", "quiz_id": "ID",
}  # fmt: skip
_INTEGER = re.compile(r"-?[0-9]{1,15}")


def describe(path: str) -> str:
    """An input's place in German words, for the summary of a refusal ("" for the form
    as a whole)."""
    words: list[str] = []
    for part in path.split(".") if path not in ("", "body") else []:
        if INDEX.fullmatch(part) and words:
            numbered = words[-1] in ("Frage", "Antwort")  # fieldsets, not table rows
            words[-1] += f" {int(part) + 1}" if numbered else f", Zeile {int(part) + 1}"
        else:
            words.append(_TABLES.get(part) or _INPUTS.get(part) or part)
    return " › ".join(words)


def _str(values: Mapping[str, Any], name: str) -> str:
    value = values.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _optional(values: Mapping[str, Any], name: str) -> str | None:
    return _str(values, name) or None


def _int(values: Mapping[str, Any], name: str) -> int | str | None:
    text = _str(values, name)
    if not text:
        return None
    return int(text) if _INTEGER.fullmatch(text) else text  # capture names a bad one


def _number(values: Mapping[str, Any], name: str) -> float | str | None:
    text = _str(values, name).replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return text


def _consent(values: Values) -> dict[str, str] | None:
    """The consent box: none when both its text and its version are empty."""
    given = values.get("consent")
    given = given if isinstance(given, dict) else {}
    if not (_str(given, "text") or _str(given, "version")):
        return None
    return {"text": _str(given, "text"), "version": _str(given, "version")}


def _without_empty(body: dict[str, Any], *names: str) -> dict[str, Any]:
    """Empty texts with a default in the model are left to it."""
    return {key: value for key, value in body.items() if not (key in names and value == "")}


# --- the price table ---


def price_values(table: PriceTable) -> Values:
    return values_of(table)


def price_body(values: Values) -> Command:
    bands, events, tiers = (kept(values, name) for name in ("bands", "event_types", "guest_tiers"))
    body = {
        "bands": [
            {
                "key": _str(row, "key"),
                "label": _str(row, "label"),
                **{
                    name: _int(row, name)
                    for name in (
                        "base_min",
                        "base_max",
                        "included_hours",
                        "extra_hour_min",
                        "extra_hour_max",
                    )
                },  # fmt: skip
            }
            for _, row in bands
        ],
        "event_types": [
            {"key": _str(row, "key"), "label": _str(row, "label"), "factor": _number(row, "factor")}
            for _, row in events
        ],
        "guest_tiers": [
            {
                "from_guests": _int(row, "from_guests"),
                "add_min": _int(row, "add_min"),
                "add_max": _int(row, "add_max"),
                "label": _str(row, "label"),
            }
            for _, row in tiers
        ],
        "max_hours": _int(values, "max_hours"),
        "max_guests": _int(values, "max_guests"),
        "rounding": _int(values, "rounding"),
        "note": _str(values, "note"),
        "consent": _consent(values),
    }
    return Command(
        {key: value for key, value in body.items() if value is not None},
        {
            "bands": [index for index, _ in bands],
            "event_types": [index for index, _ in events],
            "guest_tiers": [index for index, _ in tiers],
        },
    )


# --- forms ---


def form_values(form: FormDefinition) -> Values:
    values = values_of(form)
    for row, defined in zip(values["fields"], form.fields, strict=True):
        row["options"] = "\n".join(f"{o.value} = {o.label}" for o in defined.options)
    return values


def _options(text: str) -> list[dict[str, str]]:
    """`wert = Bezeichnung`, one per line; a line without `=` has no value (capture says
    so at that field)."""
    options = []
    for line in filter(None, (line.strip() for line in text.splitlines())):
        value, sep, label = line.partition("=")
        options.append({"value": value.strip(), "label": label.strip()} if sep else
                       {"value": "", "label": line})  # fmt: skip
    return options


def form_body(form_id: str, values: Values) -> Command:
    fields = kept(values, "fields")
    body = {
        "form_id": form_id,
        "name": _str(values, "name"),
        "title": _optional(values, "title"),
        "intro": _optional(values, "intro"),
        "fields": [
            {
                "name": _str(row, "name"),
                "label": _str(row, "label"),
                "required": checked(row, "required"),
                "placeholder": _optional(row, "placeholder"),
                "help": _optional(row, "help"),
                "options": _options(_str(row, "options")),
            }
            for _, row in fields
        ],
        "submit_label": _str(values, "submit_label"),
        "consent": _consent(values),
        "lead_magnet": _optional(values, "lead_magnet"),
        "magnet_name": _optional(values, "magnet_name"),
        "thank_you_url": _optional(values, "thank_you_url"),
        "success_message": _str(values, "success_message"),
        "active": checked(values, "active"),
    }
    return Command(
        _without_empty(body, "submit_label", "success_message"),
        {"fields": [index for index, _ in fields]},
    )


# --- quizzes ---


def quiz_values(quiz: QuizDefinition) -> Values:
    return values_of(quiz)


def outcome_columns(values: Values) -> list[str]:
    """The outcomes answers give points to, as columns: those listed (in order), then
    any only the answers still name (a removed or renamed outcome, for capture to refuse)."""
    columns = [key for row in rows_of(values, "outcomes") if (key := _str(row, "key"))]
    for question in rows_of(values, "questions"):
        for answer in rows_of(question, "answers"):
            points = answer.get("points")
            for key, given in points.items() if isinstance(points, dict) else []:
                if isinstance(given, str) and given.strip():
                    columns.append(key)
    return list(dict.fromkeys(columns))


def _points(answer: Values) -> dict[str, int | str]:
    """An answer's points per outcome; none (empty or 0) are left out."""
    points = answer.get("points")
    given = points if isinstance(points, dict) else {}
    return {
        outcome: value
        for outcome in given
        if (value := _int(given, outcome)) is not None and value != 0
    }


def quiz_body(quiz_id: str, values: Values) -> Command:
    questions, outcomes = kept(values, "questions"), kept(values, "outcomes")
    rows = {
        "questions": [index for index, _ in questions],
        "outcomes": [index for index, _ in outcomes],
    }
    asked = []
    for index, question in questions:
        answers = kept(question, "answers")
        rows[f"questions.{index}.answers"] = [number for number, _ in answers]
        asked.append(
            {
                "key": _str(question, "key"),
                "text": _str(question, "text"),
                "answers": [
                    {"key": _str(a, "key"), "label": _str(a, "label"), "points": _points(a)}
                    for _, a in answers
                ],
            }
        )
    body = {
        "quiz_id": quiz_id,
        "title": _str(values, "title"),
        "intro": _optional(values, "intro"),
        "questions": asked,
        "outcomes": [
            {
                "key": _str(row, "key"),
                "title": _str(row, "title"),
                "text": _str(row, "text"),
                "event_type": _optional(row, "event_type"),
                "band_format": _optional(row, "band_format"),
            }
            for _, row in outcomes
        ],
        "consent": _consent(values),
        "active": checked(values, "active"),
    }
    return Command(body, rows)
