"""The read model: everyone's events written into admin's tables, one transaction per
batch, each event once (inbox). Events of one lead arrive on several subjects in no
particular order, so every write is order-proof: a lead row exists from its first event
on, snapshots and scores only replace older ones, counters and timelines are keyed by
event id."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import structlog
from auftakt_common.batching import GroupCommit
from auftakt_common.db import is_database_unavailable
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
from auftakt_common.inbox import first_delivery
from auftakt_common.vault import SealedValueInvalid, from_text
from auftakt_common.vault_store import KeyStore
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from .domain import lead_source
from .models import (
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
    """Apply events in order, each at most once; events of erased leads are dropped."""
    lead_ids = {lead_id for event in events if (lead_id := getattr(event, "lead_id", None))}
    erased = set(
        (
            await conn.execute(
                select(ErasedLeadRow.lead_id).where(ErasedLeadRow.lead_id.in_(lead_ids))
            )
        ).scalars()
    )
    fresh = [
        event
        for event in events
        if await first_delivery(conn, inbox, event.event_id, event.subject)
    ]
    snapshots = [e for e in fresh if isinstance(e, LeadCreated | LeadUpdated)]
    email_indexes = await _email_indexes(conn, keys, snapshots)
    for event in fresh:
        lead_id = getattr(event, "lead_id", None)
        if isinstance(event, LeadErasureRequested):
            await erase(conn, event.lead_id, event.occurred_at)
            erased.add(event.lead_id)
        elif lead_id is None or lead_id in erased:
            continue
        elif isinstance(event, LeadCreated | LeadUpdated):
            await _snapshot(conn, event, email_indexes.get(event.lead_id))
        else:
            await _ensure_lead(conn, lead_id, event)
            await _apply(conn, event)


async def _email_indexes(
    conn: AsyncConnection, keys: KeyStore, events: Sequence[LeadCreated | LeadUpdated]
) -> dict[UUID, bytes]:
    """The blind index of each lead's address (the exact e-mail search), opened with the
    lead's data key; a lead whose key is gone or does not open is searchable otherwise."""
    if not events:
        return {}
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


async def _snapshot(
    conn: AsyncConnection, event: LeadCreated | LeadUpdated, email_index: bytes | None
) -> None:
    lead = event.lead
    values: dict[str, Any] = {
        "known": True,
        "email_ct": from_text(lead.contact.email),
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
        "created_at": lead.created_at,
        "snapshot_at": event.occurred_at,
    }
    if email_index is not None:
        values["email_index"] = email_index
    if isinstance(event, LeadUpdated):
        values["last_touch"] = event.touch.model_dump(mode="json", exclude_none=True)
    statement = insert(_leads).values(
        lead_id=event.lead_id, last_activity_at=event.occurred_at, **values
    )
    newer = or_(_leads.c.snapshot_at.is_(None), _leads.c.snapshot_at <= event.occurred_at)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[_leads.c.lead_id],
            set_={
                **{name: statement.excluded[name] for name in values},
                # an early event made the row before lead.created told when it began
                "created_at": func.least(_leads.c.created_at, statement.excluded.created_at),
                "last_activity_at": func.greatest(
                    _leads.c.last_activity_at, statement.excluded.last_activity_at
                ),
            },
            where=newer,
        )
    )
    if isinstance(event, LeadUpdated):  # a repeat submission is activity, even if stale
        await _touch(conn, event.lead_id, event.occurred_at)


async def _ensure_lead(conn: AsyncConnection, lead_id: UUID, event: Event) -> None:
    """A row for a lead whose `lead.created` has not arrived yet (it fills it later). No
    activity yet: a score or a mail is not something the lead did."""
    await conn.execute(
        insert(_leads)
        .values(lead_id=lead_id, created_at=event.occurred_at, last_activity_at=_NEVER)
        .on_conflict_do_nothing(index_elements=[_leads.c.lead_id])
    )


async def _touch(conn: AsyncConnection, lead_id: UUID, at: Any) -> None:
    await conn.execute(
        update(_leads)
        .where(_leads.c.lead_id == lead_id, _leads.c.last_activity_at < at)
        .values(last_activity_at=at)
    )


