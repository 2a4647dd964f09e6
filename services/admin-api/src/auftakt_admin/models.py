"""The tables admin-api owns, in the `admin` schema.

Two kinds: what sales own (users, sessions, tokens, pipeline, notes, status history) and
the read model projected from everyone's events (leads, activities, score history,
e-mails, the tally, companies, analyses). The read model can be thrown away and rebuilt
from the streams; the sales-owned tables never are. Personal data only as the vault's ciphertext."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast
from uuid import UUID

from auftakt_common.db import schema_metadata
from auftakt_common.inbox import inbox_table
from auftakt_common.outbox import outbox_table
from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SCHEMA = "admin"


class Base(DeclarativeBase):
    metadata = schema_metadata(SCHEMA)


outbox = outbox_table(Base.metadata)
inbox = inbox_table(Base.metadata)


def _at(nullable: bool = True) -> Mapped[Any]:
    return mapped_column(DateTime(timezone=True), nullable=nullable)


# --- owned by sales -------------------------------------------------------------------


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(server_default=text("true"))
    must_change_password: Mapped[bool] = mapped_column(server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_login_at: Mapped[datetime | None] = _at()


class SessionRow(Base):
    """A browser session; the cookie holds the token, the table only its hash."""

    __tablename__ = "sessions"

    token_hash: Mapped[bytes] = mapped_column(LargeBinary, primary_key=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey(f"{SCHEMA}.users.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = _at(nullable=False)
    last_seen_at: Mapped[datetime] = _at(nullable=False)
    expires_at: Mapped[datetime] = _at(nullable=False)


class ApiTokenRow(Base):
    """A token for scripts (`Authorization: Bearer …`); shown once, stored as its hash."""

    __tablename__ = "api_tokens"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey(f"{SCHEMA}.users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = _at(nullable=False)
    last_used_at: Mapped[datetime | None] = _at()
    revoked_at: Mapped[datetime | None] = _at()


class LoginFailureRow(Base):
    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    account: Mapped[str] = mapped_column(String(254))
    client: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = _at(nullable=False)


class PipelineRow(Base):
    """Where sales stand with a lead: the record of status, assignee and deal value
    (copied into `leads` for the list's indexes)."""

    __tablename__ = "pipeline"

    lead_id: Mapped[UUID] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    assignee_id: Mapped[UUID | None] = mapped_column(
        ForeignKey(f"{SCHEMA}.users.id", ondelete="SET NULL")
    )
    deal_value: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    updated_at: Mapped[datetime] = _at(nullable=False)


class StatusChangeRow(Base):
    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    lead_id: Mapped[UUID]
    previous_status: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    deal_value: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    user_id: Mapped[UUID | None]
    changed_at: Mapped[datetime] = _at(nullable=False)


class NoteRow(Base):
    """A sales note: free text about a person, so sealed with the lead's data key."""

    __tablename__ = "notes"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    lead_id: Mapped[UUID]
    author_id: Mapped[UUID | None]
    body_ct: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = _at(nullable=False)


# --- the read model (projection) ------------------------------------------------------


class LeadRow(Base):
    """One row per lead with everything the list filters and sorts by."""

    __tablename__ = "leads"

    lead_id: Mapped[UUID] = mapped_column(primary_key=True)
    known: Mapped[bool] = mapped_column(server_default=text("false"))  # lead.created seen
    email_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    email_index: Mapped[bytes | None] = mapped_column(LargeBinary)
    first_name_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    last_name_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    company_name: Mapped[str | None] = mapped_column(String(255))
    company_size: Mapped[str | None] = mapped_column(String(50))
    industry: Mapped[str | None] = mapped_column(String(100))
    company_domain: Mapped[str | None] = mapped_column(String(255))
    event_type: Mapped[str | None] = mapped_column(String(50))
    event_date: Mapped[date | None] = mapped_column(Date)
    guest_count: Mapped[int | None] = mapped_column(Integer)
    budget_min: Mapped[int | None] = mapped_column(Integer)
    budget_max: Mapped[int | None] = mapped_column(Integer)
    event_location: Mapped[str | None] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(100), server_default=text("''"))
    first_touch: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    last_touch: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    consent_state: Mapped[str] = mapped_column(String(20), server_default=text("'none'"))
    consent_at: Mapped[datetime | None] = _at()
    mail_state: Mapped[str] = mapped_column(String(20), server_default=text("'ok'"))
    score: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    stage: Mapped[str] = mapped_column(String(10), server_default=text("'cold'"))
    score_at: Mapped[datetime | None] = _at()
    stage_changed_at: Mapped[datetime | None] = _at()
    status: Mapped[str] = mapped_column(String(20), server_default=text("'new'"))
    assignee_id: Mapped[UUID | None]
    emails_sent: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    emails_opened: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    emails_clicked: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    created_at: Mapped[datetime] = _at(nullable=False)
    snapshot_at: Mapped[datetime | None] = _at()
    last_activity_at: Mapped[datetime] = _at(nullable=False)
    # from lead.enriched (the newest replaces older ones: `enriched_at`)
    company_id: Mapped[UUID | None]
    decision_maker: Mapped[bool | None]
    employee_count: Mapped[int | None] = mapped_column(Integer)
    enriched_at: Mapped[datetime | None] = _at()


