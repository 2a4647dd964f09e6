"""All SQL of the enrichment schema for companies and leads. Never commits: the caller's
transaction does. (Analyses and person profiles: `analysis_store.py`, `people_store.py`;
the work queues all three share: `queue.py`.)"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any, cast
from uuid import UUID, uuid4

from auftakt_common.db import bulk_insert
from auftakt_common.events import CompanyEngagementChanged, LeadSnapshot
from auftakt_common.outbox import erase_lead_events
from sqlalchemy import Table, delete, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from .behaviour import Behaviour
from .domain import Company
from .models import (
    CompanyRow,
    ErasedLeadRow,
    LeadActivityRow,
    LeadRow,
    ProviderUsageRow,
    ScoreChangeRow,
    outbox,
)

__all__ = [
    "Company",
    "activity_counts",
    "company_by_domain",
    "company_by_id",
    "company_row",
    "ensure_company",
    "erase_lead",
    "erased_among",
    "is_erased",
    "lead_facts",
    "link_lead",
    "pending_leads_of",
    "recent_score_changes",
    "record_behaviour",
    "record_facts",
    "refresh_rollups",
    "set_lead_status",
    "set_targeting",
    "spend_call",
]

_companies = cast(Table, CompanyRow.__table__)
_leads = cast(Table, LeadRow.__table__)
_activities = cast(Table, LeadActivityRow.__table__)
_changes = cast(Table, ScoreChangeRow.__table__)
_usage = cast(Table, ProviderUsageRow.__table__)
_erased = cast(Table, ErasedLeadRow.__table__)


async def is_erased(conn: AsyncConnection, lead_id: UUID) -> bool:
    return bool(await erased_among(conn, [lead_id]))


async def erased_among(conn: AsyncConnection, lead_ids: Collection[UUID]) -> set[UUID]:
    if not lead_ids:
        return set()
    rows = await conn.execute(select(_erased.c.lead_id).where(_erased.c.lead_id.in_(lead_ids)))
    return set(rows.scalars())


async def ensure_company(
    conn: AsyncConnection, domain: str, now: datetime, *, stale_before: datetime
) -> Company:
    """The company of this domain, created (due for enrichment now) if it is new; one
    whose facts are older than `stale_before` is due again (the lead is told what is
    known meanwhile). Locked until commit: a lead linked while its company is being
    enriched is then either seen by the enrichment or sees its result."""
    await conn.execute(
        insert(_companies)
        .values(id=uuid4(), domain=domain, status="pending", due_at=now, created_at=now)
        .on_conflict_do_nothing(index_elements=["domain"])
    )
    await conn.execute(
        update(CompanyRow)
        .where(
            CompanyRow.domain == domain,
            CompanyRow.status == "enriched",
            CompanyRow.enriched_at < stale_before,
            CompanyRow.due_at.is_(None),
        )
        .values(due_at=now)
    )
    row = await conn.execute(
        select(*_COMPANY).where(CompanyRow.domain == domain).with_for_update(key_share=True)
    )
    return Company(*row.one())


def _lead_values(snapshot: LeadSnapshot) -> dict[str, Any]:
    event, touch = snapshot.event, snapshot.first_touch
    return {
        "event_type": event.type,
        "event_date": event.date,
        "guest_count": event.guest_count,
        "budget_min": event.budget_min,
        "budget_max": event.budget_max,
        "source": touch.source,
        "medium": touch.medium,
        "created_at": snapshot.created_at,
    }


async def link_lead(
    conn: AsyncConnection,
    lead_id: UUID,
    snapshot: LeadSnapshot,
    *,
    company_id: UUID | None,
    domain: str | None,
    status: str,
    now: datetime,
) -> UUID | None:
    """Record the lead's company and event facts; the company it was linked to before,
    if that was another one (its roll-up changes too)."""
    before = await conn.scalar(
        select(LeadRow.company_id).where(LeadRow.lead_id == lead_id).with_for_update()
    )
    values = {
        **_lead_values(snapshot),
        "company_id": company_id,
        "domain": domain,
        "company_status": status,
        "updated_at": now,
    }
    statement = insert(_leads).values(lead_id=lead_id, **values)
    await conn.execute(statement.on_conflict_do_update(index_elements=["lead_id"], set_=values))
    return before if before != company_id else None


_COMPANY = tuple(getattr(CompanyRow, name) for name in Company.__dataclass_fields__)


async def _company(conn: AsyncConnection, condition: Any) -> Company:
    row = (await conn.execute(select(*_COMPANY).where(condition))).one()
    return Company(*row)


async def company_by_id(conn: AsyncConnection, company_id: UUID) -> Company | None:
    row = (await conn.execute(select(*_COMPANY).where(CompanyRow.id == company_id))).first()
    return None if row is None else Company(*row)


async def company_by_domain(conn: AsyncConnection, domain: str) -> Company | None:
    row = (await conn.execute(select(*_COMPANY).where(CompanyRow.domain == domain))).first()
    return None if row is None else Company(*row)


async def company_row(conn: AsyncConnection, company_id: UUID) -> dict[str, Any] | None:
    """Every column of a company (for its profile)."""
    row = (await conn.execute(select(_companies).where(_companies.c.id == company_id))).first()
    return None if row is None else dict(row._mapping)


async def record_facts(
    conn: AsyncConnection,
    company_id: UUID,
    values: dict[str, Any],
    *,
    provider: str,
    now: datetime,
) -> Company:
    """Store what the providers knew (fetched again when a lead comes after the cache
    time)."""
    await conn.execute(
        update(CompanyRow)
        .where(CompanyRow.id == company_id)
        .values(
            **values,
            provider=provider,
            status="enriched",
            attempts=0,
            last_error=None,
            enriched_at=now,
            due_at=None,
            lease_until=None,
        )
    )
    return await _company(conn, CompanyRow.id == company_id)


async def set_targeting(
    conn: AsyncConnection, company_id: UUID, *, target_account: bool, tier: str | None
) -> Company:
    await conn.execute(
        update(CompanyRow)
        .where(CompanyRow.id == company_id)
        .values(target_account=target_account, tier=tier)
    )
    return await _company(conn, CompanyRow.id == company_id)


async def spend_call(conn: AsyncConnection, provider: str, period: date, *, budget: int) -> bool:
    """Count one provider call against the period's budget; False if it is used up."""
    statement = insert(_usage).values(provider=provider, period=period, calls=1)
    counted = await conn.execute(
        statement.on_conflict_do_update(
            index_elements=["provider", "period"],
            set_={"calls": _usage.c.calls + 1},
            where=_usage.c.calls < budget,
        ).returning(_usage.c.calls)
    )
    return budget > 0 and counted.first() is not None


