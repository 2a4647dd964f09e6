"""The read model: everyone's events written into admin's tables, one transaction per
batch, each event once (inbox). Events of one lead arrive on several subjects in no
particular order, so every write is order-proof: a lead row exists from its first event
on, snapshots and scores only replace older ones, counters and timelines are keyed by
event id."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast
from uuid import UUID

import structlog
from auftakt_common.batching import GroupCommit
from auftakt_common.db import bulk_insert, is_database_unavailable
from auftakt_common.events import (
    ActivityRecorded,
    ConsentConfirmed,
    ConsentRequested,
    EmailBounced,
    EmailClicked,
    EmailComplained,
    EmailOpened,
    EmailReplied,
    EmailSent,
    Event,
    LeadCreated,
    LeadEnriched,
    LeadErasureRequested,
    LeadMagnetDownloaded,
    LeadOptedOut,
    LeadScored,
    LeadStageChanged,
    LeadUpdated,
)
from auftakt_common.vault import SealedValueInvalid, from_text
from auftakt_common.vault_store import KeyStore
from sqlalchemy import Table, and_, delete, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from .domain import lead_source
from .models import (
    PROFILE_COLUMNS,
    ActivityRow,
    EmailEventRow,
    ErasedLeadRow,
    NoteRow,
    PipelineRow,
    ScoreHistoryRow,
    StatusChangeRow,
    inbox,
    leads_table,
)

__all__ = ["PROJECTED_EVENTS", "Projector", "project"]

_log = structlog.get_logger("auftakt.admin.projection")

PROJECTED_EVENTS: tuple[type[Event], ...] = (
    LeadCreated,
    LeadUpdated,
    LeadMagnetDownloaded,
    ActivityRecorded,
    LeadScored,
    LeadStageChanged,
    LeadEnriched,
    EmailSent,
    EmailOpened,
    EmailClicked,
    EmailBounced,
    EmailComplained,
    EmailReplied,
    ConsentRequested,
    ConsentConfirmed,
    LeadOptedOut,
    LeadErasureRequested,
)

_leads = leads_table
_activities = cast(Table, ActivityRow.__table__)
_score_history = cast(Table, ScoreHistoryRow.__table__)
_email_events = cast(Table, EmailEventRow.__table__)
_EMAIL_KINDS: dict[type[Event], str] = {
    EmailSent: "sent",
    EmailOpened: "opened",
    EmailClicked: "clicked",
    EmailBounced: "bounced",
    EmailComplained: "complained",
    EmailReplied: "replied",
}
_NEVER = datetime.min.replace(tzinfo=UTC)
_EMAIL_COUNTERS = {"sent": "emails_sent", "opened": "emails_opened", "clicked": "emails_clicked"}


class Projector:
    """Writes events into the read model; concurrent events go in one transaction."""

    def __init__(self, engine: AsyncEngine, keys: KeyStore, *, max_batch: int = 500) -> None:
        self._engine = engine
        self._keys = keys
        self._group: GroupCommit[Event] = GroupCommit(
            self.write,
            max_batch=max_batch,
            item_may_be_at_fault=lambda error: not is_database_unavailable(error),
        )

    def add(self, event: Event) -> asyncio.Future[None]:
        return self._group.add(event)

    async def drain(self, timeout: float) -> None:
        await self._group.drain(timeout)

    async def write(self, events: Sequence[Event]) -> None:
        async with self._engine.begin() as conn:
            await project(conn, self._keys, events)


async def project(conn: AsyncConnection, keys: KeyStore, events: Sequence[Event]) -> None:
    """Apply a batch of events, each at most once; events of erased leads are dropped.
    A handful of statements per batch, whatever its size: rows go in bulk, and each lead's
    row is updated once (its newest snapshot, newest score, summed counters)."""
    fresh = await _first_deliveries(conn, events)
    lead_ids = {lead_id for event in fresh if (lead_id := getattr(event, "lead_id", None))}
    erased = set(
        (
            await conn.execute(
                select(ErasedLeadRow.lead_id).where(ErasedLeadRow.lead_id.in_(lead_ids))
            )
        ).scalars()
    )
    for event in fresh:
        if isinstance(event, LeadErasureRequested):
            await erase(conn, event.lead_id, event.occurred_at)
            erased.add(event.lead_id)
    batch = _Batch()
    for event in fresh:
        lead_id = getattr(event, "lead_id", None)
        if lead_id is not None and lead_id not in erased:
            batch.add(event)
    await batch.write(conn, keys)


async def _first_deliveries(conn: AsyncConnection, events: Sequence[Event]) -> list[Event]:
    """The events not seen before (inbox), in order; one statement for the batch."""
    if not events:
        return []
    recorded = {
        row[0]
        for row in await bulk_insert(
            conn,
            inbox,
            [{"event_id": e.event_id, "subject": e.subject} for e in events],
            "ON CONFLICT (event_id) DO NOTHING RETURNING event_id",
        )
    }
    fresh: list[Event] = []
    for event in events:
        if event.event_id in recorded:
            recorded.discard(event.event_id)  # the same event twice in one batch: once
            fresh.append(event)
    return fresh


@dataclass
class _LeadChange:
    """What a batch changes on one lead's row (None: nothing)."""

    touched: datetime | None = None
    score: int | None = None
    stage: str | None = None
    score_at: datetime | None = None
    stage_changed_at: datetime | None = None
    sent: int = 0
    opened: int = 0
    clicked: int = 0
    mail_state: str | None = None

    def touch(self, at: datetime) -> None:
        self.touched = at if self.touched is None else max(self.touched, at)


