"""The inbox: a consumer records each event id in the transaction of its effect.

Redelivery (a crash between commit and ack, a replayed range, two replicas) then finds
the id and does nothing, so no score is counted twice and no e-mail sent twice.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import Column, DateTime, MetaData, String, Table, func
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

__all__ = ["first_delivery", "inbox_table"]


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