async def pending_leads_of(conn: AsyncConnection, company_id: UUID) -> Sequence[UUID]:
    """Leads of the company not yet told what is known, locked for the update."""
    rows = await conn.execute(
        select(LeadRow.lead_id)
        .where(LeadRow.company_id == company_id, LeadRow.company_status == "pending")
        .order_by(LeadRow.lead_id)
        .with_for_update()
    )
    return list(rows.scalars())


async def set_lead_status(
    conn: AsyncConnection, lead_ids: Sequence[UUID], status: str, now: datetime
) -> None:
    if lead_ids:
        await conn.execute(
            update(LeadRow)
            .where(LeadRow.lead_id.in_(lead_ids))
            .values(company_status=status, updated_at=now)
        )


async def lead_facts(conn: AsyncConnection, lead_id: UUID) -> dict[str, Any] | None:
    """Every column of the lead's row."""
    row = (await conn.execute(select(_leads).where(_leads.c.lead_id == lead_id))).first()
    return None if row is None else dict(row._mapping)


async def record_behaviour(conn: AsyncConnection, behaviour: Behaviour, now: datetime) -> set[UUID]:
    """Store a batch's behaviour rows; the companies whose leads' scores or activity
    moved (their roll-ups are due)."""
    lead_ids = sorted(behaviour.lead_ids)
    if not lead_ids:
        return set()
    # leads may act before their own event arrives: a row to count on, locked in id order
    await bulk_insert(
        conn,
        _leads,
        [{"lead_id": lead_id, "updated_at": now} for lead_id in lead_ids],
        "ON CONFLICT (lead_id) DO NOTHING",
    )
    locked = await conn.execute(
        select(LeadRow.lead_id, LeadRow.company_id)
        .where(LeadRow.lead_id.in_(lead_ids))
        .order_by(LeadRow.lead_id)
        .with_for_update()
    )
    companies = {company for _, company in locked.all() if company is not None}
    await bulk_insert(
        conn,
        _activities,
        behaviour.count_rows(),
        "ON CONFLICT (lead_id, kind, key) DO UPDATE SET"
        " count = lead_activities.count + excluded.count,"
        " last_at = greatest(lead_activities.last_at, excluded.last_at)",
    )
    await bulk_insert(conn, _changes, behaviour.score_changes, "ON CONFLICT DO NOTHING")
    scores = [behaviour.scores.get(lead_id) for lead_id in lead_ids]
    activity = [behaviour.last_activity.get(lead_id) for lead_id in lead_ids]
    await conn.execute(
        text(
            """UPDATE enrichment.leads l SET
                score = CASE WHEN b.scored_at IS NOT NULL
                    AND (l.scored_at IS NULL OR l.scored_at <= b.scored_at)
                    THEN b.score ELSE l.score END,
                stage = CASE WHEN b.scored_at IS NOT NULL
                    AND (l.scored_at IS NULL OR l.scored_at <= b.scored_at)
                    THEN b.stage ELSE l.stage END,
                scored_at = greatest(l.scored_at, b.scored_at),
                last_activity_at = greatest(l.last_activity_at, b.active_at),
                updated_at = :now
            FROM unnest(CAST(:ids AS uuid[]), CAST(:scores AS smallint[]),
                        CAST(:stages AS varchar[]), CAST(:scored AS timestamptz[]),
                        CAST(:active AS timestamptz[]))
                AS b(lead_id, score, stage, scored_at, active_at)
            WHERE l.lead_id = b.lead_id"""
        ),
        {
            "ids": lead_ids,
            "scores": [s.score if s else None for s in scores],
            "stages": [s.stage if s else None for s in scores],
            "scored": [s.at if s else None for s in scores],
            "active": activity,
            "now": now,
        },
    )
    return companies


