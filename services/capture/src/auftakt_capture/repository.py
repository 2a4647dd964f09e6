"""All SQL of the capture schema. Never commits: the caller's transaction does."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from auftakt_common.db import bulk_insert
from sqlalchemy import Result, RowMapping, Table, func, insert, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from .domain import MAGNET_ACTIVITIES, magnet_use
from .models import Activity, ConsentRecord, Lead, MagnetDownload, MagnetFile, Submission, Visitor

__all__ = [
    "add_activities",
    "add_consent",
    "add_magnet_download",
    "add_submission",
    "attribute_visitor_activities",
    "existing_lead_ids",
    "get_lead_by_email_bidx",
    "get_magnet_file",
    "hold_lead",
    "insert_lead",
    "latest_consent_state",
    "lock_lead",
    "magnet_uses",
    "ping",
    "set_consent_marketing",
    "touch_visitors",
    "update_lead",
]

# Declarative types `__table__` as any FromClause; for these mapped classes it is a Table.
_leads = cast(Table, Lead.__table__)
_visitors = cast(Table, Visitor.__table__)
_activities = cast(Table, Activity.__table__)
_submissions = cast(Table, Submission.__table__)
_consents = cast(Table, ConsentRecord.__table__)
_magnet_downloads = cast(Table, MagnetDownload.__table__)
_magnet_files = cast(Table, MagnetFile.__table__)


async def ping(conn: AsyncConnection) -> None:
    await conn.execute(text("SELECT 1"))


async def get_lead_by_email_bidx(conn: AsyncConnection, email_bidx: bytes) -> RowMapping | None:
    """The lead with this blind index, locked for the rest of the transaction."""
    result = await conn.execute(
        select(_leads)
        .where(_leads.c.email_bidx == email_bidx)
        # NO KEY UPDATE: activities referencing the lead (foreign key) do not wait on it
        .with_for_update(key_share=True)
    )
    return result.mappings().first()


async def insert_lead(conn: AsyncConnection, values: Mapping[str, Any]) -> RowMapping | None:
    """Insert a new lead; None if another request created one with this address first."""
    # Annotated: for returning(<table>) mypy cannot choose between execute()'s overloads.
    result: Result[Any] = await conn.execute(
        pg_insert(_leads)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[_leads.c.email_bidx])
        .returning(_leads)
    )
    return result.mappings().first()


async def update_lead(
    conn: AsyncConnection, lead_id: UUID, values: Mapping[str, Any]
) -> RowMapping:
    # Annotated: for returning(<table>) mypy cannot choose between execute()'s overloads.
    result: Result[Any] = await conn.execute(
        update(_leads)
        .where(_leads.c.id == lead_id)
        .values(
            **values,
            updated_at=func.now(),
            submission_count=_leads.c.submission_count + 1,
        )
        .returning(_leads)
    )
    return result.mappings().one()


async def add_submission(conn: AsyncConnection, **values: Any) -> None:
    await conn.execute(insert(_submissions), [values])


async def add_consent(conn: AsyncConnection, **values: Any) -> None:
    await conn.execute(insert(_consents), [values])


async def add_magnet_download(conn: AsyncConnection, **values: Any) -> None:
    await conn.execute(insert(_magnet_downloads), [values])


async def get_magnet_file(conn: AsyncConnection, magnet_type: str) -> RowMapping | None:
    """The file of a lead magnet: filename, content type and content."""
    result = await conn.execute(
        select(
            _magnet_files.c.filename, _magnet_files.c.content_type, _magnet_files.c.content
        ).where(_magnet_files.c.magnet_type == magnet_type)
    )
    return result.mappings().first()


async def attribute_visitor_activities(
    conn: AsyncConnection, visitor_id: str, lead_id: UUID, now: datetime
) -> Sequence[RowMapping]:
    """Link a visitor to its lead and hand the visitor's anonymous activities to the lead."""
    await conn.execute(
        pg_insert(_visitors)
        .values(
            visitor_id=visitor_id,
            lead_id=lead_id,
            first_seen_at=now,
            last_seen_at=now,
            identified_at=now,
        )
        .on_conflict_do_update(
            index_elements=[_visitors.c.visitor_id],
            set_={"lead_id": lead_id, "last_seen_at": now, "identified_at": now},
        )
    )
    # Annotated: for returning(<table>) mypy cannot choose between execute()'s overloads.
    result: Result[Any] = await conn.execute(
        update(_activities)
        .where(_activities.c.visitor_id == visitor_id, _activities.c.lead_id.is_(None))
        .values(lead_id=lead_id)
        .returning(_activities)
    )
    return result.mappings().all()