def _later(current: datetime | None, at: datetime) -> bool:
    return current is None or current <= at


@dataclass
class _Batch:
    snapshots: dict[UUID, LeadCreated | LeadUpdated] = field(default_factory=dict)
    activities: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    emails: list[dict[str, Any]] = field(default_factory=list)
    changes: dict[UUID, _LeadChange] = field(default_factory=dict)
    one_by_one: list[Event] = field(default_factory=list)  # rare: consent, enrichment
    first_seen: dict[UUID, datetime] = field(default_factory=dict)

    def _change(self, lead_id: UUID) -> _LeadChange:
        return self.changes.setdefault(lead_id, _LeadChange())

    def add(self, event: Event) -> None:
        lead_id: UUID = getattr(event, "lead_id")  # noqa: B009 — the caller checked
        seen = self.first_seen.get(lead_id)
        self.first_seen[lead_id] = (
            event.occurred_at if seen is None else min(seen, event.occurred_at)
        )
        match event:
            case LeadCreated() | LeadUpdated():
                newest = self.snapshots.get(event.lead_id)
                if newest is None or newest.occurred_at <= event.occurred_at:
                    self.snapshots[event.lead_id] = event
                self._change(event.lead_id).touch(event.occurred_at)
            case ActivityRecorded():
                assert event.lead_id is not None
                self._activity(
                    event.activity_id,
                    event.lead_id,
                    event.activity_type,
                    event.page_url,
                    event.target,
                    event.detail or None,
                    event.occurred_at,
                )
            case LeadMagnetDownloaded():
                detail: dict[str, Any] = {"magnet_type": event.magnet_type}
                if event.magnet_name:
                    detail["magnet_name"] = event.magnet_name
                if event.quiz_results:
                    detail["quiz_results"] = event.quiz_results
                self._activity(
                    event.download_id,
                    event.lead_id,
                    "lead_magnet_downloaded",
                    None,
                    event.magnet_type,
                    detail,
                    event.occurred_at,
                )
            case LeadScored():
                self._scored(event)
            case LeadStageChanged():
                change = self._change(event.lead_id)
                if _later(change.stage_changed_at, event.occurred_at):
                    change.stage_changed_at = event.occurred_at
            case _ if type(event) in _EMAIL_KINDS:
                self._email(event)
            case _:
                self._change(lead_id)  # a row must exist
                self.one_by_one.append(event)

    def _activity(
        self,
        activity_id: UUID,
        lead_id: UUID,
        activity_type: str,
        page_url: str | None,
        target: str | None,
        detail: dict[str, Any] | None,
        at: datetime,
    ) -> None:
        self.activities.append(
            {
                "activity_id": activity_id,
                "lead_id": lead_id,
                "activity_type": activity_type,
                "page_url": page_url,
                "target": target,
                "detail": detail,
                "occurred_at": at,
            }
        )
        self._change(lead_id).touch(at)

    def _scored(self, event: LeadScored) -> None:
        self.history.extend(
            {
                "event_id": event.event_id,
                "position": position,
                "lead_id": event.lead_id,
                "occurred_at": event.occurred_at,
                "score": event.score,
                "activity": change.activity,
                "points": change.points,
                "delta": change.delta,
                "reason": change.reason,
            }
            for position, change in enumerate(event.changes)
        )
        change = self._change(event.lead_id)
        if _later(change.score_at, event.occurred_at):
            change.score, change.stage, change.score_at = (
                event.score,
                event.stage,
                event.occurred_at,
            )

    def _email(self, event: Event) -> None:
        kind = _EMAIL_KINDS[type(event)]
        lead_id: UUID = getattr(event, "lead_id")  # noqa: B009 — every mail event has one
        self.emails.append(
            {
                "event_id": event.event_id,
                "lead_id": lead_id,
                "send_id": getattr(event, "send_id", None),
                "kind": kind,
                "sequence_key": getattr(event, "sequence_key", None),
                "step": getattr(event, "step", None),
                "url": getattr(event, "url", None),
                "occurred_at": event.occurred_at,
            }
        )
        change = self._change(lead_id)
        if kind in ("sent", "opened", "clicked"):
            setattr(change, kind, getattr(change, kind) + 1)
        if kind in ("opened", "clicked", "replied"):
            change.touch(event.occurred_at)
        if kind == "complained":
            change.mail_state = "complained"
        elif kind == "bounced" and getattr(event, "permanent", False):
            change.mail_state = change.mail_state or "bounced"

    async def write(self, conn: AsyncConnection, keys: KeyStore) -> None:
        # rows in lead order: two batches lock shared leads in the same order
        if self.snapshots:
            await _snapshots(conn, keys, [self.snapshots[i] for i in sorted(self.snapshots)])
        stubs = sorted(set(self.changes) - set(self.snapshots))
        # no activity yet: a score or a mail is not something the lead did
        stub_rows = [
            {"lead_id": i, "created_at": self.first_seen[i], "last_activity_at": _NEVER}
            for i in stubs
        ]
        await bulk_insert(conn, _leads, stub_rows, "ON CONFLICT (lead_id) DO NOTHING")
        for table, rows in (
            (_activities, self.activities),
            (_score_history, self.history),
            (_email_events, self.emails),
        ):
            # an anonymous visitor's activity comes again once it becomes a lead
            await bulk_insert(conn, table, rows, "ON CONFLICT DO NOTHING")
        if self.changes:
            await _update_leads(conn, sorted(self.changes.items()))
        for event in self.one_by_one:
            await _apply_one(conn, event)


