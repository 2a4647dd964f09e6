"""Mails: queued, claimed before they leave, their outcomes, held ones released."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from ._sql import NOT_ERASED, execute, fetch_rows

__all__ = [
    "add_step_sends",
    "claim_sends",
    "double_opt_in_since",
    "find_send",
    "queue_send",
    "reclaim_abandoned_sends",
    "record_send_results",
    "release_held_sends",
    "renew_claims",
    "step_mail_since",
]


async def double_opt_in_since(conn: AsyncConnection, lead_id: UUID, since: datetime) -> bool:
    """Whether a double-opt-in mail to this lead was queued or sent since `since`."""
    rows = await fetch_rows(
        conn,
        """SELECT 1 FROM mailer.sends WHERE lead_id = %(lead_id)s AND kind = 'double_opt_in'
           AND created_at >= %(since)s AND status NOT IN ('cancelled', 'failed') LIMIT 1""",
        {"lead_id": lead_id, "since": since},
    )
    return bool(rows)


async def step_mail_since(
    conn: AsyncConnection, lead_id: UUID, sequence_id: UUID, position: int, since: datetime
) -> bool:
    """Whether this lead was enrolled in the sequence, or got the step's mail (queued or
    sent), since `since`."""
    rows = await fetch_rows(
        conn,
        """SELECT 1 FROM mailer.enrolments WHERE lead_id = %(lead_id)s
               AND sequence_id = %(sequence_id)s AND enrolled_at >= %(since)s
           UNION ALL
           SELECT 1 FROM mailer.sends WHERE lead_id = %(lead_id)s
               AND sequence_id = %(sequence_id)s AND position = %(position)s
               AND created_at >= %(since)s AND status NOT IN ('cancelled', 'failed')
           LIMIT 1""",
        {"lead_id": lead_id, "sequence_id": sequence_id, "position": position, "since": since},
    )
    return bool(rows)


async def add_step_sends(
    conn: AsyncConnection, rows: Sequence[Mapping[str, Any]], now: datetime
) -> None:
    """Due steps as sends claimed by this round (`sending`, first attempt), one per
    (enrolment, step): the caller holds the enrolments' locks."""
    if not rows:
        return
    columns = ("id", "lead_id", "enrolment_id", "sequence_id", "position", "marketing")
    await execute(
        conn,
        """INSERT INTO mailer.sends (id, lead_id, enrolment_id, sequence_id, position, kind,
               marketing, status, attempts, claimed_at, dedupe_key, created_at)
           SELECT u.id, u.lead_id, u.enrolment_id, u.sequence_id, u.position, 'sequence',
               u.marketing, 'sending', 1, %(now)s, u.enrolment_id::text || ':' || u.position,
               %(now)s
           FROM unnest(%(id)b::uuid[], %(lead_id)b::uuid[], %(enrolment_id)b::uuid[],
                       %(sequence_id)b::uuid[], %(position)b::int2[], %(marketing)b::bool[])
                AS u(id, lead_id, enrolment_id, sequence_id, position, marketing)""",
        {"now": now, **{column: [row[column] for row in rows] for column in columns}},
    )


async def queue_send(conn: AsyncConnection, row: Mapping[str, Any]) -> bool:
    """Add one mail to send (a sequence's step if it names `sequence_id` and `position`),
    unless its `dedupe_key` is there already."""
    return bool(
        await execute(
            conn,
            f"""INSERT INTO mailer.sends (id, lead_id, sequence_id, position, kind, marketing,
                    status, next_attempt_at, dedupe_key, created_at)
                SELECT %(id)s, %(lead_id)s, %(sequence_id)s, %(position)s, %(kind)s,
                    %(marketing)s, 'queued', %(next_attempt_at)s, %(dedupe_key)s,
                    %(created_at)s
                WHERE {NOT_ERASED}
                ON CONFLICT (dedupe_key) DO NOTHING""",
            {"sequence_id": None, "position": None, **row},
        )
    )


async def release_held_sends(
    conn: AsyncConnection, lead_id: UUID, now: datetime, held_since: datetime
) -> int:
    """The lead's mails held for missing figures since `held_since`: due again (composed
    anew; held again if the figures are still missing)."""
    return await execute(
        conn,
        """UPDATE mailer.sends SET status = 'queued', next_attempt_at = %(now)s
           WHERE lead_id = %(lead_id)s AND status = 'held' AND created_at >= %(since)s""",
        {"lead_id": lead_id, "now": now, "since": held_since},
    )


