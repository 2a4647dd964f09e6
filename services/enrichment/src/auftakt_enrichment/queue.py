"""The work queues enrichment keeps in its own tables (companies to enrich, people to
look up, analyses to make): rows due at `due_at`, leased to one process at a time
(`FOR UPDATE SKIP LOCKED`, then `lease_until`), retried with back-off, given up after
the last attempt. Never commits."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import InstrumentedAttribute

__all__ = ["Claims", "claim_due", "postpone", "record_failure"]


async def claim_due(
    conn: AsyncConnection,
    key: InstrumentedAttribute[Any],
    columns: Sequence[InstrumentedAttribute[Any]],
    now: datetime,
    *,
    limit: int,
    lease_until: datetime,
) -> list[dict[str, Any]]:
    """Rows of `key`'s table due now and not leased, leased to this process (others skip
    them): their key, `attempts` and `columns`."""
    table = _table(key)
    c = table.c
    rows = (
        await conn.execute(
            select(key, c.attempts, *columns)
            .where(c.due_at <= now)
            .where(c.lease_until.is_(None) | (c.lease_until < now))
            .order_by(c.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    if rows:
        await conn.execute(
            update(table).where(key.in_([row[0] for row in rows])).values(lease_until=lease_until)
        )
    return [dict(row._mapping) for row in rows]


async def record_failure(
    conn: AsyncConnection,
    key: InstrumentedAttribute[Any],
    row_id: Any,
    error: str,
    *,
    retry_at: datetime | None,
    given_up: dict[str, Any],
) -> None:
    """A failed attempt: due again at `retry_at`, or (None) given up with `given_up`'s
    values (a final status)."""
    table = _table(key)
    values: dict[str, Any] = {
        "attempts": table.c.attempts + 1,
        "last_error": error[:500],
        "lease_until": None,
        "due_at": retry_at,
    }
    await conn.execute(
        update(table).where(key == row_id).values(**values, **({} if retry_at else given_up))
    )


async def postpone(
    conn: AsyncConnection, key: InstrumentedAttribute[Any], row_id: Any, until: datetime, why: str
) -> None:
    """Due again at `until`, and no attempt counted: the provider asked us to slow down,
    or its budget for the period is used up."""
    await conn.execute(
        update(_table(key))
        .where(key == row_id)
        .values(due_at=until, lease_until=None, last_error=why)
    )


class Claims:
    """The rows of one queue this process leased and has not finished; at stop they are
    released, so another process takes them at once instead of after the lease. Rows
    are taken inside the transaction that leases them (a stop that comes as it commits
    still finds them), with their lease: a row whose lease is not ours (the commit
    failed, another process claimed it since) is not touched."""

    def __init__(self, key: InstrumentedAttribute[Any]) -> None:
        self._key = key
        self._held: dict[Any, datetime] = {}

    def take(self, row_ids: Iterable[Any], lease_until: datetime) -> None:
        self._held.update(dict.fromkeys(row_ids, lease_until))

    async def claim_due(
        self,
        conn: AsyncConnection,
        columns: Sequence[InstrumentedAttribute[Any]],
        now: datetime,
        *,
        limit: int,
        lease_until: datetime,
    ) -> list[dict[str, Any]]:
        """`claim_due` for this queue, the rows held from the claiming transaction on."""
        rows = await claim_due(conn, self._key, columns, now, limit=limit, lease_until=lease_until)
        self.take((row[self._key.key] for row in rows), lease_until)
        return rows

    @contextmanager
    def working_on(self, row_id: Any) -> Iterator[None]:
        """Finished when the block ends; a block cancelled by the stop stays held."""
        try:
            yield
        except asyncio.CancelledError:
            raise
        except BaseException:
            self._held.pop(row_id, None)
            raise
        self._held.pop(row_id, None)

    async def release(self, conn: AsyncConnection) -> int:
        """Release the leases of the rows still held (still `pending`, still ours)."""
        if not self._held:
            return 0
        table = _table(self._key)
        released = await conn.execute(
            update(table)
            .where(
                tuple_(self._key, table.c.lease_until).in_(list(self._held.items())),
                table.c.status == "pending",
            )
            .values(lease_until=None)
        )
        return released.rowcount


def _table(key: InstrumentedAttribute[Any]) -> Table:
    table = key.class_.__table__
    assert isinstance(table, Table)
    return table
