"""The read model: everyone's events written into admin's tables, one transaction per
batch, each event once (inbox). Events of one lead arrive on several subjects in no
particular order, so every write is order-proof: a lead row exists from its first event
on, snapshots, scores, enrichments and company facts only replace older ones, counters
and timelines are keyed by event id. Lead events: `lead_batch`; companies:
`company_batch`."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from auftakt_common.batching import GroupCommit
from auftakt_common.db import is_database_unavailable
from auftakt_common.events import (
    ActivityRecorded,
    CompanyEngagementChanged,
    CompanyEnriched,
    ConsentConfirmed,
    ConsentRequested,
    EmailBounced,
    EmailClicked,
    EmailComplained,
    EmailHeld,
    EmailOpened,
    EmailReplied,
    EmailSent,
    Event,
    LeadAnalyzed,
    LeadCreated,
    LeadEnriched,
    LeadErasureRequested,
    LeadMagnetDownloaded,
    LeadOptedOut,
    LeadScored,
    LeadStageChanged,
    LeadUpdated,
    NotificationSent,
)
from auftakt_common.inbox import first_deliveries
from auftakt_common.outbox import erase_lead_events
from auftakt_common.vault_store import KeyStore
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from .company_batch import CompanyBatch
from .lead_batch import LeadBatch
from .models import (
    ActivityRow,
    AlertRow,
    AnalysisRow,
    EmailEventRow,
    ErasedLeadRow,
    NoteRow,
    PipelineRow,
    ScoreHistoryRow,
    StatusChangeRow,
    inbox,
    leads_table,
    outbox,
)

__all__ = ["PROJECTED_EVENTS", "Projector", "erase", "project"]

PROJECTED_EVENTS: tuple[type[Event], ...] = (
    LeadCreated,
    LeadUpdated,
    LeadMagnetDownloaded,
    ActivityRecorded,
    LeadScored,
    LeadStageChanged,
    LeadEnriched,
    LeadAnalyzed,
    CompanyEnriched,
    CompanyEngagementChanged,
    EmailSent,
    EmailOpened,
    EmailClicked,
    EmailBounced,
    EmailComplained,
    EmailReplied,
    EmailHeld,
    NotificationSent,
    ConsentRequested,
    ConsentConfirmed,
    LeadOptedOut,
    LeadErasureRequested,
)

_leads = leads_table


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
    A handful of statements per batch, whatever its size: rows go in bulk, each lead's row
    is updated once (its newest snapshot, score and enrichment, summed counters), and each
    company's once."""
    fresh = await first_deliveries(conn, inbox, events)
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
    leads, companies = LeadBatch(), CompanyBatch()
    for event in fresh:
        if isinstance(event, CompanyEnriched | CompanyEngagementChanged):
            companies.add(event)
        elif (lead_id := getattr(event, "lead_id", None)) is not None and lead_id not in erased:
            leads.add(event)
    await leads.write(conn, keys)
    await companies.write(conn)


async def erase(conn: AsyncConnection, lead_id: UUID, at: Any) -> None:
    """Art. 17: everything admin holds of the lead goes (its events in the outbox too, but
    for the erasure request still to be sent), and late events are dropped."""
    for table, column in (
        (_leads, _leads.c.lead_id),
        (ActivityRow, ActivityRow.lead_id),
        (ScoreHistoryRow, ScoreHistoryRow.lead_id),
        (EmailEventRow, EmailEventRow.lead_id),
        (AlertRow, AlertRow.lead_id),
        (NoteRow, NoteRow.lead_id),
        (StatusChangeRow, StatusChangeRow.lead_id),
        (PipelineRow, PipelineRow.lead_id),
        (AnalysisRow, AnalysisRow.lead_id),
    ):
        await conn.execute(delete(table).where(column == lead_id))
    await erase_lead_events(conn, outbox, [lead_id])
    await conn.execute(
        insert(ErasedLeadRow)
        .values(lead_id=lead_id, erased_at=at)
        .on_conflict_do_nothing(index_elements=["lead_id"])
    )
