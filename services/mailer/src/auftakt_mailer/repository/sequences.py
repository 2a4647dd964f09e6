"""Sequences and their steps, the month slots their texts quote."""

from __future__ import annotations

import datetime as dt
import json
from uuid import UUID

from auftakt_common.db import driver_connection
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain import SequenceDefinition, StepDefinition, Trigger, ordered_steps
from ._sql import execute, fetch_rows

__all__ = [
    "list_sequences",
    "month_slots",
    "pause_enrolments",
    "save_sequence",
    "sequences_version",
]


async def sequences_version(conn: AsyncConnection) -> tuple[int, int]:
    """Changes whenever a sequence is saved (for caches)."""
    rows = await fetch_rows(
        conn, "SELECT count(*) AS n, coalesce(sum(version), 0) AS v FROM mailer.sequences", {}
    )
    return int(rows[0]["n"]), int(rows[0]["v"])


async def list_sequences(conn: AsyncConnection) -> list[SequenceDefinition]:
    sequences = await fetch_rows(conn, "SELECT * FROM mailer.sequences ORDER BY key", {})
    steps = await fetch_rows(conn, "SELECT * FROM mailer.steps ORDER BY sequence_id, position", {})
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
    rows = await fetch_rows(
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
    await execute(conn, "DELETE FROM mailer.steps WHERE sequence_id = %(id)s", {"id": sequence_id})
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
    await execute(
        conn,
        "UPDATE mailer.enrolments SET state = %(after)s "
        "WHERE sequence_id = %(sequence_id)s AND state = %(before)s",
        {"sequence_id": sequence_id, "before": before, "after": after},
    )


async def month_slots(conn: AsyncConnection) -> dict[dt.date, int]:
    rows = await fetch_rows(conn, "SELECT month, slots_left FROM mailer.month_slots", {})
    return {row["month"]: row["slots_left"] for row in rows}
