"""The tables scoring owns, in the `scoring` schema. No personal data: ids and numbers."""

from datetime import datetime
from uuid import UUID

from auftakt_common.db import schema_metadata
from auftakt_common.inbox import inbox_table
from auftakt_common.outbox import outbox_table
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SCHEMA = "scoring"


class Base(DeclarativeBase):
    metadata = schema_metadata(SCHEMA)


outbox = outbox_table(Base.metadata)
inbox = inbox_table(Base.metadata)


def _now() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now())


def _lead_fk() -> ForeignKey:
    return ForeignKey(f"{SCHEMA}.lead_scores.lead_id", ondelete="CASCADE")


class RuleRow(Base):
    """A scoring rule: points for an activity, at most `max_per_lead` times, at least
    `cooldown_seconds` apart."""

    __tablename__ = "rules"

    activity: Mapped[str] = mapped_column(String(100), primary_key=True)
    points: Mapped[int] = mapped_column(SmallInteger)
    description: Mapped[str] = mapped_column(String(255))
    max_per_lead: Mapped[int | None] = mapped_column(Integer)
    cooldown_seconds: Mapped[int | None] = mapped_column(Integer)
    website: Mapped[bool] = mapped_column(server_default=text("false"))
    active: Mapped[bool] = mapped_column(server_default=text("true"))
    updated_at: Mapped[datetime] = _now()

    __table_args__ = (
        CheckConstraint("points BETWEEN -100 AND 100", name="points_range"),
        CheckConstraint("max_per_lead IS NULL OR max_per_lead > 0", name="max_per_lead_positive"),
        CheckConstraint(
            "cooldown_seconds IS NULL OR cooldown_seconds > 0", name="cooldown_positive"
        ),
    )


class MappingRow(Base):
    """A raw website event that counts as a rule's activity."""

    __tablename__ = "activity_mappings"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, server_default=text("100"))
    event_type: Mapped[str] = mapped_column(String(100))
    field: Mapped[str] = mapped_column(String(100))
    operator: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(500))
    activity: Mapped[str] = mapped_column(ForeignKey(f"{SCHEMA}.rules.activity"))
    active: Mapped[bool] = mapped_column(server_default=text("true"))
    note: Mapped[str | None] = mapped_column(String(255))
    updated_at: Mapped[datetime] = _now()

    __table_args__ = (
        CheckConstraint(
            "operator IN ('equals', 'in', 'not_in', 'prefix', 'contains', 'regex', 'gte', 'lte')",
            name="operator_known",
        ),
    )


class RuleBookVersion(Base):
    """One row; bumped by every edit of rules or mappings, so every replica reloads."""

    __tablename__ = "rulebook_version"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)


class LeadScoreRow(Base):
    __tablename__ = "lead_scores"

    lead_id: Mapped[UUID] = mapped_column(primary_key=True)
    score: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    stage: Mapped[str] = mapped_column(String(10), server_default=text("'cold'"))
    last_activity_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decayed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decay_level: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    distinct_pages: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()

    __table_args__ = (
        CheckConstraint("score BETWEEN 0 AND 100", name="score_range"),
        CheckConstraint("stage IN ('cold', 'warm', 'hot', 'burning')", name="stage_known"),
        # the decay job reads only leads with a penalty still ahead of them
        Index(
            "ix_lead_scores_decay_due", "last_activity_at", postgresql_where=text("decay_level < 2")
        ),
        Index("ix_lead_scores_stage_score", "stage", "score"),
    )


class RuleCountRow(Base):
    __tablename__ = "lead_rule_counts"

    lead_id: Mapped[UUID] = mapped_column(_lead_fk(), primary_key=True)
    activity: Mapped[str] = mapped_column(String(100), primary_key=True)
    times: Mapped[int] = mapped_column(Integer)
    last_counted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LeadPageRow(Base):
    """Distinct pages a lead has seen, for `multiple_pages_viewed`."""

    __tablename__ = "lead_pages"

    lead_id: Mapped[UUID] = mapped_column(_lead_fk(), primary_key=True)
    page: Mapped[str] = mapped_column(String(2000), primary_key=True)


class HistoryRow(Base):
    """Why a score moved: a lead's score is the clamped replay of its `points`."""

    __tablename__ = "score_history"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    lead_id: Mapped[UUID] = mapped_column(_lead_fk())
    activity: Mapped[str] = mapped_column(String(100))
    points: Mapped[int] = mapped_column(SmallInteger)
    old_score: Mapped[int] = mapped_column(SmallInteger)
    new_score: Mapped[int] = mapped_column(SmallInteger)
    delta: Mapped[int] = mapped_column(SmallInteger)
    reason: Mapped[str] = mapped_column(String(300))
    cause_event_id: Mapped[UUID | None] = mapped_column()
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[datetime] = _now()

    __table_args__ = (Index("ix_score_history_lead_id_id", "lead_id", "id"),)


class ErasedLeadRow(Base):
    """A lead whose erasure was requested (Art. 17): its rows are gone, and events for it
    that are still in the stream are dropped instead of bringing it back."""

    __tablename__ = "erased_leads"

    lead_id: Mapped[UUID] = mapped_column(primary_key=True)
    erased_at: Mapped[datetime] = _now()
