"""The tables capture owns, in the `capture` schema. Personal data only as ciphertext."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from auftakt_common.db import schema_metadata
from auftakt_common.inbox import inbox_table
from auftakt_common.outbox import outbox_table
from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SCHEMA = "capture"


class Base(DeclarativeBase):
    metadata = schema_metadata(SCHEMA)


outbox = outbox_table(Base.metadata)
inbox = inbox_table(Base.metadata)


def _lead_fk() -> ForeignKey:
    return ForeignKey(f"{SCHEMA}.leads.id", ondelete="CASCADE")


class Lead(Base):
    __tablename__ = "leads"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    email_bidx: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    email_ct: Mapped[bytes] = mapped_column(LargeBinary)
    first_name_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    last_name_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    ip_address_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    company_name: Mapped[str | None] = mapped_column(String(255))
    company_size: Mapped[str | None] = mapped_column(String(16))
    company_industry: Mapped[str | None] = mapped_column(String(100))
    company_domain: Mapped[str | None] = mapped_column(String(255))

    event_type: Mapped[str | None] = mapped_column(String(50))
    event_date: Mapped[date | None] = mapped_column(Date)
    guest_count: Mapped[int | None] = mapped_column(Integer)
    budget_min: Mapped[int | None] = mapped_column(Integer)
    budget_max: Mapped[int | None] = mapped_column(Integer)
    location: Mapped[str | None] = mapped_column(String(255))

    # first touch: set on creation, never overwritten (later touches are submissions)
    source: Mapped[str | None] = mapped_column(String(100))
    medium: Mapped[str | None] = mapped_column(String(100))
    campaign: Mapped[str | None] = mapped_column(String(255))
    referrer: Mapped[str | None] = mapped_column(Text)
    landing_page: Mapped[str | None] = mapped_column(Text)
    utm_source: Mapped[str | None] = mapped_column(String(255))
    utm_medium: Mapped[str | None] = mapped_column(String(255))
    utm_campaign: Mapped[str | None] = mapped_column(String(255))
    utm_content: Mapped[str | None] = mapped_column(String(255))
    utm_term: Mapped[str | None] = mapped_column(String(255))

    consent_marketing: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    submission_count: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (Index("ix_leads_created_at", "created_at"),)


class Submission(Base):
    """One form submission (a touch): its attribution, and what it changed."""

    __tablename__ = "submissions"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    lead_id: Mapped[UUID] = mapped_column(_lead_fk(), index=True)
    outcome: Mapped[str] = mapped_column(String(16))  # created | updated
    form_id: Mapped[str | None] = mapped_column(String(100))
    attribution: Mapped[dict[str, Any]] = mapped_column(JSONB)
    changed_fields: Mapped[list[str]] = mapped_column(ARRAY(String(50)))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ConsentRecord(Base):
    """The consent ledger: what the person agreed to, in which words, when, from where."""

    __tablename__ = "consents"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    lead_id: Mapped[UUID] = mapped_column(_lead_fk(), index=True)
    purpose: Mapped[str] = mapped_column(String(50))  # marketing_email
    state: Mapped[str] = mapped_column(String(30))  # requested | confirmed | withdrawn
    consent_text: Mapped[str | None] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(Text)
    submission_id: Mapped[UUID | None] = mapped_column()
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MagnetDownload(Base):
    __tablename__ = "lead_magnets"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    lead_id: Mapped[UUID] = mapped_column(_lead_fk(), index=True)
    magnet_type: Mapped[str] = mapped_column(String(100), index=True)
    magnet_name: Mapped[str | None] = mapped_column(String(255))
    quiz_results: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    downloaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Visitor(Base):
    """An anonymous browser (first-party id); linked to a lead once it submits a form."""

    __tablename__ = "visitors"

    visitor_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    lead_id: Mapped[UUID | None] = mapped_column(_lead_fk(), index=True)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    identified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Activity(Base):
    """The raw activity log: website events and named activities, as received."""

    __tablename__ = "activities"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    lead_id: Mapped[UUID | None] = mapped_column(_lead_fk())
    visitor_id: Mapped[str | None] = mapped_column(String(64))
    activity_type: Mapped[str] = mapped_column(String(64))
    page_url: Mapped[str | None] = mapped_column(Text)
    referrer: Mapped[str | None] = mapped_column(Text)
    target: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB)
    ip_prefix: Mapped[str | None] = mapped_column(String(64))  # truncated, never the full IP
    user_agent: Mapped[str | None] = mapped_column(String(512))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_activities_lead_id_occurred_at", "lead_id", "occurred_at"),
        Index(
            "ix_activities_anonymous_visitor_id",
            "visitor_id",
            postgresql_where=text("lead_id IS NULL"),
        ),
        Index("ix_activities_activity_type", "activity_type"),
        Index(
            "ix_activities_magnet_uses",
            "visitor_id",
            postgresql_where=text("activity_type IN ('budget_calculator_used', 'quiz_completed')"),
        ),
    )


class MagnetFile(Base):
    """A lead magnet's file (the checklist PDF …): delivered only through the signed,
    expiring link in the mail that answers the request, never from a public address."""

    __tablename__ = "magnet_files"

    magnet_type: Mapped[str] = mapped_column(String(50), primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
