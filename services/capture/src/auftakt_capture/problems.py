"""Error answers: JSON for scripts, a short German page for people posting an HTML form.

Every client error names the field it is about; nothing here ever shows a stack trace.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from auftakt_common.german_errors import german_message
from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import ValidationError

from .wording import Words, words_of

__all__ = ["FORM_RULE", "FieldError", "field_errors", "is_html_form", "problem", "page"]

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

_LABELS = {
    "email": "E-Mail-Adresse",
    "first_name": "Vorname",
    "last_name": "Nachname",
    "phone": "Telefon",
    "company_name": "Firma",
    "company_size": "Firmengröße",
    "company_industry": "Branche",
    "company_domain": "Website der Firma",
    "event_type": "Art des Events",
    "event_date": "Datum des Events",
    "guest_count": "Anzahl der Gäste",
    "budget_min": "Budget von",
    "budget_max": "Budget bis",
    "location": "Ort",
    "quiz_results": "Quiz-Antworten",
    "thank_you_url": "Danke-Seite",
    "consent_marketing": "Einwilligung",
    "lead_magnet": "Lead Magnet",
}


FORM_RULE = "form_rule"  # an error from an embeddable form's rules, worded in German


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str
    type: str = "value_error"

    def as_json(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "loc": ["body", *self.field.split(".")],
            "msg": self.message,
            "type": self.type,
        }

    def in_german(self) -> str:
        if self.type == FORM_RULE:  # a form's own rule says it in German already
            return self.message
        label = _LABELS.get(self.field.split(".")[-1], self.field)
        return german_message(self.type, label=label)


def _loc_to_field(loc: Sequence[int | str], prefix: str = "") -> str:
    name = prefix
    for part in loc:
        name = f"{name}[{part}]" if isinstance(part, int) else (f"{name}.{part}" if name else part)
    return name or "body"


def field_errors(exc: ValidationError, prefix: str = "") -> list[FieldError]:
    return [
        FieldError(
            _loc_to_field(error["loc"], prefix),
            error["msg"].removeprefix("Value error, "),
            error["type"],
        )
        for error in exc.errors(include_url=False, include_input=False)
    ]


def is_html_form(request: Request) -> bool:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return content_type in FORM_TYPES


def page(
    title: str, body_html: str, status_code: int = 200, headers: Mapping[str, str] | None = None
) -> HTMLResponse:
    return HTMLResponse(
        '<!doctype html><html lang="de"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title></head>"
        '<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;'
        f'padding:0 1rem;line-height:1.5"><h1>{html.escape(title)}</h1>{body_html}</body></html>',
        status_code=status_code,
        headers=dict(headers or {}),
    )


_GERMAN_TITLES = {
    413: "Die Anfrage ist zu groß",
    415: "Dieses Format wird nicht angenommen",
    429: "Zu viele Anfragen",
    503: "Gerade nicht erreichbar",
}
# the word for each status's title (422) or hint, in the configured form of address
_WORDED_TITLES = {422: "check_input"}
_WORDED_HINTS = {413: "shorten", 415: "use_website", 429: "wait", 503: "not_saved"}


def _back_link(request: Request, words: Words) -> str:
    """Back to the page the form is on (a plain link: the browser may run no script)."""
    referer = request.headers.get("referer", "")
    if referer.startswith(("https://", "http://")):
        return f'<p><a href="{html.escape(referer)}">Zurück zum Formular</a></p>'
    return words["go_back"]


def problem(
    request: Request,
    status_code: int,
    detail: str,
    errors: Sequence[FieldError] = (),
    headers: Mapping[str, str] | None = None,
) -> Response:
    if is_html_form(request):
        words = words_of(request.app.state)
        items = "".join(f"<li>{html.escape(e.in_german())}</li>" for e in errors)
        hint = words[_WORDED_HINTS[status_code]] if status_code in _WORDED_HINTS else ""
        body = (
            (f'<ul role="alert">{items}</ul>' if items else "")
            + (f"<p>{html.escape(hint)}</p>" if hint else "")
            + _back_link(request, words)
        )
        worded = _WORDED_TITLES.get(status_code)
        title = words[worded] if worded else _GERMAN_TITLES.get(status_code, "Fehler")
        return page(title, body, status_code, headers)
    content: dict[str, Any] = {"detail": detail}
    if errors:
        content["errors"] = [error.as_json() for error in errors]
    return JSONResponse(content, status_code=status_code, headers=dict(headers or {}))
