"""Alerts to sales: queued per channel and recipient, claimed, their outcomes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from ._sql import execute, fetch_rows

__all__ = ["claim_notifications", "queue_notifications", "record_notification_results"]


async def queue_notifications(conn: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> None:
    for row in rows:
        await execute(
            conn,
            """INSERT INTO mailer.notifications (id, lead_id, stage, score, channel, recipient,
                   entry_event_id, status, next_attempt_at, created_at)
               VALUES (%(id)s, %(lead_id)s, %(stage)s, %(score)s, %(channel)s, %(recipient)s,
                   %(entry_event_id)s, 'queued', %(created_at)s, %(created_at)s)
               ON CONFLICT (entry_event_id, channel, recipient) DO NOTHING""",
            row,
        )


async def claim_notifications(
    conn: AsyncConnection, now: datetime, limit: int, lease: dt.timedelta
) -> list[dict[str, Any]]:
    """Due alerts, and alerts a dead process claimed and never recorded (sent again: a
    repeated alert does less harm than a lost one)."""
    await execute(
        conn,
        """UPDATE mailer.notifications SET status = 'retry', next_attempt_at = %(now)s
           WHERE status = 'sending' AND claimed_at < %(cutoff)s""",
        {"now": now, "cutoff": now - lease},
    )
    return await fetch_rows(
        conn,
        """WITH due AS (
               SELECT id FROM mailer.notifications
               WHERE status IN ('queued', 'retry') AND next_attempt_at <= %(now)s
               ORDER BY next_attempt_at LIMIT %(limit)s FOR UPDATE SKIP LOCKED)
           UPDATE mailer.notifications n SET status = 'sending', claimed_at = %(now)s,
               attempts = n.attempts + 1
           FROM due WHERE n.id = due.id
           RETURNING n.id, n.lead_id, n.stage, n.score, n.channel, n.recipient, n.attempts,
               (SELECT company_name FROM mailer.leads l WHERE l.lead_id = n.lead_id)
                   AS company_name,
               (SELECT event_type FROM mailer.leads l WHERE l.lead_id = n.lead_id)
                   AS event_type,
               (SELECT event_date FROM mailer.leads l WHERE l.lead_id = n.lead_id)
                   AS event_date""",
        {"now": now, "limit": limit},
    )


async def record_notification_results(
    conn: AsyncConnection, results: Sequence[Mapping[str, Any]]
) -> set[UUID]:
    if not results:
        return set()
    updated = await fetch_rows(
        conn,
        """UPDATE mailer.notifications n SET status = r.status, sent_at = r.sent_at,
               last_error = r.last_error, next_attempt_at = r.next_attempt_at
           FROM unnest(%(id)b::uuid[], %(status)b::text[], %(sent_at)b::timestamptz[],
                       %(last_error)b::text[], %(next_attempt_at)b::timestamptz[])
                AS r(id, status, sent_at, last_error, next_attempt_at)
           WHERE n.id = r.id AND n.status = 'sending'
           RETURNING n.id""",
        {key: [row[key] for row in results] for key in results[0]},
    )
    return {row["id"] for row in updated}
