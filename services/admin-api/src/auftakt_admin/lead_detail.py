"""The read behind the lead detail: the lead's row, its timelines (activities, score
history, mails, notes, status changes), its company and newest analysis."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from auftakt_common.vault import SealedValueInvalid
from auftakt_common.vault_store import KeyStore
from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncConnection

from .enrichment_queries import AnalysisEntry, CompanySummary, company_summary, newest_analysis
from .models import (
    PROFILE_COLUMNS,
    ActivityRow,
    AlertRow,
    EmailEventRow,
    NoteRow,
    PipelineRow,
    ScoreHistoryRow,
    StatusChangeRow,
    UserRow,
    leads_table,
)
from .queries import Contact, open_contact
from .timeline_titles import SequenceTitle, magnet_title, mail_title

__all__ = ["LeadDetail", "is_known_lead", "lead_detail"]

_leads = leads_table


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    kind: str
    title: str
    detail: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ScoreEntry:
    at: datetime
    score: int
    activity: str
    points: int
    delta: int
    reason: str


@dataclass(frozen=True, slots=True)
class EmailEntry:
    at: datetime
    kind: str
    sequence_key: str | None
    step: int | None
    url: str | None
    title: str | None  # the mail's: its sequence and step, or the double-opt-in mail
    note: str | None = None  # a held mail: what it waits for


@dataclass(frozen=True, slots=True)
class AlertEntry:
    """Sales were alerted: on which channel, to whom (None: a Slack channel), why."""

    at: datetime
    channel: str
    recipient: str | None
    stage: str
    score: int


@dataclass(frozen=True, slots=True)
class NoteEntry:
    id: UUID
    at: datetime
    author: str | None
    body: str


@dataclass(frozen=True, slots=True)
class StatusEntry:
    at: datetime
    previous_status: str | None
    status: str
    deal_value: Decimal | None
    by: str | None


@dataclass(frozen=True, slots=True)
class LeadDetail:
    lead_id: UUID
    contact: Contact
    profile: dict[str, Any]
    first_touch: dict[str, Any]
    last_touch: dict[str, Any]
    score: int
    stage: str
    status: str
    assignee_id: UUID | None
    assignee: str | None
    deal_value: Decimal | None
    consent_state: str
    consent_at: datetime | None
    mail_state: str
    emails: dict[str, int]
    created_at: datetime
    last_activity_at: datetime
    # enrichment's: the company (None: not linked, or not described yet), the newest analysis
    company_id: UUID | None
    decision_maker: bool | None
    employee_count: int | None
    company: CompanySummary | None
    analysis: AnalysisEntry | None
    activities: list[TimelineEntry] = field(default_factory=list)
    score_history: list[ScoreEntry] = field(default_factory=list)
    email_events: list[EmailEntry] = field(default_factory=list)
    alerts: list[AlertEntry] = field(default_factory=list)
    notes: list[NoteEntry] = field(default_factory=list)
    status_history: list[StatusEntry] = field(default_factory=list)


def _activity_title(activity: Row[Any]) -> str:
    if activity.activity_type == "lead_magnet_downloaded":  # its target is the magnet's key
        return magnet_title(activity.target, activity.detail)
    return str(activity.page_url or activity.target or "")


# occurred_at, kind, sequence_key, step, url, send_id, note
_EmailRow = Row[datetime, str, str | None, int | None, str | None, UUID | None, str | None]
# the events that name their mail themselves (the others name it by its send)
_NAMING = ("sent", "held")


def _email_entries(
    rows: Sequence[_EmailRow], sequences: Mapping[str, SequenceTitle]
) -> list[EmailEntry]:
    """The lead's mail events, each titled by its mail: an open, a click or a bounce
    names the mail it concerns when the lead's timeline holds the mail's sending."""
    sent = {row.send_id: row for row in rows if row.kind in _NAMING and row.send_id}
    entries = []
    for row in rows:
        mail = row if row.kind in _NAMING else sent.get(row.send_id)
        title = None if mail is None else mail_title(mail.sequence_key, mail.step, sequences)
        entries.append(
            EmailEntry(
                row.occurred_at,
                row.kind,
                mail.sequence_key if mail else row.sequence_key,
                mail.step if mail else row.step,
                row.url,
                title,
                row.note,
            )
        )
    return entries


def _reason(reason: str, delta: int) -> str:
    """The rule's description: reasons scored before it was kept apart from the delta
    end in it ("… (+25)"), and the page shows the delta beside the reason already."""
    return reason.removesuffix(f" ({delta:+d})")


async def lead_detail(
    conn: AsyncConnection,
    keys: KeyStore,
    lead_id: UUID,
    *,
    sequences: Mapping[str, SequenceTitle] | None = None,
    timeline_limit: int = 200,
) -> LeadDetail | None:
    """The lead as its page shows it; `sequences`: the mailer's titles, for its mails."""
    c = _leads.c
    row = (
        await conn.execute(
            select(_leads, UserRow.name.label("assignee"), PipelineRow.deal_value)
            .select_from(
                _leads.outerjoin(UserRow, UserRow.id == c.assignee_id).outerjoin(
                    PipelineRow, PipelineRow.lead_id == c.lead_id
                )
            )
            .where(c.lead_id == lead_id, c.known.is_(True))
        )
    ).first()
    if row is None:
        return None
    data_keys, _ = await keys.get_openable(conn, [lead_id])
    key = data_keys.get(lead_id)
    detail = LeadDetail(
        lead_id=lead_id,
        contact=open_contact(key, row, with_details=True),
        profile={name: getattr(row, name) for name in PROFILE_COLUMNS},
        first_touch=row.first_touch or {},
        last_touch=row.last_touch or {},
        score=row.score,
        stage=row.stage,
        status=row.status,
        assignee_id=row.assignee_id,
        assignee=row.assignee,
        deal_value=row.deal_value,
        consent_state=row.consent_state,
        consent_at=row.consent_at,
        mail_state=row.mail_state,
        emails={
            "sent": row.emails_sent,
            "opened": row.emails_opened,
            "clicked": row.emails_clicked,
        },
        created_at=row.created_at,
        last_activity_at=row.last_activity_at,
        company_id=row.company_id,
        decision_maker=row.decision_maker,
        employee_count=row.employee_count,
        company=None if row.company_id is None else await company_summary(conn, row.company_id),
        analysis=await newest_analysis(conn, lead_id),
    )
    activities = await conn.execute(
        select(
            ActivityRow.occurred_at,
            ActivityRow.activity_type,
            ActivityRow.page_url,
            ActivityRow.target,
            ActivityRow.detail,
        )
        .where(ActivityRow.lead_id == lead_id)
        .order_by(ActivityRow.occurred_at.desc())
        .limit(timeline_limit)
    )
    detail.activities.extend(
        TimelineEntry(a.occurred_at, a.activity_type, _activity_title(a), a.detail)
        for a in activities
    )
    history = await conn.execute(
        select(
            ScoreHistoryRow.occurred_at,
            ScoreHistoryRow.score,
            ScoreHistoryRow.activity,
            ScoreHistoryRow.points,
            ScoreHistoryRow.delta,
            ScoreHistoryRow.reason,
        )
        .where(ScoreHistoryRow.lead_id == lead_id)
        .order_by(ScoreHistoryRow.occurred_at.desc(), ScoreHistoryRow.position.desc())
        .limit(timeline_limit)
    )
    detail.score_history.extend(
        ScoreEntry(at, score, activity, points, delta, _reason(reason, delta))
        for at, score, activity, points, delta, reason in history
    )
    emails = (
        await conn.execute(
            select(
                EmailEventRow.occurred_at,
                EmailEventRow.kind,
                EmailEventRow.sequence_key,
                EmailEventRow.step,
                EmailEventRow.url,
                EmailEventRow.send_id,
                EmailEventRow.note,
            )
            .where(EmailEventRow.lead_id == lead_id)
            .order_by(EmailEventRow.occurred_at.desc())
            .limit(timeline_limit)
        )
    ).all()
    detail.email_events.extend(_email_entries(emails, sequences or {}))
    alerts = await conn.execute(
        select(
            AlertRow.occurred_at,
            AlertRow.channel,
            AlertRow.recipient,
            AlertRow.stage,
            AlertRow.score,
        )
        .where(AlertRow.lead_id == lead_id)
        .order_by(AlertRow.occurred_at.desc())
        .limit(timeline_limit)
    )
    detail.alerts.extend(AlertEntry(*alert) for alert in alerts)
    notes = await conn.execute(
        select(NoteRow.id, NoteRow.created_at, UserRow.name, NoteRow.body_ct)
        .outerjoin(UserRow, UserRow.id == NoteRow.author_id)
        .where(NoteRow.lead_id == lead_id)
        .order_by(NoteRow.created_at.desc())
    )
    for note_id, at, author, body_ct in notes:
        body = "[nicht lesbar]"
        if key is not None:
            try:
                body = key.open("note", body_ct)
            except SealedValueInvalid:
                pass
        detail.notes.append(NoteEntry(note_id, at, author, body))
    changes = await conn.execute(
        select(
            StatusChangeRow.changed_at,
            StatusChangeRow.previous_status,
            StatusChangeRow.status,
            StatusChangeRow.deal_value,
            UserRow.name,
        )
        .outerjoin(UserRow, UserRow.id == StatusChangeRow.user_id)
        .where(StatusChangeRow.lead_id == lead_id)
        .order_by(StatusChangeRow.changed_at.desc())
    )
    detail.status_history.extend(StatusEntry(*entry) for entry in changes)
    return detail


async def is_known_lead(conn: AsyncConnection, lead_id: UUID) -> bool:
    """Whether the read model knows this lead (lead.created seen, not erased)."""
    found = await conn.scalar(
        select(_leads.c.lead_id).where(_leads.c.lead_id == lead_id, _leads.c.known.is_(True))
    )
    return found is not None
