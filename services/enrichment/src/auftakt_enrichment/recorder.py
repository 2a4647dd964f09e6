"""What leads do, recorded in batches (group commit: the website's activity comes fast):
activity counts, score changes and each lead's score; then, in a transaction of its own,
the roll-ups of the companies whose leads moved, with `company.engagement_changed` for
each that changed. Two transactions, so a batch never holds leads while waiting for a
company (the enrichment of a company locks the company, then its leads). A roll-up
missed by a crash between them is counted again with the company's next change: it is
always recounted from the leads, never added to."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime

from auftakt_common.batching import GroupCommit
from auftakt_common.db import is_database_unavailable
from auftakt_common.inbox import first_deliveries
from auftakt_common.outbox import OutboxRelay, add_events

from . import repository as repo
from .behaviour import BehaviourEvent, behaviour_of
from .models import inbox, outbox

__all__ = ["BehaviourRecorder"]


class BehaviourRecorder:
    def __init__(
        self, relay: OutboxRelay, clock: Callable[[], datetime], *, max_batch: int = 500
    ) -> None:
        self._relay = relay
        self._clock = clock
        self._group = GroupCommit(
            self._write,
            max_batch=max_batch,
            item_may_be_at_fault=lambda error: not is_database_unavailable(error),
        )

    def add(self, event: BehaviourEvent) -> asyncio.Future[None]:
        """Queue the event; the future resolves once it is committed."""
        return self._group.add(event)

    async def drain(self, timeout: float) -> None:
        await self._group.drain(timeout)

    async def _write(self, events: Sequence[BehaviourEvent]) -> None:
        async with self._relay.transaction() as conn:
            fresh = await first_deliveries(conn, inbox, events)
            erased = await repo.erased_among(conn, {e.lead_id for e in fresh if e.lead_id})
            behaviour = behaviour_of(e for e in fresh if e.lead_id not in erased)
            companies = await repo.record_behaviour(conn, behaviour, self._clock())
        if companies:
            async with self._relay.transaction() as conn:
                await add_events(conn, outbox, await repo.refresh_rollups(conn, companies))
