"""All SQL of the `mailer` schema. Functions run in the caller's transaction and never
commit. Batch statements send columns as arrays (`unnest`), one statement per batch."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from auftakt_common.db import driver_connection
from auftakt_common.outbox import erase_lead_events
from psycopg.rows import dict_row
from sqlalchemy.ext.asyncio import AsyncConnection

from .domain import LeadFacts, SequenceDefinition, StepDefinition, Trigger, ordered_steps
from .models import outbox

__all__ = [
    "add_step_sends",
    "claim_notifications",
    "claim_sends",
    "double_opt_in_since",
    "due_enrolments",
    "enrol",
    "erase_lead",
    "find_send",
    "lead_facts",
    "lead_profiles",
    "list_sequences",
    "month_slots",
    "pause_enrolments",
    "queue_notifications",
    "queue_send",
    "record_lead_fact",
    "record_notification_results",
    "reclaim_abandoned_sends",
    "record_send_results",
    "renew_claims",
    "release_held_enrolments",
    "save_sequence",
    "sequences_version",
    "set_pipeline_status",
    "set_stage",
    "step_mail_since",
    "stop_enrolments",
    "update_enrolments",
    "upsert_lead_snapshot",
]


async def _rows(conn: AsyncConnection, sql: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    pg = await driver_connection(conn)
    async with pg.cursor(row_factory=dict_row) as cursor:
        await cursor.execute(sql, params)
        return await cursor.fetchall() if cursor.description else []


async def _execute(conn: AsyncConnection, sql: str, params: Mapping[str, Any]) -> int:
    pg = await driver_connection(conn)
    cursor = await pg.execute(sql, params)
    return cursor.rowcount


# --- sequences ---------------------------------------------------------------------------


async def sequences_version(conn: AsyncConnection) -> tuple[int, int]:
    """Changes whenever a sequence is saved (for caches)."""
    rows = await _rows(
        conn, "SELECT count(*) AS n, coalesce(sum(version), 0) AS v FROM mailer.sequences", {}
    )
    return int(rows[0]["n"]), int(rows[0]["v"])


async def list_sequences(conn: AsyncConnection) -> list[SequenceDefinition]:
    sequences = await _rows(conn, "SELECT * FROM mailer.sequences ORDER BY key", {})
    steps = await _rows(conn, "SELECT * FROM mailer.steps ORDER BY sequence_id, position", {})
    by_sequence: dict[UUID, list[StepDefinition]] = {}
    for step in steps:
        by_sequence.setdefault(step["sequence_id"], []).append(
            StepDefinition(
                position=step["position"],
                delay_hours=step["delay_hours"],
                subject=step["subject"],
                body_html=step["body_html"],
                body_text=step["body_text"],
                transactional=step["transactional"],
                active=step["active"],
                removed=step["removed"],
            )
        )
    return [
        SequenceDefinition(
            id=row["id"],
            key=row["key"],
            name=row["name"],
            trigger=Trigger(row["trigger_event"], dict(row["trigger_filter"])),
            active=row["active"],
            steps=ordered_steps(by_sequence.get(row["id"], [])),
            version=row["version"],
        )
        for row in sequences
    ]


async def save_sequence(conn: AsyncConnection, sequence: SequenceDefinition) -> None:
    """Create or replace a sequence (by key) with its steps; its version goes up."""
    rows = await _rows(
        conn,
        """INSERT INTO mailer.sequences (id, key, name, trigger_event, trigger_filter, active)
           VALUES (%(id)s, %(key)s, %(name)s, %(event)s, %(filter)s::jsonb, %(active)s)
           ON CONFLICT (key) DO UPDATE SET name = excluded.name,
               trigger_event = excluded.trigger_event, trigger_filter = excluded.trigger_filter,
               active = excluded.active, version = mailer.sequences.version + 1,
               updated_at = now()
           RETURNING id""",
        {
            "id": sequence.id,
            "key": sequence.key,
            "name": sequence.name,
            "event": sequence.trigger.event,
            "filter": json.dumps(dict(sequence.trigger.filter)),
            "active": sequence.active,
        },
    )
    sequence_id = rows[0]["id"]
    await _execute(conn, "DELETE FROM mailer.steps WHERE sequence_id = %(id)s", {"id": sequence_id})
    pg = await driver_connection(conn)
    async with pg.cursor() as cursor:
        await cursor.executemany(
            """INSERT INTO mailer.steps (sequence_id, position, delay_hours, subject, body_html,
                   body_text, transactional, active, removed)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)""",
            [
                (
                    sequence_id,
                    step.position,
                    step.delay_hours,
                    step.subject,
                    step.body_html,
                    step.body_text,
                    step.transactional,
                    step.active,
                    step.removed,
                )
                for step in sequence.steps
            ],
        )


async def pause_enrolments(conn: AsyncConnection, sequence_id: UUID, *, paused: bool) -> None:
    """A sequence switched off: its enrolments wait (`paused`, out of the due index) instead
    of being passed over by every round; switched on again, they go on where they were."""
    before, after = ("active", "paused") if paused else ("paused", "active")
    await _execute(
        conn,
        "UPDATE mailer.enrolments SET state = %(after)s "
        "WHERE sequence_id = %(sequence_id)s AND state = %(before)s",
        {"sequence_id": sequence_id, "before": before, "after": after},
    )


async def month_slots(conn: AsyncConnection) -> dict[dt.date, int]:
    rows = await _rows(conn, "SELECT month, slots_left FROM mailer.month_slots", {})
    return {row["month"]: row["slots_left"] for row in rows}


# --- leads -------------------------------------------------------------------------------

_NOT_ERASED = "NOT EXISTS (SELECT 1 FROM mailer.erased_leads WHERE lead_id = %(lead_id)s)"


async def upsert_lead_snapshot(conn: AsyncConnection, values: Mapping[str, Any]) -> bool:
    """Store a lead's latest snapshot (older snapshots arriving late change nothing);
    False if the lead was erased."""
    rows = await _rows(
        conn,
        f"""INSERT INTO mailer.leads (lead_id, email_ct, first_name_ct, company_name, event_type,
                event_date, guest_count, budget_min, budget_max, snapshot_at)
            SELECT %(lead_id)s, %(email_ct)s, %(first_name_ct)s, %(company_name)s,
                %(event_type)s, %(event_date)s, %(guest_count)s, %(budget_min)s,
                %(budget_max)s, %(snapshot_at)s
            WHERE {_NOT_ERASED}
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
    erased = await _rows(
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
    rows = await _rows(
        conn,
        f"""INSERT INTO mailer.leads (lead_id, {fact}) SELECT %(lead_id)s, %(at)s
            WHERE {_NOT_ERASED}
            ON CONFLICT (lead_id) DO UPDATE
            SET {fact} = greatest(mailer.leads.{fact}, excluded.{fact})
            RETURNING lead_id""",
        {"lead_id": lead_id, "at": at},
    )
    return bool(rows)


async def set_pipeline_status(conn: AsyncConnection, lead_id: UUID, status: str) -> None:
    await _execute(
        conn,
        f"""INSERT INTO mailer.leads (lead_id, status) SELECT %(lead_id)s, %(status)s
            WHERE {_NOT_ERASED}
            ON CONFLICT (lead_id) DO UPDATE SET status = excluded.status""",
        {"lead_id": lead_id, "status": status},
    )


async def set_assignee(conn: AsyncConnection, lead_id: UUID, email: str | None) -> None:
    await _execute(
        conn,
        f"""INSERT INTO mailer.leads (lead_id, assignee_email) SELECT %(lead_id)s, %(email)s
            WHERE {_NOT_ERASED}
            ON CONFLICT (lead_id) DO UPDATE SET assignee_email = excluded.assignee_email""",
        {"lead_id": lead_id, "email": email},
    )


async def assignee_email(conn: AsyncConnection, lead_id: UUID) -> str | None:
    rows = await _rows(
        conn,
        "SELECT assignee_email FROM mailer.leads WHERE lead_id = %(lead_id)s",
        {"lead_id": lead_id},
    )
    return rows[0]["assignee_email"] if rows else None


async def set_stage(conn: AsyncConnection, lead_id: UUID, stage: str, score: int) -> None:
    await _execute(
        conn,
        f"""INSERT INTO mailer.leads (lead_id, stage, score)
            SELECT %(lead_id)s, %(stage)s, %(score)s WHERE {_NOT_ERASED}
            ON CONFLICT (lead_id) DO UPDATE SET stage = excluded.stage, score = excluded.score""",
        {"lead_id": lead_id, "stage": stage, "score": score},
    )


_FACT_COLUMNS = (
    "lead_id, email_ct IS NOT NULL AS known, consent_requested_at, consent_confirmed_at, "
    "opted_out_at, bounced_at, complained_at, replied_at, status"
)


async def lead_facts(conn: AsyncConnection, lead_ids: Sequence[UUID]) -> dict[UUID, LeadFacts]:
    rows = await _rows(
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
    rows = await _rows(
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
        await _execute(conn, f"DELETE FROM mailer.{table} WHERE lead_id = %(lead_id)s", params)
    await erase_lead_events(conn, outbox, [lead_id])
    await _execute(
        conn,
        "INSERT INTO mailer.erased_leads (lead_id) VALUES (%(lead_id)s) ON CONFLICT DO NOTHING",
        params,
    )


# --- enrolments --------------------------------------------------------------------------


async def enrolment_context(
    conn: AsyncConnection, lead_id: UUID, sequence_id: UUID
) -> dict[str, Any]:
    """What the lead's enrolment in this sequence kept of its trigger ({} if none)."""
    rows = await _rows(
        conn,
        "SELECT context FROM mailer.enrolments WHERE lead_id = %(lead)s AND sequence_id = %(seq)s",
        {"lead": lead_id, "seq": sequence_id},
    )
    return dict(rows[0]["context"]) if rows else {}


async def enrol(conn: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> set[UUID]:
    """Enrol a lead (in a sequence at most once); the sequences it is new in."""
    new: set[UUID] = set()
    for row in rows:
        added = await _execute(
            conn,
            f"""INSERT INTO mailer.enrolments (id, lead_id, sequence_id, state, next_position,
                    next_due_at, context, cause_event_id, enrolled_at)
                SELECT %(id)s, %(lead_id)s, %(sequence_id)s, 'active', %(next_position)s,
                    %(next_due_at)s, %(context)s::jsonb, %(cause_event_id)s, %(enrolled_at)s
                WHERE {_NOT_ERASED}
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
    await _execute(
        conn,
        """UPDATE mailer.enrolments SET state = 'stopped', stop_reason = %(reason)s,
               ended_at = %(now)s, next_due_at = NULL
           WHERE lead_id = %(lead_id)s AND state IN ('active', 'waiting_consent', 'paused')""",
        params,
    )
    await _execute(
        conn,
        """UPDATE mailer.sends SET status = 'cancelled', last_error = %(reason)s
           WHERE lead_id = %(lead_id)s AND status IN ('queued', 'retry')""",
        params,
    )


async def release_held_enrolments(conn: AsyncConnection, lead_id: UUID, now: datetime) -> None:
    """Consent arrived: the step held for it is due now."""
    await _execute(
        conn,
        """UPDATE mailer.enrolments SET state = 'active', next_due_at = %(now)s
           WHERE lead_id = %(lead_id)s AND state = 'waiting_consent'""",
        {"lead_id": lead_id, "now": now},
    )


async def due_enrolments(conn: AsyncConnection, now: datetime, limit: int) -> list[dict[str, Any]]:
    """Enrolments whose next step is due (or whose wait for consent is over), of active
    sequences, locked for this transaction; rows another process holds are skipped."""
    return await _rows(
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
    await _execute(
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


# --- sends -------------------------------------------------------------------------------


async def double_opt_in_since(conn: AsyncConnection, lead_id: UUID, since: datetime) -> bool:
    """Whether a double-opt-in mail to this lead was queued or sent since `since`."""
    rows = await _rows(
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
    rows = await _rows(
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
    await _execute(
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
        await _execute(
            conn,
            f"""INSERT INTO mailer.sends (id, lead_id, sequence_id, position, kind, marketing,
                    status, next_attempt_at, dedupe_key, created_at)
                SELECT %(id)s, %(lead_id)s, %(sequence_id)s, %(position)s, %(kind)s,
                    %(marketing)s, 'queued', %(next_attempt_at)s, %(dedupe_key)s,
                    %(created_at)s
                WHERE {_NOT_ERASED}
                ON CONFLICT (dedupe_key) DO NOTHING""",
            {"sequence_id": None, "position": None, **row},
        )
    )


async def release_held_sends(
    conn: AsyncConnection, lead_id: UUID, now: datetime, held_since: datetime
) -> int:
    """The lead's mails held for missing figures since `held_since`: due again (composed
    anew; held again if the figures are still missing)."""
    return await _execute(
        conn,
        """UPDATE mailer.sends SET status = 'queued', next_attempt_at = %(now)s
           WHERE lead_id = %(lead_id)s AND status = 'held' AND created_at >= %(since)s""",
        {"lead_id": lead_id, "now": now, "since": held_since},
    )


async def claim_sends(conn: AsyncConnection, now: datetime, limit: int) -> list[dict[str, Any]]:
    """Take up to `limit` mails that are due: marked `sending` (with this attempt counted)
    in the caller's transaction, which commits before any of them leaves."""
    return await _rows(
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
    return await _execute(
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
    updated = await _rows(
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
    await _execute(
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
    rows = await _rows(
        conn,
        """SELECT id, lead_id FROM mailer.sends
           WHERE id = %(send_id)s OR provider_message_id = %(provider_message_id)s LIMIT 1""",
        {"send_id": send_id, "provider_message_id": provider_message_id},
    )
    return rows[0] if rows else None


# --- notifications -----------------------------------------------------------------------


async def queue_notifications(conn: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> None:
    for row in rows:
        await _execute(
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
    await _execute(
        conn,
        """UPDATE mailer.notifications SET status = 'retry', next_attempt_at = %(now)s
           WHERE status = 'sending' AND claimed_at < %(cutoff)s""",
        {"now": now, "cutoff": now - lease},
    )
    return await _rows(
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
    updated = await _rows(
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