_UPDATE_LEADS = text(
    """
UPDATE admin.leads AS l SET
    last_activity_at = GREATEST(l.last_activity_at, v.touched),
    score = CASE WHEN v.score_at IS NOT NULL AND (l.score_at IS NULL OR l.score_at <= v.score_at)
        THEN v.score ELSE l.score END,
    stage = CASE WHEN v.score_at IS NOT NULL AND (l.score_at IS NULL OR l.score_at <= v.score_at)
        THEN v.stage ELSE l.stage END,
    score_at = GREATEST(l.score_at, v.score_at),
    stage_changed_at = GREATEST(l.stage_changed_at, v.stage_changed_at),
    emails_sent = l.emails_sent + v.sent,
    emails_opened = l.emails_opened + v.opened,
    emails_clicked = l.emails_clicked + v.clicked,
    mail_state = CASE WHEN l.mail_state = 'complained' THEN l.mail_state
        ELSE COALESCE(v.mail_state, l.mail_state) END
FROM unnest(
    CAST(:lead_ids AS uuid[]), CAST(:touched AS timestamptz[]), CAST(:scores AS smallint[]),
    CAST(:stages AS varchar[]), CAST(:score_at AS timestamptz[]),
    CAST(:stage_changed_at AS timestamptz[]), CAST(:sent AS integer[]),
    CAST(:opened AS integer[]), CAST(:clicked AS integer[]), CAST(:mail_states AS varchar[])
) AS v(lead_id, touched, score, stage, score_at, stage_changed_at, sent, opened, clicked,
       mail_state)
WHERE l.lead_id = v.lead_id
"""
)