async def claim_sends(conn: AsyncConnection, now: datetime, limit: int) -> list[dict[str, Any]]:
    """Take up to `limit` mails that are due: marked `sending` (with this attempt counted)
    in the caller's transaction, which commits before any of them leaves."""
    return await fetch_rows(
        conn,
        """WITH due AS (
               SELECT id FROM mailer.sends
               WHERE status IN ('queued', 'retry') AND next_attempt_at <= %(now)s
               ORDER BY next_attempt_at LIMIT %(limit)s FOR UPDATE SKIP LOCKED)
           UPDATE mailer.sends s SET status = 'sending', claimed_at = %(now)s,
               attempts = s.attempts + 1
           FROM due WHERE s.id = due.id
           RETURNING s.id, s.lead_id, s.enrolment_id, s.sequence_id, s.position, s.kind,
                     s.marketing, s.attempts, s.created_at,
                     (SELECT context::text FROM mailer.enrolments e WHERE e.id = s.enrolment_id)
                     AS context""",
        {"now": now, "limit": limit},
    )


async def reclaim_abandoned_sends(
    conn: AsyncConnection, now: datetime, lease: dt.timedelta, *, resend: bool
) -> int:
    """Sends claimed longer than `lease` ago and never recorded: their process died
    between claiming and recording, so the mail may or may not have left. With a
    transport that deduplicates resends they are sent again (`retry`); otherwise they
    are marked `unknown` and never sent again (at most once)."""
    status, error = ("retry", "resent after a crash") if resend else ("unknown", "crashed")
    return await execute(
        conn,
        """UPDATE mailer.sends SET status = %(status)s, next_attempt_at = %(now)s,
               last_error = %(error)s
           WHERE id IN (SELECT id FROM mailer.sends
                        WHERE status = 'sending' AND claimed_at < %(cutoff)s
                        FOR UPDATE SKIP LOCKED)""",
        {"status": status, "now": now, "error": error, "cutoff": now - lease},
    )


async def record_send_results(
    conn: AsyncConnection, results: Sequence[Mapping[str, Any]]
) -> set[UUID]:
    """Each claimed send's outcome: status, when it was sent, the provider's id, the
    error, and when to try again. Only sends still claimed are updated (not one that
    recovery took over meanwhile); their ids are returned."""
    if not results:
        return set()
    updated = await fetch_rows(
        conn,
        """UPDATE mailer.sends s SET status = r.status, sent_at = r.sent_at,
               provider_message_id = r.provider_message_id, last_error = r.last_error,
               next_attempt_at = r.next_attempt_at
           FROM unnest(%(id)b::uuid[], %(status)b::text[], %(sent_at)b::timestamptz[],
                       %(provider_message_id)b::text[], %(last_error)b::text[],
                       %(next_attempt_at)b::timestamptz[])
                AS r(id, status, sent_at, provider_message_id, last_error, next_attempt_at)
           WHERE s.id = r.id AND s.status = 'sending'
           RETURNING s.id""",
        {key: [row[key] for row in results] for key in results[0]},
    )
    return {row["id"] for row in updated}


async def renew_claims(conn: AsyncConnection, send_ids: Sequence[UUID], now: datetime) -> None:
    """A round still working on these sends: keep recovery from taking them over."""
    await execute(
        conn,
        """UPDATE mailer.sends SET claimed_at = %(now)s
           WHERE id = ANY(%(ids)b) AND status = 'sending'""",
        {"ids": list(send_ids), "now": now},
    )


async def find_send(
    conn: AsyncConnection, *, send_id: UUID | None, provider_message_id: str | None
) -> dict[str, Any] | None:
    if send_id is None and not provider_message_id:
        return None
    rows = await fetch_rows(
        conn,
        """SELECT id, lead_id FROM mailer.sends
           WHERE id = %(send_id)s OR provider_message_id = %(provider_message_id)s LIMIT 1""",
        {"send_id": send_id, "provider_message_id": provider_message_id},
    )
    return rows[0] if rows else None
