"""Staff accounts: users with roles, Argon2 passwords, browser sessions with their CSRF
token, API tokens for scripts, and login throttling. Tokens are random and stored only
as SHA-256 hashes, so a copy of the database opens no session."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID, uuid4

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from auftakt_common.email_address import EmailAddressInvalid, checked_email
from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from .models import ApiTokenRow, LoginFailureRow, SessionRow, UserRow

__all__ = [
    "ROLES",
    "AccountInvalid",
    "LoginRefused",
    "LoginThrottled",
    "Role",
    "Session",
    "User",
    "authenticate",
    "create_api_token",
    "create_user",
    "end_session",
    "list_api_tokens",
    "list_users",
    "record_login_failure",
    "revoke_api_token",
    "session_for",
    "set_password",
    "start_session",
    "update_user",
    "user_for_api_token",
]

Role = Literal["admin", "sales"]
ROLES: tuple[Role, ...] = ("admin", "sales")
_TOKEN_PREFIX = "akt_"
_MIN_PASSWORD = 10
_MAX_NAME = 200
# in a name shown on pages: PostgreSQL refuses NUL in text, the others break the lines
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_hasher = PasswordHasher()
# verified when the address is unknown, so a wrong address takes as long as a wrong password
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True, slots=True)
class User:
    id: UUID
    email: str
    name: str
    role: Role
    active: bool
    must_change_password: bool

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True, slots=True)
class Session:
    user: User
    csrf_token: str


class AccountInvalid(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class LoginRefused(Exception):
    """Wrong address or password, or the account is switched off (never said which)."""


class LoginThrottled(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed logins; retry after {retry_after} s")
        self.retry_after = retry_after


_USER_COLUMNS = (
    UserRow.id,
    UserRow.email,
    UserRow.name,
    UserRow.role,
    UserRow.active,
    UserRow.must_change_password,
)


def _user(row: object) -> User:
    return User(*row)  # type: ignore[misc]


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def _normalise(email: str) -> str:
    return email.strip().lower()


def check_password(password: str) -> None:
    if len(password) < _MIN_PASSWORD:
        raise AccountInvalid("password", f"Passwort zu kurz (mindestens {_MIN_PASSWORD} Zeichen)")


async def create_user(
    conn: AsyncConnection, *, email: str, name: str, role: str, password: str | None = None
) -> tuple[User, str]:
    """A new user and their password (a generated one-time password if none is given:
    they must choose their own at the first login)."""
    address = _normalise(email)
    if len(address) > 254:
        raise AccountInvalid("email", "E-Mail-Adresse zu lang (höchstens 254 Zeichen)")
    try:  # the rule leads' addresses are checked by
        address = checked_email(address).lower()
    except EmailAddressInvalid as exc:
        raise AccountInvalid("email", str(exc)) from exc
    if role not in ROLES:
        raise AccountInvalid("role", "Rolle muss admin oder sales sein")
    if not name.strip():
        raise AccountInvalid("name", "Name fehlt")
    if len(name.strip()) > _MAX_NAME:
        raise AccountInvalid("name", f"Name zu lang (höchstens {_MAX_NAME} Zeichen)")
    if _CONTROL.search(name.strip()):
        raise AccountInvalid("name", "Name darf keine Steuerzeichen enthalten")
    one_time = password is None
    chosen = password if password is not None else secrets.token_urlsafe(12)
    check_password(chosen)
    exists = await conn.scalar(select(func.count()).where(UserRow.email == address))
    if exists:
        raise AccountInvalid("email", "Es gibt schon ein Konto mit dieser Adresse")
    user_id = uuid4()
    await conn.execute(
        insert(UserRow).values(
            id=user_id,
            email=address,
            name=name.strip(),
            role=role,
            password_hash=await asyncio.to_thread(_hasher.hash, chosen),
            must_change_password=one_time,
        )
    )
    return User(user_id, address, name.strip(), role, True, one_time), chosen


async def set_password(conn: AsyncConnection, user_id: UUID, password: str) -> None:
    """A new password chosen by the user; their other sessions end."""
    check_password(password)
    await conn.execute(
        update(UserRow)
        .where(UserRow.id == user_id)
        .values(
            password_hash=await asyncio.to_thread(_hasher.hash, password),
            must_change_password=False,
        )
    )


async def reset_password(conn: AsyncConnection, user_id: UUID) -> str:
    """A one-time password set by an admin; every session of the user ends."""
    password = secrets.token_urlsafe(12)
    await conn.execute(
        update(UserRow)
        .where(UserRow.id == user_id)
        .values(
            password_hash=await asyncio.to_thread(_hasher.hash, password),
            must_change_password=True,
        )
    )
    await conn.execute(delete(SessionRow).where(SessionRow.user_id == user_id))
    return password


async def update_user(
    conn: AsyncConnection, user_id: UUID, *, role: str | None = None, active: bool | None = None
) -> None:
    values: dict[str, object] = {}
    if role is not None:
        if role not in ROLES:
            raise AccountInvalid("role", "Rolle muss admin oder sales sein")
        values["role"] = role
    if active is not None:
        values["active"] = active
    if values:
        await conn.execute(update(UserRow).where(UserRow.id == user_id).values(**values))
    if active is False:
        await conn.execute(delete(SessionRow).where(SessionRow.user_id == user_id))


async def list_users(conn: AsyncConnection) -> list[User]:
    rows = await conn.execute(select(*_USER_COLUMNS).order_by(UserRow.name))
    return [_user(row) for row in rows]


async def get_user(conn: AsyncConnection, user_id: UUID) -> User | None:
    row = (await conn.execute(select(*_USER_COLUMNS).where(UserRow.id == user_id))).first()
    return None if row is None else _user(row)


async def has_admin(conn: AsyncConnection) -> bool:
    found = await conn.scalar(
        select(func.count()).where(UserRow.role == "admin", UserRow.active.is_(True))
    )
    return bool(found)


async def authenticate(
    conn: AsyncConnection,
    *,
    email: str,
    password: str,
    client: str,
    now: datetime,
    window: timedelta,
    per_account: int,
    per_client: int,
) -> User:
    """The user these credentials belong to. Failures (`record_login_failure`) count per
    address and per client; past either limit, logins are refused for the window without
    checking the password."""
    address = _normalise(email)[:254]
    since = now - window
    counts = (
        await conn.execute(
            select(
                func.count().filter(LoginFailureRow.account == address),
                func.count().filter(LoginFailureRow.client == client),
                func.min(LoginFailureRow.failed_at),
            ).where(
                LoginFailureRow.failed_at > since,
                or_(LoginFailureRow.account == address, LoginFailureRow.client == client),
            )
        )
    ).one()
    if counts[0] >= per_account or counts[1] >= per_client:
        oldest: datetime = counts[2]
        raise LoginThrottled(max(1, int((oldest + window - now).total_seconds()) + 1))
    row = (
        await conn.execute(
            select(*_USER_COLUMNS, UserRow.password_hash).where(UserRow.email == address)
        )
    ).first()
    stored = row.password_hash if row is not None else _DUMMY_HASH
    try:
        await asyncio.to_thread(_hasher.verify, stored, password)
        verified = row is not None and row.active
    except (VerificationError, InvalidHashError):
        verified = False
    if not verified or row is None:
        raise LoginRefused()
    if _hasher.check_needs_rehash(stored):
        await conn.execute(
            update(UserRow)
            .where(UserRow.id == row.id)
            .values(password_hash=await asyncio.to_thread(_hasher.hash, password))
        )
    await conn.execute(update(UserRow).where(UserRow.id == row.id).values(last_login_at=now))
    await conn.execute(delete(LoginFailureRow).where(LoginFailureRow.account == address))
    return _user(row[:6])


async def record_login_failure(
    conn: AsyncConnection, *, email: str, client: str, now: datetime
) -> None:
    """Count a refused login (in its own transaction: the login's rolls back)."""
    await conn.execute(
        insert(LoginFailureRow).values(
            account=_normalise(email)[:254], client=client, failed_at=now
        )
    )


async def start_session(
    conn: AsyncConnection, user_id: UUID, *, now: datetime, idle: timedelta
) -> tuple[str, str]:
    """A new session: (cookie token, CSRF token)."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    await conn.execute(
        insert(SessionRow).values(
            token_hash=_digest(token),
            user_id=user_id,
            csrf_token=csrf,
            created_at=now,
            last_seen_at=now,
            expires_at=now + idle,
        )
    )
    return token, csrf


async def session_for(
    conn: AsyncConnection, token: str, *, now: datetime, idle: timedelta, longest: timedelta
) -> Session | None:
    """The live session of a cookie token, kept alive by use (never past `longest`)."""
    row = (
        await conn.execute(
            select(
                *_USER_COLUMNS,
                SessionRow.csrf_token,
                SessionRow.created_at,
                SessionRow.last_seen_at,
            )
            .join(UserRow, UserRow.id == SessionRow.user_id)
            .where(
                SessionRow.token_hash == _digest(token),
                SessionRow.expires_at > now,
                UserRow.active.is_(True),
            )
        )
    ).first()
    if row is None:
        return None
    if now - row.last_seen_at > timedelta(minutes=1):  # one write a minute, not per request
        await conn.execute(
            update(SessionRow)
            .where(SessionRow.token_hash == _digest(token))
            .values(last_seen_at=now, expires_at=min(now + idle, row.created_at + longest))
        )
    return Session(_user(row[:6]), row.csrf_token)


async def end_session(conn: AsyncConnection, token: str) -> None:
    await conn.execute(delete(SessionRow).where(SessionRow.token_hash == _digest(token)))


def csrf_matches(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


@dataclass(frozen=True, slots=True)
class ApiToken:
    id: UUID
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


async def create_api_token(
    conn: AsyncConnection, user_id: UUID, name: str, *, now: datetime
) -> tuple[ApiToken, str]:
    """A token for scripts, acting as the user; the plaintext is returned once."""
    if not name.strip() or len(name) > 100:
        raise AccountInvalid("name", "Name fehlt (höchstens 100 Zeichen)")
    if _CONTROL.search(name.strip()):
        raise AccountInvalid("name", "Name darf keine Steuerzeichen enthalten")
    secret = _TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(uuid4(), name.strip(), secret[:12], now, None, None)
    await conn.execute(
        insert(ApiTokenRow).values(
            id=token.id,
            user_id=user_id,
            name=token.name,
            token_hash=_digest(secret),
            prefix=token.prefix,
            created_at=now,
        )
    )
    return token, secret


async def list_api_tokens(conn: AsyncConnection, user_id: UUID) -> list[ApiToken]:
    rows = await conn.execute(
        select(
            ApiTokenRow.id,
            ApiTokenRow.name,
            ApiTokenRow.prefix,
            ApiTokenRow.created_at,
            ApiTokenRow.last_used_at,
            ApiTokenRow.revoked_at,
        )
        .where(ApiTokenRow.user_id == user_id)
        .order_by(ApiTokenRow.created_at.desc())
    )
    return [ApiToken(*row) for row in rows]


async def revoke_api_token(
    conn: AsyncConnection, user_id: UUID, token_id: UUID, *, now: datetime
) -> bool:
    result = await conn.execute(
        update(ApiTokenRow)
        .where(
            ApiTokenRow.id == token_id,
            ApiTokenRow.user_id == user_id,
            ApiTokenRow.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    return bool(result.rowcount)


async def user_for_api_token(conn: AsyncConnection, token: str, *, now: datetime) -> User | None:
    if not token.startswith(_TOKEN_PREFIX):
        return None
    row = (
        await conn.execute(
            select(ApiTokenRow.id, ApiTokenRow.user_id, ApiTokenRow.last_used_at).where(
                ApiTokenRow.token_hash == _digest(token), ApiTokenRow.revoked_at.is_(None)
            )
        )
    ).first()
    if row is None:
        return None
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        # a write a minute at most, not one per scripted request
        await conn.execute(
            update(ApiTokenRow).where(ApiTokenRow.id == row.id).values(last_used_at=now)
        )
    user = await get_user(conn, row.user_id)
    return user if user is not None and user.active else None
