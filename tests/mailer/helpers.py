"""Helpers for mailer tests: run the dispatcher, wait for effects, read the mailer's rows."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from auftakt_mailer.app import MailerService
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

_T = TypeVar("_T")


def unique_address(name: str = "anna") -> str:
    return f"{name}.{uuid.uuid4().hex[:10]}@tech-solutions.example"


async def deliver_due(mailer: MailerService) -> int:
    """Dispatch rounds until nothing more is due now; how many mails went out."""
    sent = 0
    while (result := await mailer.dispatcher.run_round()).busy:
        sent += result.sent
    return sent


async def eventually(
    check: Callable[[], Awaitable[_T]], until: Callable[[_T], bool], timeout: float = 15.0
) -> _T:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not until(value := await check()):
        if loop.time() > deadline:
            raise AssertionError(f"not reached in {timeout}s: {value!r}")
        await asyncio.sleep(0.05)
    return value


async def rows(db: AsyncEngine, sql: str, **params: Any) -> list[dict[str, Any]]:
    async with db.connect() as conn:
        result = await conn.execute(text(sql), params)
        return [dict(row._mapping) for row in result]


async def enrolments(db: AsyncEngine, lead_id: str) -> list[dict[str, Any]]:
    return await rows(
        db,
        """SELECT s.key, e.state, e.next_position, e.stop_reason FROM mailer.enrolments e
           JOIN mailer.sequences s ON s.id = e.sequence_id WHERE e.lead_id = :lead_id""",
        lead_id=uuid.UUID(lead_id),
    )


async def sends(db: AsyncEngine, lead_id: str) -> list[dict[str, Any]]:
    return await rows(
        db,
        """SELECT kind, position, status, attempts, marketing FROM mailer.sends
           WHERE lead_id = :lead_id ORDER BY created_at, position""",
        lead_id=uuid.UUID(lead_id),
    )
