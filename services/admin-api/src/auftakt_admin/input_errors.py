"""What was wrong with a request, in German, for the pages and the JSON API alike: each
of pydantic's errors as the field it concerns (its path in the body, query or URL) and a
message naming the field by the label staff see on the page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from auftakt_common.german_errors import german_error

__all__ = ["FIELD_LABELS", "InputError", "field_name", "input_errors"]

# admin-api's inputs (form fields, body fields, query and path parameters) as labelled
FIELD_LABELS = {
    "email": "E-Mail-Adresse",
    "name": "Name",
    "role": "Rolle",
    "password": "Passwort",
    "current": "Bisheriges Passwort",
    "new": "Neues Passwort",
    "repeated": "Wiederholung des Passworts",
    "action": "Aktion",
    "status": "Status",
    "deal_value": "Auftragswert",
    "assignee_id": "Zuständig",
    "body": "Notiz",
    "lead": "Lead",
    "lead_id": "Lead-ID",
    "user_id": "Benutzer-ID",
    "token_id": "Token-ID",
    "company_id": "Firmen-ID",
    "mapping_id": "Zuordnungs-ID",
    "domain": "Domain",
    "target_account": "Zielkunde",
    "tier": "Stufe",
    "active": "Aktiv",
    "position": "Schritt",
    "key": "Schlüssel",
    "csrf_token": "CSRF-Token",
    "next": "Weiterleitung",
    "cursor": "Seite",
    "limit": "Anzahl",
    # the editors' inputs, as the owners (scoring, mailer, enrichment) name them
    "activity": "Aktivität",
    "points": "Punkte",
    "description": "Beschreibung",
    "max_per_lead": "max. pro Lead",
    "cooldown_seconds": "Abstand (s)",
    "website": "Website",
    "id": "ID",
    "event_type": "Ereignis",
    "field": "Feld",
    "operator": "Vergleich",
    "value": "Wert",
    "note": "Notiz",
    "trigger": "Auslöser",
    "event": "Ereignis",
    "filter": "Filter",
    "steps": "Schritt",
    "delay_hours": "Verzögerung (Stunden)",
    "subject": "Betreff",
    "body_text": "Text",
    "body_html": "HTML-Text",
    "transactional": "transaktional",
}
_WHOLE = "Die Anfrage"
_SOURCES = ("body", "query", "path", "header", "cookie")


@dataclass(frozen=True, slots=True)
class InputError:
    field: str  # "email", "steps.0.subject"; "body": the request as a whole
    message: str

    def as_json(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


def _path(error: Mapping[str, Any]) -> list[str]:
    loc = [str(part) for part in error.get("loc", ())]
    if loc and loc[0] in _SOURCES:
        loc = loc[1:]
    if error.get("type") == "json_invalid":  # its location is a position in the text
        return []
    return loc


def field_name(path: str) -> str:
    """A field's path in German words: `steps.0.subject` is "Schritt 1 › Betreff"."""
    words: list[str] = []
    for part in path.split(".") if path not in ("", "body") else []:
        if part.isdigit() and words:
            words[-1] += f" {int(part) + 1}"
        else:
            words.append(FIELD_LABELS.get(part, part))
    return " › ".join(words) or "Eingabe"


def _label(path: list[str]) -> str:
    named = [part for part in path if not part.isdigit()]
    if not named:
        return _WHOLE
    return FIELD_LABELS.get(named[-1], named[-1])


def input_errors(errors: Sequence[Mapping[str, Any]]) -> list[InputError]:
    """pydantic's (or FastAPI's request validation) errors in German."""
    found = []
    for error in errors:
        path = _path(error)
        found.append(InputError(".".join(path) or "body", german_error(error, _label(path))))
    return found
