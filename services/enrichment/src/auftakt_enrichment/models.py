"""The tables enrichment owns, in the `enrichment` schema: companies by web domain (their
facts, enrichment work state and the roll-up of their leads), what enrichment knows of
each lead (company link, event facts, behaviour, score history), person profiles (sealed
with the lead's data key), analyses, provider usage, erased leads.

No plaintext personal data: a company's imprint is public and names the company; a
person profile is ciphertext; behaviour is page paths, activity types and scores."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from auftakt_common.db import schema_metadata
from auftakt_common.inbox import inbox_table
from auftakt_common.outbox import outbox_table
from sqlalchemy import Date, DateTime, Integer, LargeBinary, SmallInteger, String, Text
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
    # the roll-up of the company's leads (engaged: score above zero)
    contacts: Mapped[int] = mapped_column(Integer)
    engaged_contacts: Mapped[int] = mapped_column(Integer)
    highest_score: Mapped[int] = mapped_column(Integer)
    score_sum: Mapped[int] = mapped_column(Integer)
    last_activity_at: Mapped[datetime | None] = _at()


class LeadRow(Base):
    """What enrichment knows of a lead: its company (`company_status`: `unknown` until
    the lead's own event came, `no_company` for freemail or none, else the company's
    enrichment as far as this lead was told), its event, its source and its score."""

    __tablename__ = "leads"

    lead_id: Mapped[UUID] = mapped_column(primary_key=True)
    company_id: Mapped[UUID | None]
    domain: Mapped[str | None] = mapped_column(String(253))
    company_status: Mapped[str] = mapped_column(String(20))
    event_type: Mapped[str | None] = mapped_column(String(50))
    event_date: Mapped[date | None] = mapped_column(Date)
    guest_count: Mapped[int | None] = mapped_column(Integer)
    budget_min: Mapped[int | None] = mapped_column(Integer)
    budget_max: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(String(100))
    medium: Mapped[str | None] = mapped_column(String(100))
    score: Mapped[int] = mapped_column(SmallInteger)
    stage: Mapped[str] = mapped_column(String(10))
    scored_at: Mapped[datetime | None] = _at()
    last_activity_at: Mapped[datetime | None] = _at()
    created_at: Mapped[datetime | None] = _at()
    updated_at: Mapped[datetime] = _at(nullable=False)


class LeadActivityRow(Base):
    """How often a lead did something: `kind` is `activity` (its type), `page` (a path
    of the website) or `magnet` (a lead magnet's type)."""

    __tablename__ = "lead_activities"

    lead_id: Mapped[UUID] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    last_at: Mapped[datetime] = _at(nullable=False)


class ScoreChangeRow(Base):
    """One rule scoring applied to the lead, with its reason."""

    __tablename__ = "score_changes"

    event_id: Mapped[UUID] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    lead_id: Mapped[UUID]
    occurred_at: Mapped[datetime] = _at(nullable=False)
    activity: Mapped[str] = mapped_column(String(100))
    delta: Mapped[int] = mapped_column(SmallInteger)
    score: Mapped[int] = mapped_column(SmallInteger)
    reason: Mapped[str] = mapped_column(String(300))


class PersonProfileRow(Base):
    """The person behind a lead, from the optional person provider: the profile itself
    (job title, LinkedIn URL, name) sealed with the lead's data key; the role category and
    decision-maker flag derived from it in plain, for scoring and the analysis."""

    __tablename__ = "person_profiles"

    lead_id: Mapped[UUID] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(SmallInteger)
    due_at: Mapped[datetime | None] = _at()
    lease_until: Mapped[datetime | None] = _at()
    last_error: Mapped[str | None] = mapped_column(Text)
    provider: Mapped[str | None] = mapped_column(String(50))
    profile: Mapped[bytes | None] = mapped_column(LargeBinary)
    role: Mapped[str | None] = mapped_column(String(30))
    decision_maker: Mapped[bool | None]
    enriched_at: Mapped[datetime | None] = _at()
    created_at: Mapped[datetime] = _at(nullable=False)


class AnalysisRow(Base):
    """An analysis of a lead, asked for (`requested`) or due because the lead entered a
    hot stage (`stage_changed`, once per entry: `trigger_event_id` is unique)."""

    __tablename__ = "analyses"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    lead_id: Mapped[UUID]
    trigger: Mapped[str] = mapped_column(String(20))
    trigger_event_id: Mapped[UUID | None] = mapped_column(unique=True)
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(SmallInteger)
    due_at: Mapped[datetime | None] = _at()
    lease_until: Mapped[datetime | None] = _at()
    method: Mapped[str | None] = mapped_column(String(20))
    model: Mapped[str | None] = mapped_column(String(100))
    input_hash: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    fallback_reason: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[datetime] = _at(nullable=False)
    analyzed_at: Mapped[datetime | None] = _at()


class ProviderUsageRow(Base):
    """Calls to a provider per period (a month for data providers, a day for Claude)."""

    __tablename__ = "provider_usage"

    provider: Mapped[str] = mapped_column(String(50), primary_key=True)
    period: Mapped[date] = mapped_column(Date, primary_key=True)
    calls: Mapped[int] = mapped_column(Integer)


class ErasedLeadRow(Base):
    __tablename__ = "erased_leads"

    lead_id: Mapped[UUID] = mapped_column(primary_key=True)
    erased_at: Mapped[datetime] = _at(nullable=False)