async def existing_lead_ids(conn: AsyncConnection, lead_ids: Iterable[UUID]) -> set[UUID]:
    ids = list(set(lead_ids))
    if not ids:
        return set()
    result = await conn.execute(select(_leads.c.id).where(_leads.c.id.in_(ids)))
    return set(result.scalars())


async def magnet_uses(
    conn: AsyncConnection, visitor_ids: Iterable[str], lead_ids: Iterable[UUID]
) -> list[tuple[str | None, UUID | None, str | None]]:
    """The magnet uses recorded for these visitors or leads: (visitor, lead, magnet)."""
    visitors, leads = sorted(set(visitor_ids)), sorted(set(lead_ids))
    if not visitors and not leads:
        return []
    result = await conn.execute(
        select(_activities.c.visitor_id, _activities.c.lead_id, _activities.c.activity_type,
               _activities.c.detail)
        .where(
            _activities.c.activity_type.in_(MAGNET_ACTIVITIES),
            or_(_activities.c.visitor_id.in_(visitors), _activities.c.lead_id.in_(leads)),
        )
    )  # fmt: skip
    return [
        (row.visitor_id, row.lead_id, magnet_use(row.activity_type, row.detail)) for row in result
    ]


async def touch_visitors(
    conn: AsyncConnection, visitor_ids: Iterable[str], now: datetime
) -> dict[str, UUID | None]:
    """Record that these visitors were seen; which lead each is linked to, if any."""
    ids = sorted(set(visitor_ids))  # sorted: concurrent batches lock rows in one order
    if not ids:
        return {}
    upsert = pg_insert(_visitors).values(
        [{"visitor_id": v, "first_seen_at": now, "last_seen_at": now} for v in ids]
    )
    result = await conn.execute(
        upsert.on_conflict_do_update(
            index_elements=[_visitors.c.visitor_id],
            set_={"last_seen_at": upsert.excluded.last_seen_at},
        ).returning(_visitors.c.visitor_id, _visitors.c.lead_id)
    )
    return {row.visitor_id: row.lead_id for row in result}


async def add_activities(conn: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> None:
    await bulk_insert(conn, _activities, rows)


async def lock_lead(conn: AsyncConnection, lead_id: UUID) -> bool:
    """Lock the lead to change it (concurrent changes wait); False if it does not exist."""
    result = await conn.execute(
        select(_leads.c.id).where(_leads.c.id == lead_id).with_for_update(key_share=True)
    )
    return result.first() is not None


async def hold_lead(conn: AsyncConnection, lead_id: UUID) -> bool:
    """Keep the lead from being erased until commit; False if it does not exist."""
    result = await conn.execute(
        select(_leads.c.id).where(_leads.c.id == lead_id).with_for_update(read=True, key_share=True)
    )
    return result.first() is not None


async def latest_consent_state(conn: AsyncConnection, lead_id: UUID, purpose: str) -> str | None:
    """The state of the lead's newest consent-ledger row for `purpose` (None: no row)."""
    result = await conn.execute(
        select(_consents.c.state)
        .where(_consents.c.lead_id == lead_id, _consents.c.purpose == purpose)
        .order_by(_consents.c.recorded_at.desc())
        .limit(1)
    )
    state: str | None = result.scalar_one_or_none()
    return state


async def set_consent_marketing(conn: AsyncConnection, lead_id: UUID, consent: bool) -> None:
    await conn.execute(
        update(_leads)
        .where(_leads.c.id == lead_id)
        .values(consent_marketing=consent, updated_at=func.now())
    )