async def _update_leads(conn: AsyncConnection, changes: list[tuple[UUID, _LeadChange]]) -> None:
    """Every lead's change of the batch in one statement (one tally trigger run)."""
    await conn.execute(
        _UPDATE_LEADS,
        {
            "lead_ids": [lead_id for lead_id, _ in changes],
            "touched": [c.touched for _, c in changes],
            "scores": [c.score for _, c in changes],
            "stages": [c.stage for _, c in changes],
            "score_at": [c.score_at for _, c in changes],
            "stage_changed_at": [c.stage_changed_at for _, c in changes],
            "sent": [c.sent for _, c in changes],
            "opened": [c.opened for _, c in changes],
            "clicked": [c.clicked for _, c in changes],
            "mail_states": [c.mail_state for _, c in changes],
        },
    )


async def _snapshots(
    conn: AsyncConnection, keys: KeyStore, events: Sequence[LeadCreated | LeadUpdated]
) -> None:
    """Each lead's newest snapshot of the batch, in one upsert; an older one never
    replaces a newer (they arrive on two subjects)."""
    email_indexes = await _email_indexes(conn, keys, events)
    rows = [_snapshot_row(event, email_indexes.get(event.lead_id)) for event in events]
    await bulk_insert(conn, _leads, rows, _SNAPSHOT_UPSERT)


_SNAPSHOT_COLUMNS = (
    "lead_id",
    "known",
    "email_ct",
    "email_index",
    "first_name_ct",
    "last_name_ct",
    "phone_ct",
    *PROFILE_COLUMNS,
    "first_touch",
    "last_touch",
    "created_at",
    "snapshot_at",
    "last_activity_at",
)


_REPLACED = [
    name
    for name in _SNAPSHOT_COLUMNS
    if name not in ("lead_id", "last_activity_at", "email_index", "last_touch")
]
# newer snapshots replace older ones (and the stub an early event made, whose creation
# time was a guess); the blind index and the last touch only when given
_SNAPSHOT_UPSERT = (
    "ON CONFLICT (lead_id) DO UPDATE SET "
    + ", ".join(f"{name} = EXCLUDED.{name}" for name in _REPLACED)
    + ", email_index = COALESCE(EXCLUDED.email_index, leads.email_index)"
    + ", last_touch = COALESCE(EXCLUDED.last_touch, leads.last_touch)"
    + " WHERE leads.snapshot_at IS NULL OR leads.snapshot_at <= EXCLUDED.snapshot_at"
)


