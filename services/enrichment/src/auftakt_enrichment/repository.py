"""All SQL of the enrichment schema. Never commits: the caller's transaction does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast
from uuid import UUID, uuid4

from sqlalchemy import Table, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from .domain import Company
from .models import CompanyRow, ErasedLeadRow, LeadCompanyRow, ProviderUsageRow

__all__ = [
    "Company",
    "CompanyClaim",
    "claim_due_companies",
    "company_by_id",
    "ensure_company",
    "is_erased",
    "link_lead",
    "pending_leads_of",
    "record_failure",
    "record_facts",
    "set_lead_status",
    "spend_call",
]

_companies = cast(Table, CompanyRow.__table__)
_links = cast(Table, LeadCompanyRow.__table__)
_usage = cast(Table, ProviderUsageRow.__table__)


async def is_erased(conn: AsyncConnection, lead_id: UUID) -> bool:
    found = await conn.scalar(select(ErasedLeadRow.lead_id).where(ErasedLeadRow.lead_id == lead_id))
    return found is not None


async def ensure_company(
    conn: AsyncConnection, domain: str, now: datetime, *, stale_before: datetime
) -> Company:
    """The company of this domain, created (due for enrichment now) if it is new; one
    whose facts are older than `stale_before` is due again (the lead is told what is
    known meanwhile)."""
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
    return await _company(conn, CompanyRow.domain == domain)


async def link_lead(
    conn: AsyncConnection,
    lead_id: UUID,
    *,
    company_id: UUID | None,
    domain: str | None,
    status: str,
    now: datetime,
) -> None:
    statement = insert(_links).values(
        lead_id=lead_id, company_id=company_id, domain=domain, status=status, updated_at=now
    )
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=["lead_id"],
            set_={
                "company_id": statement.excluded.company_id,
                "domain": statement.excluded.domain,
                "status": statement.excluded.status,
                "updated_at": now,
            },
        )
    )


_COMPANY = tuple(getattr(CompanyRow, name) for name in Company.__dataclass_fields__)


async def _company(conn: AsyncConnection, condition: Any) -> Company:
    row = (await conn.execute(select(*_COMPANY).where(condition))).one()
    return Company(*row)


@dataclass(frozen=True, slots=True)
class CompanyClaim:
    id: UUID
    domain: str
    attempts: int


async def claim_due_companies(
    conn: AsyncConnection, now: datetime, *, limit: int, lease_until: datetime
) -> list[CompanyClaim]:
    """Companies due for enrichment, leased to this process (others skip them)."""
    rows = (
        await conn.execute(
            select(CompanyRow.id, CompanyRow.domain, CompanyRow.attempts)
            .where(CompanyRow.due_at <= now)
            .where((CompanyRow.lease_until.is_(None)) | (CompanyRow.lease_until < now))
            .order_by(CompanyRow.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    if rows:
        await conn.execute(
            update(CompanyRow)
            .where(CompanyRow.id.in_([row.id for row in rows]))
            .values(lease_until=lease_until)
        )
    return [CompanyClaim(row.id, row.domain, row.attempts) for row in rows]


async def record_facts(
    conn: AsyncConnection,
    company_id: UUID,
    values: dict[str, Any],
    *,
    provider: str,
    now: datetime,
) -> Company:
    """Store what the provider knew (fetched again when a lead comes after the cache
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
    return await company_by_id(conn, company_id)


async def record_failure(
    conn: AsyncConnection,
    company_id: UUID,
    error: str,
    *,
    retry_at: datetime | None,
) -> Company:
    """A failed attempt: tried again at `retry_at`, or given up (None)."""
    await conn.execute(
        update(CompanyRow)
        .where(CompanyRow.id == company_id)
        .values(
            attempts=CompanyRow.attempts + 1,
            last_error=error[:500],
            lease_until=None,
            due_at=retry_at,
            status="pending" if retry_at is not None else "failed",
        )
    )
    return await company_by_id(conn, company_id)


async def spend_call(conn: AsyncConnection, provider: str, month: date, *, budget: int) -> bool:
    """Count one provider call against the month's budget; False if it is used up."""
    statement = insert(_usage).values(provider=provider, month=month, calls=1)
    counted = await conn.execute(
        statement.on_conflict_do_update(
            index_elements=["provider", "month"],
            set_={"calls": _usage.c.calls + 1},
            where=_usage.c.calls < budget,
        ).returning(_usage.c.calls)
    )
    return budget > 0 and counted.first() is not None


async def company_by_id(conn: AsyncConnection, company_id: UUID) -> Company:
    return await _company(conn, CompanyRow.id == company_id)


async def pending_leads_of(conn: AsyncConnection, company_id: UUID) -> Sequence[UUID]:
    """Leads of the company not yet told what is known, locked for the update."""
    rows = await conn.execute(
        select(LeadCompanyRow.lead_id)
        .where(LeadCompanyRow.company_id == company_id, LeadCompanyRow.status == "pending")
        .with_for_update()
    )
    return list(rows.scalars())


async def set_lead_status(
    conn: AsyncConnection, lead_ids: Sequence[UUID], status: str, now: datetime
) -> None:
    if lead_ids:
        await conn.execute(
            update(LeadCompanyRow)
            .where(LeadCompanyRow.lead_id.in_(lead_ids))
            .values(status=status, updated_at=now)
        )
