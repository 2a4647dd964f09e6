"""The tables enrichment owns, in the `enrichment` schema: companies by web domain (with
their enrichment work state), which lead belongs to which company, and erased leads.
No personal data: a company's imprint is public and names the company, not the lead."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from auftakt_common.db import schema_metadata
from auftakt_common.inbox import inbox_table
from auftakt_common.outbox import outbox_table
from sqlalchemy import Date, DateTime, Integer, SmallInteger, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SCHEMA = "enrichment"


class Base(DeclarativeBase):
    metadata = schema_metadata(SCHEMA)


outbox = outbox_table(Base.metadata)
inbox = inbox_table(Base.metadata)


def _at(nullable: bool = True) -> Mapped[Any]:
    return mapped_column(DateTime(timezone=True), nullable=nullable)


class CompanyRow(Base):
    """A company, known by its registrable web domain; `status` is its enrichment work:
    `pending` (due at `due_at`), `enriched`, `failed` (retries used up)."""

    __tablename__ = "companies"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    domain: Mapped[str] = mapped_column(String(253), unique=True)
    name: Mapped[str | None] = mapped_column(String(300))
    legal_form: Mapped[str | None] = mapped_column(String(50))
    street: Mapped[str | None] = mapped_column(String(300))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(100))
    register_court: Mapped[str | None] = mapped_column(String(200))
    register_number: Mapped[str | None] = mapped_column(String(50))
    managing_directors: Mapped[list[str]] = mapped_column(ARRAY(Text))
    linkedin_url: Mapped[str | None] = mapped_column(Text)
    employees: Mapped[int | None] = mapped_column(Integer)
    revenue_range: Mapped[str | None] = mapped_column(String(50))
    industry: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    facts: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    target_account: Mapped[bool]
    tier: Mapped[str | None] = mapped_column(String(10))
    provider: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(SmallInteger)
    due_at: Mapped[datetime | None] = _at()
    lease_until: Mapped[datetime | None] = _at()
    last_error: Mapped[str | None] = mapped_column(Text)
    enriched_at: Mapped[datetime | None] = _at()
    created_at: Mapped[datetime] = _at(nullable=False)


class LeadCompanyRow(Base):
    """Which company a lead belongs to (None: a freemail address or no domain), and
    whether the lead has been told (`lead.enriched`) what is known."""

    __tablename__ = "lead_companies"

    lead_id: Mapped[UUID] = mapped_column(primary_key=True)
    company_id: Mapped[UUID | None]
    domain: Mapped[str | None] = mapped_column(String(253))
    status: Mapped[str] = mapped_column(String(20))
    updated_at: Mapped[datetime] = _at(nullable=False)


class ProviderUsageRow(Base):
    __tablename__ = "provider_usage"

    provider: Mapped[str] = mapped_column(String(50), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    calls: Mapped[int] = mapped_column(Integer)


class ErasedLeadRow(Base):
    __tablename__ = "erased_leads"

    lead_id: Mapped[UUID] = mapped_column(primary_key=True)
    erased_at: Mapped[datetime] = _at(nullable=False)
