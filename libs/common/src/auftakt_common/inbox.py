"""The inbox: a consumer records each event id in the transaction of its effect.

Redelivery (a crash between commit and ack, a replayed range, two replicas) then finds
the id and does nothing, so no score is counted twice and no e-mail sent twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar
from uuid import UUID

from sqlalchemy import Column, DateTime, MetaData, String, Table, func
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from .db import bulk_insert
from .events import Event

__all__ = ["first_deliveries", "first_delivery", "inbox_table"]

_Event = TypeVar("_Event", bound=Event)


def inbox_table(metadata: MetaData) -> Table:
    """The `inbox` table in a service's schema (created by `messaging_ddl`)."""
    return Table(
        "inbox",
        metadata,
        Column("event_id", PgUUID(as_uuid=True), primary_key=True),
        Column("subject", String(200), nullable=False),
        Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


async def first_delivery(
    session: AsyncSession | AsyncConnection, inbox: Table, event_id: UUID, subject: str
) -> bool:
    """Record the event id; False if it was already handled (then do nothing)."""
    result = await session.execute(
        insert(inbox)
        .values(event_id=event_id, subject=subject)
        .on_conflict_do_nothing(index_elements=[inbox.c.event_id])
        .returning(inbox.c.event_id)
    )
    return result.first() is not None


async def first_deliveries(
    conn: AsyncConnection, inbox: Table, events: Sequence[_Event]
) -> list[_Event]:
    """The events of a batch not handled before, in order, each once (one statement)."""
    if not events:
        return []
    recorded = {
        row[0]
        for row in await bulk_insert(
            conn,
            inbox,
            [{"event_id": e.event_id, "subject": e.subject} for e in events],
            "ON CONFLICT (event_id) DO NOTHING RETURNING event_id",
        )
    }
    fresh: list[_Event] = []
    for event in events:
        if event.event_id in recorded:
            recorded.discard(event.event_id)  # the same event twice in one batch: once
            fresh.append(event)
    return fresh