# The roll-up is stored exactly; it is published when a count or score moved, or the
# last activity by an hour or more: a page view per minute is no news for a company.
_ROLLUP = text(
    """WITH wanted AS (
        SELECT id, contacts, engaged_contacts, highest_score, score_sum, last_activity_at
        FROM enrichment.companies WHERE id = ANY(CAST(:ids AS uuid[]))
        ORDER BY id FOR NO KEY UPDATE
    ), rolled AS (
        SELECT w.id,
               count(l.lead_id) AS contacts,
               count(l.lead_id) FILTER (WHERE l.score > 0) AS engaged_contacts,
               coalesce(max(l.score), 0) AS highest_score,
               coalesce(sum(l.score), 0) AS score_sum,
               max(l.last_activity_at) AS last_activity_at
        FROM wanted w LEFT JOIN enrichment.leads l ON l.company_id = w.id
        GROUP BY w.id
    )
    UPDATE enrichment.companies c SET
        contacts = r.contacts, engaged_contacts = r.engaged_contacts,
        highest_score = r.highest_score, score_sum = r.score_sum,
        last_activity_at = r.last_activity_at
    FROM rolled r JOIN wanted w ON w.id = r.id
    WHERE c.id = r.id AND (c.contacts, c.engaged_contacts, c.highest_score, c.score_sum,
                           c.last_activity_at)
        IS DISTINCT FROM (r.contacts, r.engaged_contacts, r.highest_score, r.score_sum,
                          r.last_activity_at)
    RETURNING c.id, c.domain, c.contacts, c.engaged_contacts, c.highest_score, c.score_sum,
              c.last_activity_at,
              (w.contacts, w.engaged_contacts, w.highest_score, w.score_sum)
                  IS DISTINCT FROM (r.contacts, r.engaged_contacts, r.highest_score,
                                    r.score_sum)
              OR w.last_activity_at IS NULL
              OR r.last_activity_at >= w.last_activity_at + interval '1 hour' AS notable"""
)


async def refresh_rollups(
    conn: AsyncConnection, company_ids: Collection[UUID]
) -> list[CompanyEngagementChanged]:
    """Recount the companies' roll-ups from their leads; an event for each that moved
    notably."""
    if not company_ids:
        return []
    rows = await conn.execute(_ROLLUP, {"ids": sorted(company_ids)})
    return [
        CompanyEngagementChanged(
            company_id=row.id,
            domain=row.domain,
            contacts=row.contacts,
            engaged_contacts=row.engaged_contacts,
            highest_score=row.highest_score,
            score_sum=row.score_sum,
            last_activity_at=row.last_activity_at,
        )
        for row in rows
        if row.notable
    ]


async def erase_lead(conn: AsyncConnection, lead_id: UUID, erased_at: datetime) -> UUID | None:
    """Delete what is held of the lead (its events in the outbox too) and remember the
    erasure; its company, if any."""
    company_id = await conn.scalar(
        delete(LeadRow).where(LeadRow.lead_id == lead_id).returning(LeadRow.company_id)
    )
    for table in (_activities, _changes):
        await conn.execute(delete(table).where(table.c.lead_id == lead_id))
    await erase_lead_events(conn, outbox, [lead_id])
    await conn.execute(
        insert(_erased)
        .values(lead_id=lead_id, erased_at=erased_at)
        .on_conflict_do_nothing(index_elements=["lead_id"])
    )
    return cast(UUID | None, company_id)


async def activity_counts(
    conn: AsyncConnection, lead_id: UUID
) -> list[tuple[str, str, int, datetime]]:
    """The lead's counts: (kind, key, count, last time), most frequent first."""
    rows = await conn.execute(
        select(
            LeadActivityRow.kind,
            LeadActivityRow.key,
            LeadActivityRow.count,
            LeadActivityRow.last_at,
        )
        .where(LeadActivityRow.lead_id == lead_id)
        .order_by(LeadActivityRow.count.desc(), LeadActivityRow.last_at.desc())
        .limit(200)
    )
    return [tuple(row) for row in rows.all()]  # type: ignore[misc]


async def recent_score_changes(
    conn: AsyncConnection, lead_id: UUID, *, limit: int = 15
) -> list[tuple[datetime, str, int, str]]:
    """The lead's newest score changes: (when, activity, delta, reason)."""
    rows = await conn.execute(
        select(
            ScoreChangeRow.occurred_at,
            ScoreChangeRow.activity,
            ScoreChangeRow.delta,
            ScoreChangeRow.reason,
        )
        .where(ScoreChangeRow.lead_id == lead_id)
        .order_by(ScoreChangeRow.occurred_at.desc(), ScoreChangeRow.position)
        .limit(limit)
    )
    return [tuple(row) for row in rows.all()]  # type: ignore[misc]
