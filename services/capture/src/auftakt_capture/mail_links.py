"""The links in Auftakt's mails: double-opt-in confirmation (a page, then its button),
unsubscribe (RFC 8058 one-click and a page), open pixel and click redirect. Each carries a
signed token, never an address; the mailer issues the tokens, capture serves the links
because they are public."""

from __future__ import annotations

import html
from typing import Annotated, Literal
from urllib.parse import urlencode, urlsplit
from uuid import UUID, uuid4

import structlog
from auftakt_common.db import is_database_unavailable
from auftakt_common.events import (
    ConsentConfirmed,
    EmailClicked,
    EmailOpened,
    LeadOptedOut,
    utc_now,
)
from auftakt_common.http import correlation_id_of
from auftakt_common.outbox import add_events
from auftakt_common.pii import scrub_emails
from auftakt_common.tokens import MailLink, TokenInvalid
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from . import repository as repo
from .context import Capture
from .deps import BodyTooLarge, CaptureDep, client_ip, parse_form, read_body
from .domain import MARKETING_EMAIL
from .link_pages import (
    DATABASE_ERRORS,
    invalid_link_page,
    link_page,
    unavailable_page,
    website_link,
)
from .models import outbox
from .problems import is_html_form

__all__ = ["router"]

_log = structlog.get_logger("auftakt.capture")

router = APIRouter()

_PURPOSE = MARKETING_EMAIL
_MAX_TOKEN_CHARS = 8192  # a click token carries its URL; anything longer is not ours
_MAX_FORM_BYTES = 16 * 1024  # `List-Unsubscribe=One-Click`, even as multipart, is tiny
# the smallest transparent GIF: 1×1, one transparent colour
_PIXEL = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
_NO_STORE = "no-store, max-age=0"

Token = Annotated[str, Query(description="the signed token from the mail")]
ConsentChange = Literal["recorded", "unchanged", "no_lead"]


def _ask_page(title: str, question_html: str, token: str, button: str) -> HTMLResponse:
    """A page that only asks: its button posts the token back to the same URL. Mail
    scanners fetch every link in a mail, so a GET never records anything; the POST does."""
    action = html.escape("?" + urlencode({"token": token}))
    return link_page(
        title,
        question_html + f'<form method="post" action="{action}">'
        '<input type="hidden" name="confirm" value="1">'
        f'<button type="submit">{html.escape(button)}</button></form>',
    )


def _no_lead_page() -> HTMLResponse:
    return link_page(
        "Link nicht mehr gültig",
        "<p>Zu diesem Link sind bei uns keine Daten gespeichert.</p>",
        404,
    )


def _unsubscribed_page(capture: Capture) -> HTMLResponse:
    words = capture.words
    return link_page(words["unsubscribed_title"], words["unsubscribed"] + website_link(capture))


def _verify(
    capture: Capture, purpose: str, token: str, *, max_age_seconds: int | None = None
) -> MailLink:
    """The link a token names; `TokenInvalid` ("expired" or "invalid") otherwise."""
    if not token or len(token) > _MAX_TOKEN_CHARS:
        raise TokenInvalid("invalid")
    try:
        return capture.mail_links.verify(purpose, token, max_age_seconds=max_age_seconds)
    except TokenInvalid as exc:
        # never the token itself: it is a working link to someone's mail preferences
        _log.info("mail link refused", purpose=purpose, reason=str(exc))
        raise


def _is_unavailable(exc: BaseException) -> bool:
    if is_database_unavailable(exc):
        _log.warning("database unavailable", error=type(exc).__name__)
        return True
    return False


async def _change_consent(
    conn: AsyncConnection,
    lead_id: UUID,
    state: Literal["confirmed", "withdrawn"],
    *,
    source_url: str,
) -> ConsentChange:
    """Record `state` for marketing mail in the ledger and on the lead, unless it is the
    lead's latest state already (a second click changes nothing)."""
    if not await repo.lock_lead(conn, lead_id):  # locked: two clicks at once record once
        return "no_lead"
    if await repo.latest_consent_state(conn, lead_id, _PURPOSE) == state:
        return "unchanged"
    await repo.add_consent(
        conn,
        id=uuid4(),
        lead_id=lead_id,
        purpose=_PURPOSE,
        state=state,
        consent_text=None,
        source_url=source_url,
        submission_id=None,
        recorded_at=utc_now(),
    )
    await repo.set_consent_marketing(conn, lead_id, state == "confirmed")
    return "recorded"


