"""Leads in sequences: enrolling, the due ones, moving on, stopping, holding."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from ._sql import NOT_ERASED, execute, fetch_rows

__all__ = [
    "due_enrolments",
    "enrol",
    "enrolment_context",
    "release_held_enrolments",
    "stop_enrolments",
    "update_enrolments",
]


async def enrolment_context(
    conn: AsyncConnection, lead_id: UUID, sequence_id: UUID
) -> dict[str, Any]:
    """What the lead's enrolment in this sequence kept of its trigger ({} if none)."""
    rows = await fetch_rows(
        conn,
        "SELECT context FROM mailer.enrolments WHERE lead_id = %(lead)s AND sequence_id = %(seq)s",
        {"lead": lead_id, "seq": sequence_id},
    )
    return dict(rows[0]["context"]) if rows else {}


async def enrol(conn: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> set[UUID]:
    """Enrol a lead (in a sequence at most once); the sequences it is new in."""
    new: set[UUID] = set()
    for row in rows:
        added = await execute(
            conn,
            f"""INSERT INTO mailer.enrolments (id, lead_id, sequence_id, state, next_position,
                    next_due_at, context, cause_event_id, enrolled_at)
                SELECT %(id)s, %(lead_id)s, %(sequence_id)s, 'active', %(next_position)s,
                    %(next_due_at)s, %(context)s::jsonb, %(cause_event_id)s, %(enrolled_at)s
                WHERE {NOT_ERASED}
                ON CONFLICT (lead_id, sequence_id) DO NOTHING""",
            {**row, "context": json.dumps(row["context"])},
        )
        if added:
            new.add(row["sequence_id"])
    return new


async def stop_enrolments(conn: AsyncConnection, lead_id: UUID, reason: str, now: datetime) -> None:
    """End the lead's running enrolments, and cancel the mails not yet sent that belong to
    them (a double-opt-in mail not yet sent is cancelled too: the lead said no)."""
    params = {"lead_id": lead_id, "reason": reason, "now": now}
    await execute(
        conn,
        """UPDATE mailer.enrolments SET state = 'stopped', stop_reason = %(reason)s,
               ended_at = %(now)s, next_due_at = NULL
           WHERE lead_id = %(lead_id)s AND state IN ('active', 'waiting_consent', 'paused')""",
        params,
    )
    await execute(
        conn,
        """UPDATE mailer.sends SET status = 'cancelled', last_error = %(reason)s
           WHERE lead_id = %(lead_id)s AND status IN ('queued', 'retry')""",
        params,
    )


async def release_held_enrolments(conn: AsyncConnection, lead_id: UUID, now: datetime) -> None:
    """Consent arrived: the step held for it is due now."""
    await execute(
        conn,
        """UPDATE mailer.enrolments SET state = 'active', next_due_at = %(now)s
           WHERE lead_id = %(lead_id)s AND state = 'waiting_consent'""",
        {"lead_id": lead_id, "now": now},
    )


async def due_enrolments(conn: AsyncConnection, now: datetime, limit: int) -> list[dict[str, Any]]:
    """Enrolments whose next step is due (or whose wait for consent is over), of active
    sequences, locked for this transaction; rows another process holds are skipped."""
    return await fetch_rows(
        conn,
        """SELECT e.id, e.lead_id, e.sequence_id, e.next_position, e.next_due_at,
                  e.enrolled_at, e.context::text AS context
           FROM mailer.enrolments e
           JOIN mailer.sequences s ON s.id = e.sequence_id AND s.active
           WHERE e.state IN ('active', 'waiting_consent') AND e.next_due_at <= %(now)s
           ORDER BY e.next_due_at
           LIMIT %(limit)s
           FOR UPDATE OF e SKIP LOCKED""",
        {"now": now, "limit": limit},
    )


async def update_enrolments(conn: AsyncConnection, updates: Sequence[Mapping[str, Any]]) -> None:
    if not updates:
        return
    await execute(
        conn,
        """UPDATE mailer.enrolments e SET state = u.state, next_position = u.next_position,
               next_due_at = u.next_due_at, ended_at = u.ended_at, stop_reason = u.stop_reason
           FROM unnest(%(id)b::uuid[], %(state)b::text[], %(next_position)b::int2[],
                       %(next_due_at)b::timestamptz[], %(ended_at)b::timestamptz[],
                       %(stop_reason)b::text[])
                AS u(id, state, next_position, next_due_at, ended_at, stop_reason)
           WHERE e.id = u.id""",
        {key: [row[key] for row in updates] for key in updates[0]},
    )
