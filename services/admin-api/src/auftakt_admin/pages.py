"""Rendering for the dashboard's pages: the Jinja2 environment with German formats, the
CSRF field, links that keep the list's filters, and the error pages."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psycopg
import structlog
from auftakt_common.db import is_database_unavailable
from auftakt_common.event_types import EVENT_TYPES, event_type_title
from auftakt_common.german import euro_range
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError

from .deps import LoginRequired, PasswordChangeRequired, Principal, login_url
from .domain import (
    BERLIN,
    ENRICHMENT_FAILED,
    ENRICHMENT_FAILURES,
    INTENT_LABELS,
    STAGE_LABELS,
    STATUS_LABELS,
    TIER_LABELS,
)
from .input_errors import field_name, input_errors

__all__ = ["STATIC", "install_error_pages", "render"]

_log = structlog.get_logger("auftakt.admin")
_HERE = Path(__file__).parent
STATIC = _HERE / "static"
templates = Jinja2Templates(directory=_HERE / "templates")

_MONTHS = (
    "Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sep.", "Okt.", "Nov.", "Dez.",
)  # fmt: skip


def _de_date(value: date | datetime | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = value.astimezone(BERLIN).date()
    return f"{value.day}. {_MONTHS[value.month - 1]} {value.year}"


def _de_datetime(value: datetime | None) -> str:
    if value is None:
        return "–"
    local = value.astimezone(BERLIN)
    return f"{_de_date(local)}, {local:%H:%M}"


def _de_number(value: int | float | Decimal | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    text = f"{value:,.{digits}f}"
    return text.replace(",", "X").replace(".", ",").replace("X", ".")


def _ago(value: datetime | None, now: datetime) -> str:
    if value is None:
        return "–"
    days = (now.astimezone(BERLIN).date() - value.astimezone(BERLIN).date()).days
    if days <= 0:
        return "heute"
    if days == 1:
        return "gestern"
    return f"vor {days} Tagen"


templates.env.filters.update(de_date=_de_date, de_datetime=_de_datetime, de_number=_de_number)
# what the timeline calls the website's activities; others show under their own name
ACTIVITY_LABELS = {
    "page_view": "Seitenaufruf",
    "click": "Klick",
    "video_play": "Video gestartet",
    "video_progress": "Video angesehen",
    "form_started": "Formular begonnen",
    "form_50_percent_filled": "Formular halb ausgefüllt",
    "calendar_booking_started": "Terminbuchung begonnen",
    "budget_calculator_used": "Budgetrechner benutzt",
    "quiz_completed": "Quiz abgeschlossen",
    "lead_magnet_downloaded": "Lead-Magnet angefordert",
    "download": "Download",
}

ATTRIBUTION_LABELS = {
    "source": "Quelle (Formular)",
    "medium": "Medium",
    "campaign": "Kampagne",
    "referrer": "Verweis von",
    "landing_page": "Einstiegsseite",
    "utm_source": "UTM-Quelle",
    "utm_medium": "UTM-Medium",
    "utm_campaign": "UTM-Kampagne",
    "utm_content": "UTM-Inhalt",
    "utm_term": "UTM-Begriff",
}


def _enrichment_failure(failure: str | None) -> str:
    """Why enrichment failed, in German (never enrichment's own English error)."""
    return ENRICHMENT_FAILURES.get(failure or "", ENRICHMENT_FAILED)


def _web_link(url: str | None) -> bool:
    """Whether a URL from elsewhere (a company's website) may be a link: http(s) only."""
    return url is not None and url.lower().startswith(("https://", "http://"))


templates.env.globals.update(
    EVENT_TYPES=EVENT_TYPES,
    event_type_title=event_type_title,
    euro_range=euro_range,
    ATTRIBUTION_LABELS=ATTRIBUTION_LABELS,
    STAGE_LABELS=STAGE_LABELS,
    STATUS_LABELS=STATUS_LABELS,
    ACTIVITY_LABELS=ACTIVITY_LABELS,
    TIER_LABELS=TIER_LABELS,
    INTENT_LABELS=INTENT_LABELS,
    ago=_ago,
    web_link=_web_link,
    field_name=field_name,
    enrichment_failure=_enrichment_failure,
)


def _with(params: dict[str, str], **changes: str | None) -> str:
    merged = {**params, **changes}
    return "?" + urlencode({k: v for k, v in merged.items() if v})


templates.env.globals["url_with"] = _with


def render(
    request: Request,
    template: str,
    principal: Principal | None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    csrf = principal.csrf_token if principal else context.pop("csrf", None)
    service = request.app.state.admin
    return templates.TemplateResponse(
        request,
        template,
        {
            "user": principal.user if principal else None,
            "csrf_field": Markup('<input type="hidden" name="csrf_token" value="{}">').format(
                csrf or ""
            ),
            "csrf_token": csrf or "",
            "now": service.clock(),
            **context,
        },
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def install_error_pages(app: FastAPI) -> None:
    """Pages answer errors in German HTML (a login redirect where it helps); the API
    answers JSON problems."""

    @app.exception_handler(LoginRequired)
    async def on_login_required(request: Request, _: LoginRequired) -> Response:
        if _wants_json(request):
            return JSONResponse(
                {"detail": "Anmeldung erforderlich (Sitzung oder API-Token)"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        return RedirectResponse(login_url(request), status_code=303)

    @app.exception_handler(PasswordChangeRequired)
    async def on_password_change(request: Request, _: PasswordChangeRequired) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "Bitte zuerst ein eigenes Passwort setzen"}, 403)
        return RedirectResponse("/admin/password", status_code=303)

    @app.exception_handler(HTTPException)
    async def on_http_error(request: Request, exc: HTTPException) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": exc.detail}, exc.status_code, headers=exc.headers)
        return render(request, "error.html", None, status_code=exc.status_code, message=exc.detail)

    async def on_database_error(request: Request, exc: Exception) -> Response:
        if is_database_unavailable(exc):
            _log.warning("database unavailable", error=type(exc).__name__)
            status, message = 503, "Die Datenbank ist gerade nicht erreichbar – nichts wurde "
            message += "geändert. Bitte gleich noch einmal versuchen."
        else:
            _log.exception("database error")
            status, message = 500, "Interner Fehler – nichts wurde geändert."
        if _wants_json(request):
            return JSONResponse({"detail": message}, status, headers={"Retry-After": "5"})
        response = render(request, "error.html", None, status_code=status, message=message)
        response.headers["Retry-After"] = "5"
        return response

    for error in (SQLAlchemyError, psycopg.Error, OSError, TimeoutError):
        app.add_exception_handler(error, on_database_error)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = input_errors(exc.errors())
        if _wants_json(request):
            content = {"detail": "ungültige Eingabe", "errors": [e.as_json() for e in errors]}
            return JSONResponse(content, 422)
        message = "; ".join(error.message for error in errors)
        return render(request, "error.html", None, status_code=422, message=message)
