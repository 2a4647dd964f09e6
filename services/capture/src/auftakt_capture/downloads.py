"""Gated downloads: a lead magnet's file (the checklist PDF …) comes only through the
personal link in the mail that answers the request — signed, naming lead, send and magnet,
expiring after `capture_download_link_days` — never from a public address. Each download
is recorded as the lead's activity, so sales see it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, NamedTuple
from uuid import UUID

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
from .link_pages import (
    DATABASE_ERRORS,
    LINK_PAGE_HEADERS,
    invalid_link_page,
    link_page,
    unavailable_page,
    website_link,
)

__all__ = ["request_time", "router"]

_log = structlog.get_logger("auftakt.capture")

router = APIRouter()

_MAX_TOKEN_CHARS = 1024  # two ids and a magnet's name: about 150 characters
_FILE_HEADERS = {
    **LINK_PAGE_HEADERS,
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
}


def request_time() -> datetime:
    """When the request is served: a link's age is counted to it."""
    return utc_now()


Now = Annotated[datetime, Depends(request_time)]


def _expired_page(capture: Capture) -> HTMLResponse:
    days = capture.settings.capture_download_link_days
    return link_page(
        "Dieser Link ist abgelaufen",
        capture.words["download_expired"].format(days=days) + website_link(capture),
        410,
    )


def _no_lead_page(capture: Capture) -> HTMLResponse:
    return link_page(
        "Link nicht mehr gültig",
        "<p>Zu diesem Link sind bei uns keine Daten gespeichert.</p>"
        + capture.words["download_ask_again"]
        + website_link(capture),
        404,
    )


def _no_file_page(capture: Capture) -> HTMLResponse:
    return link_page(
        "Datei nicht gefunden",
        "<p>Diese Datei bieten wir nicht mehr an.</p>" + website_link(capture),
        404,
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
        return (
            _expired_page(capture)
            if str(exc) == "expired"
            else invalid_link_page(capture, "Download-Link")
        )
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
    except DATABASE_ERRORS as exc:
        if not is_database_unavailable(exc):
            raise
        _log.warning("database unavailable", error=type(exc).__name__)
        return unavailable_page(capture)
    _log.info("magnet downloaded", lead_id=str(link.lead_id), magnet=link.magnet)
    return Response(
        file["content"],
        media_type=file["content_type"],
        headers={**_FILE_HEADERS, "Content-Disposition": content_disposition(file["filename"])},
    )
