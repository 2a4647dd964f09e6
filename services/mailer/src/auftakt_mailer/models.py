"""The tables the mailer owns, in the `mailer` schema. Personal data only as the vault's
ciphertext (address and first name, copied from `lead.created`)."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from auftakt_common.db import schema_metadata
from auftakt_common.outbox import outbox_table
from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SCHEMA = "mailer"


class Base(DeclarativeBase):
    metadata = schema_metadata(SCHEMA)


outbox = outbox_table(Base.metadata)


def _at(nullable: bool = True) -> Mapped[Any]:
    return mapped_column(DateTime(timezone=True), nullable=nullable)


class SequenceRow(Base):
    """A nurture sequence: what enrols a lead (event type + field filter) and its steps."""

    __tablename__ = "sequences"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    trigger_event: Mapped[str] = mapped_column(String(100))
    trigger_filter: Mapped[dict[str, str]] = mapped_column(JSONB)
    active: Mapped[bool] = mapped_column(server_default=text("true"))
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class StepRow(Base):
    __tablename__ = "steps"

    sequence_id: Mapped[UUID] = mapped_column(
        ForeignKey(f"{SCHEMA}.sequences.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    delay_hours: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(500))
    body_html: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    transactional: Mapped[bool] = mapped_column(server_default=text("false"))
    active: Mapped[bool] = mapped_column(server_default=text("true"))
    # left out by an edit: kept for the enrolments that stand at it, no longer listed
    removed: Mapped[bool] = mapped_column(server_default=text("false"))


class LeadRow(Base):
    """What the mailer knows of a lead: contact ciphertext, personalisation facts, consent
    and the reasons it must not be mailed."""

    __tablename__ = "leads"

    lead_id: Mapped[UUID] = mapped_column(primary_key=True)
    email_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    first_name_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    company_name: Mapped[str | None] = mapped_column(String(255))
    event_type: Mapped[str | None] = mapped_column(String(50))
    event_date: Mapped[date | None] = mapped_column(Date)
    guest_count: Mapped[int | None] = mapped_column(Integer)
    budget_min: Mapped[int | None] = mapped_column(Integer)
    budget_max: Mapped[int | None] = mapped_column(Integer)
    # the staff address of the rep the lead is assigned to (its alerts go there)
    assignee_email: Mapped[str | None] = mapped_column(String(320))
    consent_requested_at: Mapped[datetime | None] = _at()
    consent_confirmed_at: Mapped[datetime | None] = _at()
    opted_out_at: Mapped[datetime | None] = _at()
    bounced_at: Mapped[datetime | None] = _at()
    complained_at: Mapped[datetime | None] = _at()
    replied_at: Mapped[datetime | None] = _at()
    status: Mapped[str | None] = mapped_column(String(20))
    stage: Mapped[str | None] = mapped_column(String(10))
    score: Mapped[int | None] = mapped_column(SmallInteger)
    snapshot_at: Mapped[datetime | None] = _at()  # when the stored lead snapshot was taken
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class EnrolmentRow(Base):
    """A lead in a sequence: the next step and when it is due (only `active` ones are)."""

    __tablename__ = "enrolments"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    lead_id: Mapped[UUID] = mapped_column()
    sequence_id: Mapped[UUID] = mapped_column(
        ForeignKey(f"{SCHEMA}.sequences.id", ondelete="CASCADE")
    )
    # active | waiting_consent | paused (sequence off) | completed | stopped
    state: Mapped[str] = mapped_column(String(20))
    next_position: Mapped[int | None] = mapped_column(SmallInteger)
    next_due_at: Mapped[datetime | None] = _at()
    context: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'"))
    cause_event_id: Mapped[UUID | None] = mapped_column()
    enrolled_at: Mapped[datetime] = _at(nullable=False)
    ended_at: Mapped[datetime | None] = _at()
    stop_reason: Mapped[str | None] = mapped_column(String(30))

    __table_args__ = (
        UniqueConstraint("lead_id", "sequence_id"),
        Index(
            "ix_enrolments_due",
            "next_due_at",
            postgresql_where=text("state IN ('active', 'waiting_consent')"),
        ),
        Index("ix_enrolments_lead_id", "lead_id"),
    )


class SendRow(Base):
    """One mail: a sequence step or the double-opt-in mail. `dedupe_key` makes each
    (enrolment, step) one row; the row is claimed (`sending`) before the mail leaves."""

    __tablename__ = "sends"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    lead_id: Mapped[UUID] = mapped_column()
    enrolment_id: Mapped[UUID | None] = mapped_column(
        ForeignKey(f"{SCHEMA}.enrolments.id", ondelete="CASCADE")
    )
    sequence_id: Mapped[UUID | None] = mapped_column()
    position: Mapped[int | None] = mapped_column(SmallInteger)
    kind: Mapped[str] = mapped_column(String(20))  # sequence | double_opt_in
    marketing: Mapped[bool] = mapped_column()
    # queued | sending | sent | retry | failed | cancelled | unknown | held (data missing)
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    next_attempt_at: Mapped[datetime | None] = _at()
    claimed_at: Mapped[datetime | None] = _at()
    sent_at: Mapped[datetime | None] = _at()
    provider_message_id: Mapped[str | None] = mapped_column(String(255))
    last_error: Mapped[str | None] = mapped_column(Text)
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = _at(nullable=False)

    __table_args__ = (
        Index(
            "ix_sends_due",
            "next_attempt_at",
            postgresql_where=text("status IN ('queued', 'retry')"),
        ),
        Index("ix_sends_claimed", "claimed_at", postgresql_where=text("status = 'sending'")),
        Index("ix_sends_lead_id", "lead_id"),
        Index("ix_sends_provider_message_id", "provider_message_id"),
    )


class NotificationRow(Base):
    """One alert to sales on one channel for one entry into a stage."""

    __tablename__ = "notifications"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    lead_id: Mapped[UUID] = mapped_column()
    stage: Mapped[str] = mapped_column(String(10))
    score: Mapped[int] = mapped_column(SmallInteger)
    channel: Mapped[str] = mapped_column(String(20))  # email | slack | whatsapp
    recipient: Mapped[str] = mapped_column(String(320))
    entry_event_id: Mapped[UUID] = mapped_column()
    status: Mapped[str] = mapped_column(String(20))  # queued | sending | sent | retry | failed
    attempts: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    next_attempt_at: Mapped[datetime | None] = _at()
    claimed_at: Mapped[datetime | None] = _at()
    sent_at: Mapped[datetime | None] = _at()
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _at(nullable=False)

    __table_args__ = (
        UniqueConstraint("entry_event_id", "channel", "recipient"),
        Index(
            "ix_notifications_due",
            "next_attempt_at",
            postgresql_where=text("status IN ('queued', 'retry')"),
        ),
    )


class MonthSlotsRow(Base):
    """Free dates per month, for "nur noch {{ slots_left }} {{ month }}-Slots"."""

    __tablename__ = "month_slots"

    month: Mapped[date] = mapped_column(Date, primary_key=True)  # first day of the month
    slots_left: Mapped[int] = mapped_column(Integer)


class ErasedLead(Base):
    """Leads erased under Art. 17: events still arriving for them are ignored."""

    __tablename__ = "erased_leads"

    lead_id: Mapped[UUID] = mapped_column(primary_key=True)
    erased_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