def _snapshot_row(event: LeadCreated | LeadUpdated, email_index: bytes | None) -> dict[str, Any]:
    lead = event.lead
    return {
        "lead_id": event.lead_id,
        "known": True,
        "email_ct": from_text(lead.contact.email),
        "email_index": email_index,
        "first_name_ct": _sealed(lead.contact.first_name),
        "last_name_ct": _sealed(lead.contact.last_name),
        "phone_ct": _sealed(lead.contact.phone),
        "company_name": lead.company.name,
        "company_size": lead.company.size,
        "industry": lead.company.industry,
        "company_domain": lead.company.domain,
        "event_type": lead.event.type,
        "event_date": lead.event.date,
        "guest_count": lead.event.guest_count,
        "budget_min": lead.event.budget_min,
        "budget_max": lead.event.budget_max,
        "event_location": lead.event.location,
        "source": lead_source(lead.first_touch),
        "first_touch": lead.first_touch.model_dump(mode="json", exclude_none=True),
        "last_touch": (
            event.touch.model_dump(mode="json", exclude_none=True)
            if isinstance(event, LeadUpdated)
            else None
        ),
        "created_at": lead.created_at,
        "snapshot_at": event.occurred_at,
        "last_activity_at": event.occurred_at,
    }


async def _email_indexes(
    conn: AsyncConnection, keys: KeyStore, events: Sequence[LeadCreated | LeadUpdated]
) -> dict[UUID, bytes]:
    """The blind index of each lead's address (the exact e-mail search), opened with the
    lead's data key; a lead whose key is gone or does not open is searchable otherwise."""
    data_keys, _ = await keys.get_openable(conn, {event.lead_id for event in events})
    indexes: dict[UUID, bytes] = {}
    for event in events:
        key = data_keys.get(event.lead_id)
        if key is None:
            continue
        try:
            email = key.open("email", from_text(event.lead.contact.email))
        except (SealedValueInvalid, ValueError):
            _log.warning("lead address does not open", lead_id=str(event.lead_id))
            continue
        indexes[event.lead_id] = keys.vault.blind_index(email)
    return indexes


def _sealed(text: str | None) -> bytes | None:
    return None if text is None else from_text(text)


async def _apply_one(conn: AsyncConnection, event: Event) -> None:
    match event:
        case LeadEnriched():
            if event.company_domain:
                await conn.execute(
                    update(_leads)
                    .where(_leads.c.lead_id == event.lead_id)
                    .values(company_domain=event.company_domain)
                )
        case ConsentRequested() | ConsentConfirmed() | LeadOptedOut():
            await _consent(conn, event)


_CONSENT_STATES: dict[type[Event], str] = {
    ConsentRequested: "requested",
    ConsentConfirmed: "confirmed",
    LeadOptedOut: "opted_out",
}


async def _consent(conn: AsyncConnection, event: Event) -> None:
    state = _CONSENT_STATES[type(event)]
    lead_id = getattr(event, "lead_id")  # noqa: B009 — every consent event has one
    newer = or_(_leads.c.consent_at.is_(None), _leads.c.consent_at <= event.occurred_at)
    if state == "requested":  # a new request does not undo a confirmation or an opt-out
        newer = and_(newer, _leads.c.consent_state.in_(("none", "requested")))
    await conn.execute(
        update(_leads)
        .where(_leads.c.lead_id == lead_id, newer)
        .values(consent_state=state, consent_at=event.occurred_at)
    )


async def erase(conn: AsyncConnection, lead_id: UUID, at: Any) -> None:
    """Art. 17: everything admin holds of the lead goes, and late events are dropped."""
    for table, column in (
        (_leads, _leads.c.lead_id),
        (ActivityRow, ActivityRow.lead_id),
        (ScoreHistoryRow, ScoreHistoryRow.lead_id),
        (EmailEventRow, EmailEventRow.lead_id),
        (NoteRow, NoteRow.lead_id),
        (StatusChangeRow, StatusChangeRow.lead_id),
        (PipelineRow, PipelineRow.lead_id),
    ):
        await conn.execute(delete(table).where(column == lead_id))
    await conn.execute(
        insert(ErasedLeadRow)
        .values(lead_id=lead_id, erased_at=at)
        .on_conflict_do_nothing(index_elements=["lead_id"])
    )