class ActivityRow(Base):
    __tablename__ = "activities"

    activity_id: Mapped[UUID] = mapped_column(primary_key=True)
    lead_id: Mapped[UUID]
    activity_type: Mapped[str] = mapped_column(String(100))
    page_url: Mapped[str | None] = mapped_column(Text)
    target: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    occurred_at: Mapped[datetime] = _at(nullable=False)


class ScoreHistoryRow(Base):
    __tablename__ = "score_history"

    event_id: Mapped[UUID] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    lead_id: Mapped[UUID]
    occurred_at: Mapped[datetime] = _at(nullable=False)
    score: Mapped[int] = mapped_column(SmallInteger)
    activity: Mapped[str] = mapped_column(String(100))
    points: Mapped[int] = mapped_column(SmallInteger)
    delta: Mapped[int] = mapped_column(SmallInteger)
    reason: Mapped[str] = mapped_column(Text)


class EmailEventRow(Base):
    """What happened to the mails a lead got: sent, opened, clicked, bounced, …"""

    __tablename__ = "email_events"

    event_id: Mapped[UUID] = mapped_column(primary_key=True)
    lead_id: Mapped[UUID]
    send_id: Mapped[UUID | None]
    kind: Mapped[str] = mapped_column(String(20))
    sequence_key: Mapped[str | None] = mapped_column(String(100))
    step: Mapped[int | None] = mapped_column(Integer)
    url: Mapped[str | None] = mapped_column(Text)
    # a held mail: what it waits for ("Budget, Gästezahl")
    note: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = _at(nullable=False)


class AlertRow(Base):
    """Sales alerted about the lead (notification.sent): how, to whom, at which stage."""

    __tablename__ = "alerts"

    event_id: Mapped[UUID] = mapped_column(primary_key=True)
    lead_id: Mapped[UUID] = mapped_column(index=True)
    channel: Mapped[str] = mapped_column(String(20))  # email | slack | whatsapp
    recipient: Mapped[str | None] = mapped_column(String(320))
    stage: Mapped[str] = mapped_column(String(10))
    score: Mapped[int] = mapped_column(SmallInteger)
    occurred_at: Mapped[datetime] = _at(nullable=False)


class CompanyRow(Base):
    """A company as enrichment described it (company.enriched) with the roll-up of its
    leads (company.engagement_changed); each part replaced only by a newer event of its
    kind. Text without a length: it was read from the company's website."""

    __tablename__ = "companies"

    company_id: Mapped[UUID] = mapped_column(primary_key=True)
    domain: Mapped[str] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(Text)
    legal_form: Mapped[str | None] = mapped_column(Text)
    city: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(Text)
    employee_count: Mapped[int | None] = mapped_column(Integer)
    revenue_range: Mapped[str | None] = mapped_column(Text)
    industry: Mapped[str | None] = mapped_column(Text)
    register_number: Mapped[str | None] = mapped_column(Text)
    linkedin_url: Mapped[str | None] = mapped_column(Text)
    target_account: Mapped[bool] = mapped_column(server_default=text("false"))
    tier: Mapped[str | None] = mapped_column(String(10))
    provider: Mapped[str | None] = mapped_column(Text)
    profile_at: Mapped[datetime | None] = _at()
    contacts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    engaged_contacts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    highest_score: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    score_sum: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    last_activity_at: Mapped[datetime | None] = _at()
    engagement_at: Mapped[datetime | None] = _at()


class AnalysisRow(Base):
    """An analysis of a lead (lead.analyzed), kept; the detail shows the newest."""

    __tablename__ = "analyses"

    analysis_id: Mapped[UUID] = mapped_column(primary_key=True)
    lead_id: Mapped[UUID]
    intent_level: Mapped[str] = mapped_column(String(10))
    buying_signals: Mapped[list[str]] = mapped_column(JSONB)
    recommended_approach: Mapped[str] = mapped_column(Text)
    qualification_score: Mapped[int] = mapped_column(SmallInteger)
    next_best_action: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(String(20))
    model: Mapped[str | None] = mapped_column(Text)
    trigger: Mapped[str] = mapped_column(String(20))
    fallback_reason: Mapped[str | None] = mapped_column(Text)
    input_hash: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime] = _at(nullable=False)


class LeadTallyRow(Base):
    """Known leads per source, stage and status, kept by a trigger on `leads`: the
    dashboard's counts without scanning a million rows."""

    __tablename__ = "lead_tally"

    source: Mapped[str] = mapped_column(String(100), primary_key=True)
    stage: Mapped[str] = mapped_column(String(10), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    leads: Mapped[int] = mapped_column(BigInteger)


class LeadDayRow(Base):
    """Known leads per day of creation (Berlin), kept by the same trigger."""

    __tablename__ = "lead_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    leads: Mapped[int] = mapped_column(BigInteger)


class ErasedLeadRow(Base):
    """Leads erased (Art. 17): events still in the stream for them are dropped."""

    __tablename__ = "erased_leads"

    lead_id: Mapped[UUID] = mapped_column(primary_key=True)
    erased_at: Mapped[datetime] = _at(nullable=False)


leads_table = cast(Table, LeadRow.__table__)
# the lead's company and event, as the detail page shows them
PROFILE_COLUMNS = (
    "company_name",
    "company_size",
    "industry",
    "company_domain",
    "event_type",
    "event_date",
    "guest_count",
    "budget_min",
    "budget_max",
    "event_location",
    "source",
)
