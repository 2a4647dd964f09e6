"""What the mailer knows of each lead: contact, personalisation facts, consent and stop
facts, stage, assignee; and its erasure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from auftakt_common.outbox import erase_lead_events
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain import LeadFacts
from ..models import outbox
from ._sql import NOT_ERASED, execute, fetch_rows

__all__ = [
    "assignee_email",
    "erase_lead",
    "lead_facts",
    "lead_profiles",
    "record_lead_fact",
    "set_assignee",
    "set_pipeline_status",
    "set_stage",
    "upsert_lead_snapshot",
]


async def upsert_lead_snapshot(conn: AsyncConnection, values: Mapping[str, Any]) -> bool:
    """Store a lead's latest snapshot (older snapshots arriving late change nothing);
    False if the lead was erased."""
    rows = await fetch_rows(
        conn,
        f"""INSERT INTO mailer.leads (lead_id, email_ct, first_name_ct, company_name, event_type,
                event_date, guest_count, budget_min, budget_max, snapshot_at)
            SELECT %(lead_id)s, %(email_ct)s, %(first_name_ct)s, %(company_name)s,
                %(event_type)s, %(event_date)s, %(guest_count)s, %(budget_min)s,
                %(budget_max)s, %(snapshot_at)s
            WHERE {NOT_ERASED}
            ON CONFLICT (lead_id) DO UPDATE SET email_ct = excluded.email_ct,
                first_name_ct = excluded.first_name_ct, company_name = excluded.company_name,
                event_type = excluded.event_type, event_date = excluded.event_date,
                guest_count = excluded.guest_count, budget_min = excluded.budget_min,
                budget_max = excluded.budget_max,
                snapshot_at = excluded.snapshot_at
            WHERE mailer.leads.snapshot_at IS NULL
               OR mailer.leads.snapshot_at <= excluded.snapshot_at
            RETURNING lead_id""",
        values,
    )
    if rows:
        return True
    erased = await fetch_rows(
        conn, "SELECT 1 FROM mailer.erased_leads WHERE lead_id = %(lead_id)s", values
    )
    return not erased


_FACTS = {
    "consent_requested_at",
    "consent_confirmed_at",
    "opted_out_at",
    "bounced_at",
    "complained_at",
    "replied_at",
}


async def record_lead_fact(conn: AsyncConnection, lead_id: UUID, fact: str, at: datetime) -> bool:
    """Record when something happened to a lead (the latest time wins); False if erased."""
    if fact not in _FACTS:
        raise ValueError(f"unknown lead fact {fact}")
    rows = await fetch_rows(
        conn,
        f"""INSERT INTO mailer.leads (lead_id, {fact}) SELECT %(lead_id)s, %(at)s
            WHERE {NOT_ERASED}
            ON CONFLICT (lead_id) DO UPDATE
            SET {fact} = greatest(mailer.leads.{fact}, excluded.{fact})
            RETURNING lead_id""",
        {"lead_id": lead_id, "at": at},
    )
    return bool(rows)


async def set_pipeline_status(conn: AsyncConnection, lead_id: UUID, status: str) -> None:
    await execute(
        conn,
        f"""INSERT INTO mailer.leads (lead_id, status) SELECT %(lead_id)s, %(status)s
            WHERE {NOT_ERASED}
            ON CONFLICT (lead_id) DO UPDATE SET status = excluded.status""",
        {"lead_id": lead_id, "status": status},
    )


async def set_assignee(conn: AsyncConnection, lead_id: UUID, email: str | None) -> None:
    await execute(
        conn,
        f"""INSERT INTO mailer.leads (lead_id, assignee_email) SELECT %(lead_id)s, %(email)s
            WHERE {NOT_ERASED}
            ON CONFLICT (lead_id) DO UPDATE SET assignee_email = excluded.assignee_email""",
        {"lead_id": lead_id, "email": email},
    )


async def assignee_email(conn: AsyncConnection, lead_id: UUID) -> str | None:
    rows = await fetch_rows(
        conn,
        "SELECT assignee_email FROM mailer.leads WHERE lead_id = %(lead_id)s",
        {"lead_id": lead_id},
    )
    return rows[0]["assignee_email"] if rows else None


async def set_stage(conn: AsyncConnection, lead_id: UUID, stage: str, score: int) -> None:
    await execute(
        conn,
        f"""INSERT INTO mailer.leads (lead_id, stage, score)
            SELECT %(lead_id)s, %(stage)s, %(score)s WHERE {NOT_ERASED}
            ON CONFLICT (lead_id) DO UPDATE SET stage = excluded.stage, score = excluded.score""",
        {"lead_id": lead_id, "stage": stage, "score": score},
    )


_FACT_COLUMNS = (
    "lead_id, email_ct IS NOT NULL AS known, consent_requested_at, consent_confirmed_at, "
    "opted_out_at, bounced_at, complained_at, replied_at, status"
)


async def lead_facts(conn: AsyncConnection, lead_ids: Sequence[UUID]) -> dict[UUID, LeadFacts]:
    rows = await fetch_rows(
        conn,
        f"SELECT {_FACT_COLUMNS} FROM mailer.leads WHERE lead_id = ANY(%(ids)b)",
        {"ids": list(lead_ids)},
    )
    return {row["lead_id"]: LeadFacts.of(row) for row in rows}


async def lead_profiles(
    conn: AsyncConnection, lead_ids: Sequence[UUID], *, lock: bool = False
) -> dict[UUID, dict[str, Any]]:
    """Everything a mail to these leads needs: ciphertexts and personalisation facts.
    `lock`: hold the rows (FOR SHARE) to the end of the transaction, so a consent or
    opt-out arriving meanwhile waits and then sees what this transaction decided."""
    rows = await fetch_rows(
        conn,
        f"""SELECT {_FACT_COLUMNS}, email_ct, first_name_ct, company_name, event_type,
                   event_date, guest_count, budget_min, budget_max
            FROM mailer.leads WHERE lead_id = ANY(%(ids)b) ORDER BY lead_id"""
        + (" FOR SHARE" if lock else ""),
        {"ids": list(lead_ids)},
    )
    return {row["lead_id"]: row for row in rows}


async def erase_lead(conn: AsyncConnection, lead_id: UUID) -> None:
    """Art. 17: delete all the mailer holds of the lead (its events in the outbox too), and
    remember it was erased."""
    params = {"lead_id": lead_id}
    for table in ("sends", "notifications", "enrolments", "leads"):
        await execute(conn, f"DELETE FROM mailer.{table} WHERE lead_id = %(lead_id)s", params)
    await erase_lead_events(conn, outbox, [lead_id])
    await execute(
        conn,
        "INSERT INTO mailer.erased_leads (lead_id) VALUES (%(lead_id)s) ON CONFLICT DO NOTHING",
        params,
    )
