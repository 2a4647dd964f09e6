"""Who is asking: a browser session (cookie, with its CSRF token for every change) or
an API token (`Authorization: Bearer akt_…`). Typed dependencies for the routes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request

from .accounts import User, csrf_matches, session_for, user_for_api_token
from .service import AdminService

__all__ = [
    "SESSION_COOKIE",
    "AdminDep",
    "LoginRequired",
    "PasswordChangeRequired",
    "Principal",
    "StaffDep",
    "admin_of",
    "login_url",
    "staff",
]

SESSION_COOKIE = "auftakt_session"
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class LoginRequired(Exception):
    """No valid session: pages send the browser to the login, the API answers 401."""


class PasswordChangeRequired(Exception):
    """A one-time password was used: nothing else until the user chose their own."""


@dataclass(frozen=True, slots=True)
class Principal:
    user: User
    via: Literal["session", "token"]
    csrf_token: str | None
    session_token: str | None


def admin_of(request: Request) -> AdminService:
    return request.app.state.admin  # type: ignore[no-any-return]


async def staff(request: Request) -> Principal:
    """The signed-in user. Changes by a browser session need its CSRF token (form field
    `csrf_token` or header `X-CSRF-Token`); tokens are not sent by browsers on their own,
    so API tokens need none."""
    service = admin_of(request)
    settings = service.settings
    now = service.clock()
    authorization = request.headers.get("authorization", "")
    async with service.engine.begin() as conn:
        if authorization.lower().startswith("bearer "):
            user = await user_for_api_token(conn, authorization[7:].strip(), now=now)
            if user is None:
                raise HTTPException(401, "API-Token ungültig oder widerrufen")
            return Principal(user, "token", None, None)
        token = request.cookies.get(SESSION_COOKIE)
        session = (
            await session_for(
                conn,
                token,
                now=now,
                idle=timedelta(minutes=settings.admin_session_idle_minutes),
                longest=timedelta(hours=settings.admin_session_max_hours),
            )
            if token
            else None
        )
    if session is None or token is None:
        raise LoginRequired()
    if request.method not in _SAFE_METHODS:
        given = request.headers.get("x-csrf-token")
        if given is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            given = (await request.form()).get("csrf_token")  # type: ignore[assignment]
        if not csrf_matches(session.csrf_token, given):
            raise HTTPException(403, "CSRF-Token fehlt oder ist falsch – bitte Seite neu laden")
    principal = Principal(session.user, "session", session.csrf_token, token)
    if session.user.must_change_password and not request.url.path.startswith(
        ("/admin/password", "/admin/logout")
    ):
        raise PasswordChangeRequired()
    return principal


async def admin_only(principal: Annotated[Principal, Depends(staff)]) -> Principal:
    if not principal.user.is_admin:
        raise HTTPException(403, "Nur für Administratoren")
    return principal


StaffDep = Annotated[Principal, Depends(staff)]
AdminDep = Annotated[Principal, Depends(admin_only)]


def login_url(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/admin/login?next={quote(target, safe='')}"