def _public_url(capture: Capture, path: str) -> str:
    return capture.settings.public_url.rstrip("/") + path


def _verify_confirmation(capture: Capture, token: str) -> MailLink | HTMLResponse:
    """The lead a double-opt-in token names, or the page saying why it does not work."""
    days = capture.settings.doi_link_days
    try:
        return _verify(capture, "confirm", token, max_age_seconds=days * 86400)
    except TokenInvalid as exc:
        if str(exc) != "expired":
            return invalid_link_page(capture)
        return link_page(
            "Dieser Link ist abgelaufen",
            capture.words["confirm_expired"].format(days=days) + website_link(capture),
            410,
        )


def _confirmed_page(capture: Capture, *, already: bool = False) -> HTMLResponse:
    words = capture.words
    news = words["already_confirmed"] if already else words["confirmed"]
    return link_page("Anmeldung bestätigt", news + words["unsubscribe_anytime"])


@router.get(
    "/v1/consent/confirm",
    response_class=HTMLResponse,
    summary="Double opt-in: the link in the confirmation mail, a page that asks, changes "
    "nothing (mail scanners fetch links)",
    responses={400: {}, 404: {}, 410: {}, 503: {}},
)
async def confirm_consent_page(capture: CaptureDep, token: Token = "") -> Response:
    link = _verify_confirmation(capture, token)
    if isinstance(link, Response):
        return link
    try:
        async with capture.engine.connect() as conn:
            exists = bool(await repo.existing_lead_ids(conn, [link.lead_id]))
            state = await repo.latest_consent_state(conn, link.lead_id, _PURPOSE)
    except DATABASE_ERRORS as exc:
        if _is_unavailable(exc):
            return unavailable_page(capture)
        raise
    if not exists:
        return _no_lead_page()
    if state == "confirmed":
        return _confirmed_page(capture, already=True)
    return _ask_page(
        "Anmeldung bestätigen", capture.words["confirm_question"], token, "Anmeldung bestätigen"
    )


async def _record_consent(
    request: Request,
    capture: Capture,
    state: Literal["confirmed", "withdrawn"],
    path: str,
    event: ConsentConfirmed | LeadOptedOut,
) -> ConsentChange | Response:
    """Record the new consent state in the ledger and publish `event`, in one transaction,
    unless the state is that already; a German 503 page while the database is away."""
    try:
        async with capture.relay.transaction() as conn:
            change = await _change_consent(
                conn, event.lead_id, state, source_url=_public_url(capture, path)
            )
            if change == "recorded":
                await add_events(
                    conn, outbox, [event], correlation_id=correlation_id_of(request.scope)
                )
    except DATABASE_ERRORS as exc:
        if _is_unavailable(exc):
            return unavailable_page(capture)
        raise
    return change


@router.post(
    "/v1/consent/confirm",
    response_class=HTMLResponse,
    summary="Double opt-in: the confirmation page's button records the consent",
    responses={400: {}, 404: {}, 410: {}, 503: {}},
)
async def confirm_consent(request: Request, capture: CaptureDep, token: Token = "") -> Response:
    link = _verify_confirmation(capture, token)
    if isinstance(link, Response):
        return link
    change = await _record_consent(
        request, capture, "confirmed", "/v1/consent/confirm", ConsentConfirmed(lead_id=link.lead_id)
    )
    if isinstance(change, Response):
        return change
    _log.info("consent confirmation", lead_id=str(link.lead_id), outcome=change)
    if change == "no_lead":
        return _no_lead_page()
    return _confirmed_page(capture)


