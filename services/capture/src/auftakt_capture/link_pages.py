"""The pages behind the links in mails (confirm, unsubscribe, click, download): kept out
of caches, search engines and Referer headers, since the token in their URL works; one
way each to say a link is broken, the database is away, or where the website is."""

from __future__ import annotations

import html

import psycopg
import sqlalchemy.exc
from fastapi.responses import HTMLResponse

from .context import Capture
from .problems import page

__all__ = [
    "DATABASE_ERRORS",
    "LINK_PAGE_HEADERS",
    "invalid_link_page",
    "link_page",
    "unavailable_page",
    "website_link",
]

DATABASE_ERRORS = (sqlalchemy.exc.SQLAlchemyError, psycopg.Error, OSError)
LINK_PAGE_HEADERS = {
    "Cache-Control": "no-store, max-age=0",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
}


def link_page(title: str, body_html: str, status_code: int = 200) -> HTMLResponse:
    return page(title, body_html, status_code, LINK_PAGE_HEADERS)


def website_link(capture: Capture) -> str:
    """Back to the website (to ask again, to sign up again), if capture knows it."""
    origins = capture.settings.capture_allowed_origins
    if not origins:
        return ""
    return f'<p><a href="{html.escape(origins[0])}">Zur Website</a></p>'


def invalid_link_page(capture: Capture, link: str = "Link") -> HTMLResponse:
    return link_page(
        "Ungültiger Link",
        f"<p>Dieser {link} ist ungültig oder unvollständig.</p>" + capture.words["open_from_mail"],
        400,
    )


def unavailable_page(capture: Capture) -> HTMLResponse:
    return page(
        "Gerade nicht erreichbar",
        capture.words["try_again"],
        503,
        {**LINK_PAGE_HEADERS, "Retry-After": "5"},
    )