async def _apply(conn: AsyncConnection, event: Event) -> None:
    match event:
        case ActivityRecorded():
            await _activity(conn, event)
        case LeadMagnetDownloaded():
            await _magnet(conn, event)
        case LeadScored():
            await _scored(conn, event)
        case LeadStageChanged():
            await conn.execute(
                update(_leads)
                .where(
                    _leads.c.lead_id == event.lead_id,
                    or_(
                        _leads.c.stage_changed_at.is_(None),
                        _leads.c.stage_changed_at < event.occurred_at,
                    ),
                )
                .values(stage_changed_at=event.occurred_at)
            )
        case LeadEnriched():
            if event.company_domain:
                await conn.execute(
                    update(_leads)
                    .where(_leads.c.lead_id == event.lead_id)
                    .values(company_domain=event.company_domain)
                )
        case ConsentRequested() | ConsentConfirmed() | LeadOptedOut():
            await _consent(conn, event)
        case _ if type(event) in _EMAIL_KINDS:
            await _email(conn, event)


async def _activity(conn: AsyncConnection, event: ActivityRecorded) -> None:
    assert event.lead_id is not None
    await _add_activity(
        conn,
        activity_id=event.activity_id,
        lead_id=event.lead_id,
        activity_type=event.activity_type,
        page_url=event.page_url,
        target=event.target,
        detail=event.detail or None,
        occurred_at=event.occurred_at,
    )


async def _magnet(conn: AsyncConnection, event: LeadMagnetDownloaded) -> None:
    detail: dict[str, Any] = {"magnet_type": event.magnet_type}
    if event.magnet_name:
        detail["magnet_name"] = event.magnet_name
    if event.quiz_results:
        detail["quiz_results"] = event.quiz_results
    await _add_activity(
        conn,
        activity_id=event.download_id,
        lead_id=event.lead_id,
        activity_type="lead_magnet_downloaded",
        page_url=None,
        target=event.magnet_type,
        detail=detail,
        occurred_at=event.occurred_at,
    )


async def _add_activity(conn: AsyncConnection, **row: Any) -> None:
    # an anonymous visitor's activity is recorded again once it becomes a lead (same id)
    await conn.execute(
        insert(ActivityRow).values(**row).on_conflict_do_nothing(index_elements=["activity_id"])
    )
    await _touch(conn, row["lead_id"], row["occurred_at"])


async def _scored(conn: AsyncConnection, event: LeadScored) -> None:
    if event.changes:
        await conn.execute(
            insert(ScoreHistoryRow)
            .values(
                [
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
                ]
            )
            .on_conflict_do_nothing()
        )
    await conn.execute(
        update(_leads)
        .where(
            _leads.c.lead_id == event.lead_id,
            or_(_leads.c.score_at.is_(None), _leads.c.score_at <= event.occurred_at),
        )
        .values(score=event.score, stage=event.stage, score_at=event.occurred_at)
    )


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


async def _email(conn: AsyncConnection, event: Event) -> None:
    kind = _EMAIL_KINDS[type(event)]
    lead_id: UUID = getattr(event, "lead_id")  # noqa: B009
    await conn.execute(
        insert(EmailEventRow).values(
            event_id=event.event_id,
            lead_id=lead_id,
            send_id=getattr(event, "send_id", None),
            kind=kind,
            sequence_key=getattr(event, "sequence_key", None),
            step=getattr(event, "step", None),
            url=getattr(event, "url", None),
            occurred_at=event.occurred_at,
        )
    )
    values: dict[str, Any] = {}
    if kind in _EMAIL_COUNTERS:
        column = _leads.c[_EMAIL_COUNTERS[kind]]
        values[column.name] = column + 1
    if kind == "bounced" and getattr(event, "permanent", False):
        values["mail_state"] = "bounced"
    elif kind == "complained":
        values["mail_state"] = "complained"
    if values:
        await conn.execute(update(_leads).where(_leads.c.lead_id == lead_id).values(**values))
    if kind in ("opened", "clicked", "replied"):
        await _touch(conn, lead_id, event.occurred_at)


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