@router.get(
    "/v1/unsubscribe",
    response_class=HTMLResponse,
    summary="Unsubscribe page: asks, changes nothing (mail scanners fetch links)",
    responses={400: {}},
)
async def unsubscribe_page(capture: CaptureDep, token: Token = "") -> Response:
    try:
        _verify(capture, "unsubscribe", token)
    except TokenInvalid:
        return invalid_link_page(capture)
    return _ask_page(
        "Von unseren E-Mails abmelden", capture.words["unsubscribe_question"], token, "Abmelden"
    )


async def _is_one_click(request: Request) -> bool:
    """RFC 8058: a mail provider posts the form field `List-Unsubscribe=One-Click`."""
    if not is_html_form(request):
        return False
    try:
        form = await parse_form(request, await read_body(request, _MAX_FORM_BYTES))
    except (BodyTooLarge, HTTPException, MultiPartException):
        return False
    value = form.get("List-Unsubscribe")
    return isinstance(value, str) and value.strip().lower() == "one-click"


@router.post(
    "/v1/unsubscribe",
    response_class=HTMLResponse,
    summary="Unsubscribe: RFC 8058 one-click (List-Unsubscribe=One-Click) or the page's form",
    responses={400: {}, 503: {}},
)
async def unsubscribe(request: Request, capture: CaptureDep, token: Token = "") -> Response:
    try:
        link = _verify(capture, "unsubscribe", token)
    except TokenInvalid:
        return invalid_link_page(capture)
    method: Literal["one_click", "page"] = "one_click" if await _is_one_click(request) else "page"
    opted_out = LeadOptedOut(lead_id=link.lead_id, send_id=link.send_id, method=method)
    change = await _record_consent(request, capture, "withdrawn", "/v1/unsubscribe", opted_out)
    if isinstance(change, Response):
        return change
    _log.info("unsubscribe", lead_id=str(link.lead_id), method=method, outcome=change)
    return _unsubscribed_page(capture)


async def _record_engagement(
    request: Request, capture: Capture, event: EmailOpened | EmailClicked
) -> None:
    """Publish an open or click if the lead still exists. Best effort: the reader gets the
    pixel or the redirect whatever happens here."""
    limited = await capture.rate_limits.retry_after("activity", client_ip(request) or "unknown")
    if limited is not None:
        return
    try:
        async with capture.relay.transaction() as conn:
            if not await repo.hold_lead(conn, event.lead_id):
                return  # erased: nothing about the lead is recorded any more
            await add_events(conn, outbox, [event], correlation_id=correlation_id_of(request.scope))
    except DATABASE_ERRORS as exc:
        if not _is_unavailable(exc):
            _log.exception("mail engagement not recorded", subject=event.subject)


@router.get(
    "/v1/e/o/{token}",
    response_class=Response,
    summary="Open pixel: a 1×1 transparent GIF, whatever the token",
    responses={200: {"content": {"image/gif": {}}}},
)
async def open_pixel(request: Request, capture: CaptureDep, token: str) -> Response:
    try:
        link = _verify(capture, "open", token)
    except TokenInvalid:
        link = None
    if link is not None and link.send_id is not None:
        await _record_engagement(
            request, capture, EmailOpened(lead_id=link.lead_id, send_id=link.send_id)
        )
    return Response(_PIXEL, media_type="image/gif", headers={"Cache-Control": _NO_STORE})


def _is_web_address(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


@router.get(
    "/v1/e/c/{token}",
    status_code=302,
    response_class=RedirectResponse,
    summary="Click redirect: to the address signed into the token, never one from the query",
    responses={404: {"content": {"text/html": {}}}},
)
async def click_redirect(request: Request, capture: CaptureDep, token: str) -> Response:
    try:
        link = _verify(capture, "click", token)
    except TokenInvalid:
        link = None
    if link is None or link.url is None or not _is_web_address(link.url):
        return link_page("Link nicht gefunden", capture.words["open_click_from_mail"], 404)
    if link.send_id is not None:
        event = EmailClicked(lead_id=link.lead_id, send_id=link.send_id, url=scrub_emails(link.url))
        await _record_engagement(request, capture, event)
    return RedirectResponse(
        link.url,
        status_code=302,
        headers={"Cache-Control": _NO_STORE, "Referrer-Policy": "no-referrer"},
    )
