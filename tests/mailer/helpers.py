"""Helpers for mailer tests: run the dispatcher, wait for effects, read the mailer's rows."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

from auftakt_mailer.app import MailerService
from auftakt_mailer.settings import MailerSettings
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.polling import wait_for

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
    return await wait_for(check, until, timeout=timeout)


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


async def known_leads(
    db: AsyncEngine,
    settings: MailerSettings,
    count: int,
    *,
    due: datetime,
    sequence: str = "checklist_2025",
) -> list[tuple[uuid.UUID, str]]:
    """Leads as the mailer knows them after `lead.created` (a data key in the vault, the
    address sealed), each enrolled in `sequence` with step 1 due at `due`."""
    vault = settings.vault()
    leads = []
    async with db.begin() as conn:
        for _ in range(count):
            lead_id, address = uuid.uuid4(), unique_address("team")
            data_key, wrapped = vault.new_data_key(lead_id)
            await conn.execute(
                text(
                    "INSERT INTO vault.data_keys (lead_id, master_key_id, wrapped_key) "
                    "VALUES (:id, :key_id, :wrapped)"
                ),
                {"id": lead_id, "key_id": wrapped.master_key_id, "wrapped": wrapped.wrapped},
            )
            await conn.execute(
                text(
                    "INSERT INTO mailer.leads (lead_id, email_ct, first_name_ct, company_name) "
                    "VALUES (:id, :email, :name, 'Team GmbH')"
                ),
                {
                    "id": lead_id,
                    "email": data_key.seal("email", address),
                    "name": data_key.seal("first_name", "Team"),
                },
            )
            await conn.execute(
                text(
                    "INSERT INTO mailer.enrolments (id, lead_id, sequence_id, state, "
                    "next_position, next_due_at, enrolled_at) SELECT :enrolment, :id, s.id, "
                    "'active', 1, :due, :due FROM mailer.sequences s WHERE s.key = :key"
                ),
                {"enrolment": uuid.uuid4(), "id": lead_id, "due": due, "key": sequence},
            )
            leads.append((lead_id, address))
    return leads
