"""Gated downloads: a lead magnet's file (the checklist PDF …) comes only through the
personal link in the mail that answers the request — signed, naming lead, send and magnet,
expiring after `capture_download_link_days` — never from a public address. Each download
is recorded as the lead's activity, so sales see it."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Annotated, NamedTuple
from uuid import UUID

import psycopg
import sqlalchemy.exc
import structlog
from auftakt_common.db import is_database_unavailable
from auftakt_common.events import utc_now
from auftakt_common.http import correlation_id_of
from auftakt_common.tokens import TokenInvalid
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from . import repository as repo
from .context import Capture
from .deps import CaptureDep, client_ip
from .domain import content_disposition
from .problems import page

__all__ = ["request_time", "router"]

_log = structlog.get_logger("auftakt.capture")

router = APIRouter()

_MAX_TOKEN_CHARS = 1024  # two ids and a magnet's name: about 150 characters
_DATABASE_ERRORS = (sqlalchemy.exc.SQLAlchemyError, psycopg.Error, OSError)
# the token is in the URL: keep it out of caches, search engines and Referer headers
_PAGE_HEADERS = {
    "Cache-Control": "no-store, max-age=0",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
}
_FILE_HEADERS = {
    **_PAGE_HEADERS,
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
}


def request_time() -> datetime:
    """When the request is served: a link's age is counted to it."""
    return utc_now()


Now = Annotated[datetime, Depends(request_time)]


def _page(title: str, body_html: str, status_code: int) -> HTMLResponse:
    return page(title, body_html, status_code, _PAGE_HEADERS)


def _ask_again(capture: Capture) -> str:
    """Where to ask for the file again: the website, if capture knows it."""
    origins = capture.settings.capture_allowed_origins
    if not origins:
        return ""
    return f'<p><a href="{html.escape(origins[0])}">Zur Website</a></p>'


def _invalid_page(capture: Capture) -> HTMLResponse:
    return _page(
        "Ungültiger Link",
        "<p>Dieser Download-Link ist ungültig oder unvollständig.</p>"
        + capture.words["open_from_mail"],
        400,
    )


def _expired_page(capture: Capture) -> HTMLResponse:
    days = capture.settings.capture_download_link_days
    return _page(
        "Dieser Link ist abgelaufen",
        capture.words["download_expired"].format(days=days) + _ask_again(capture),
        410,
    )


def _no_lead_page(capture: Capture) -> HTMLResponse:
    return _page(
        "Link nicht mehr gültig",
        "<p>Zu diesem Link sind bei uns keine Daten gespeichert.</p>"
        + capture.words["download_ask_again"]
        + _ask_again(capture),
        404,
    )


def _no_file_page(capture: Capture) -> HTMLResponse:
    return _page(
        "Datei nicht gefunden",
        "<p>Diese Datei bieten wir nicht mehr an.</p>" + _ask_again(capture),
        404,
    )


def _unavailable_page(capture: Capture) -> HTMLResponse:
    return page(
        "Gerade nicht erreichbar",
        capture.words["try_again"],
        503,
        {**_PAGE_HEADERS, "Retry-After": "5"},
    )


class _Download(NamedTuple):
    lead_id: UUID
    send_id: UUID
    magnet: str


def _verify(capture: Capture, token: str, now: datetime) -> _Download:
    """The download a token names; `TokenInvalid` ("expired" or "invalid") otherwise."""
    try:
        if len(token) > _MAX_TOKEN_CHARS:
            raise TokenInvalid("invalid")
        link = capture.mail_links.verify(
            "download",
            token,
            max_age_seconds=capture.settings.capture_download_link_days * 86400,
            now=now,
        )
        if link.send_id is None or link.magnet is None:
            raise TokenInvalid("invalid")
        return _Download(link.lead_id, link.send_id, link.magnet)
    except TokenInvalid as exc:
        # never the token itself: it is a working link to someone's download
        _log.info("mail link refused", purpose="download", reason=str(exc))
        raise


@router.get(
    "/v1/downloads/{token}",
    response_class=Response,
    summary="A lead magnet's file, through the signed personal link in the mail that "
    "answered the request; records a `download` activity",
    responses={
        200: {"content": {"application/pdf": {}}, "description": "The file, as an attachment"},
        400: {"content": {"text/html": {}}, "description": "Forged or broken link"},
        404: {"content": {"text/html": {}}, "description": "Lead erased, or file gone"},
        410: {"content": {"text/html": {}}, "description": "The link has expired"},
        503: {"content": {"text/html": {}}, "description": "Database unavailable"},
    },
)
async def download(request: Request, capture: CaptureDep, token: str, now: Now) -> Response:
    try:
        link = _verify(capture, token, now)
    except TokenInvalid as exc:
        return _expired_page(capture) if str(exc) == "expired" else _invalid_page(capture)
    try:
        async with capture.relay.transaction() as conn:
            if not await repo.hold_lead(conn, link.lead_id):
                return _no_lead_page(capture)  # erased: nothing about it is recorded
            file = await repo.get_magnet_file(conn, link.magnet)
            if file is None:
                return _no_file_page(capture)
            await capture.intake.record_lead_activity(
                conn,
                link.lead_id,
                "download",
                target=link.magnet,
                detail={"send_id": str(link.send_id)},
                client_ip=client_ip(request),
                user_agent=request.headers.get("user-agent"),
                now=now,
                correlation_id=correlation_id_of(request.scope),
            )
    except _DATABASE_ERRORS as exc:
        if not is_database_unavailable(exc):
            raise
        _log.warning("database unavailable", error=type(exc).__name__)
        return _unavailable_page(capture)
    _log.info("magnet downloaded", lead_id=str(link.lead_id), magnet=link.magnet)
    return Response(
        file["content"],
        media_type=file["content_type"],
        headers={**_FILE_HEADERS, "Content-Disposition": content_disposition(file["filename"])},
    )
