"""The units of work: score a batch of events, apply due decay, edit the rule book.

Each runs in one transaction: lock the leads, check the inbox, ask the domain, write
scores, history and outgoing events (outbox). Events submitted concurrently by the
message handlers are written together (group commit).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import structlog
from auftakt_common.batching import GroupCommit
from auftakt_common.commands import (
    ActivityMapping,
    CommandReply,
    FieldError,
    ScoringConfiguration,
    ScoringRule,
)
from auftakt_common.db import is_database_unavailable
from auftakt_common.events import (
    Event,
    LeadErasureRequested,
    LeadScored,
    LeadStageChanged,
    ScoreChange,
    Stage,
)
from auftakt_common.outbox import OutboxRelay
from sqlalchemy.ext.asyncio import AsyncConnection

from . import repository as repo
from .domain import Applied, LeadState, RuleBook, apply_observation, decay, mapping_errors, observe

__all__ = ["Received", "Scorer"]

_log = structlog.get_logger("auftakt.scoring")
_RULEBOOK_CHECK_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class Received:
    event: Event
    correlation_id: str | None = None


@dataclass
class _Outcome:
    """What a unit of work writes besides the leads' new state."""

    history: list[tuple[UUID, Applied, UUID | None]]
    counted: set[tuple[UUID, str]]
    events: list[tuple[Event, str | None]]

    def record(
        self,
        state: LeadState,
        before: tuple[int, Stage],
        applied: list[Applied],
        cause: Received | None,
        activity_id: UUID | None = None,
    ) -> None:
        if not applied:
            return
        cause_id = cause.event.event_id if cause else None
        correlation = cause.correlation_id if cause else None
        self.history.extend((state.lead_id, change, cause_id) for change in applied)
        self.counted.update((state.lead_id, change.activity) for change in applied)
        previous_score, previous_stage = before
        self.events.append(
            (
                LeadScored(
                    lead_id=state.lead_id,
                    score=state.score,
                    previous_score=previous_score,
                    stage=state.stage,
                    changes=[
                        ScoreChange(
                            activity=change.activity,
                            points=change.points,
                            delta=change.delta,
                            reason=change.reason,
                        )
                        for change in applied
                    ],
                    cause_event_id=cause_id,
                    activity_id=activity_id,
                ),
                correlation,
            )
        )
        if state.stage != previous_stage:
            self.events.append(
                (
                    LeadStageChanged(
                        lead_id=state.lead_id,
                        previous_stage=previous_stage,
                        stage=state.stage,
                        score=state.score,
                    ),
                    correlation,
                )
            )


class Scorer:
    def __init__(self, relay: OutboxRelay, *, max_batch: int = 500) -> None:
        self._relay = relay
        self._book: RuleBook | None = None
        self._book_checked = 0.0
        self._group = GroupCommit(
            self.score_batch,
            max_batch=max_batch,
            item_may_be_at_fault=lambda error: not is_database_unavailable(error),
        )

    def add(self, received: Received) -> asyncio.Future[None]:
        """Score one event together with whatever else arrives meanwhile; the future
        resolves once it is committed."""
        return self._group.add(received)

    async def drain(self, timeout: float) -> None:
        """Finish writing what was already received (shutdown)."""
        await self._group.drain(timeout)

    async def _rulebook(self, conn: AsyncConnection) -> RuleBook:
        """The rules in force. Edits (by any replica) bump a version, checked at most once a
        second: a change applies within a second, without a query per batch."""
        now = time.monotonic()
        if self._book is None or now - self._book_checked > _RULEBOOK_CHECK_SECONDS:
            self._book_checked = now
            if self._book is None or self._book.version != await repo.rulebook_version(conn):
                self._book = await repo.load_rulebook(conn)
                _log.info("rule book loaded", version=self._book.version)
        return self._book

    async def score_batch(self, batch: Sequence[Received]) -> None:
        erasures = [r.event for r in batch if isinstance(r.event, LeadErasureRequested)]
        observed = [
            (observation, received)
            for received in batch
            if (observation := observe(received.event)) is not None
        ]
        if not observed and not erasures:
            return
        async with self._relay.transaction() as conn:
            book = await self._rulebook(conn)
            locked = await repo.lock_batch(
                conn,
                lead_ids={obs.lead_id for obs, _ in observed} | {e.lead_id for e in erasures},
                deliveries={(obs.event_id, obs.subject) for obs, _ in observed}
                | {(e.event_id, e.subject) for e in erasures},
                pages={(obs.lead_id, obs.page) for obs, _ in observed if obs.page is not None},
            )
            fresh, pages = locked.fresh, locked.new_pages
            erased = locked.erased | {e.lead_id for e in erasures}
            states = {lead: state for lead, state in locked.states.items() if lead not in erased}
            outcome = _Outcome(history=[], counted=set(), events=[])
            observed.sort(key=lambda pair: pair[0].occurred_at)
            for observation, received in observed:
                if observation.event_id not in fresh or observation.lead_id in erased:
                    continue  # handled before (a redelivery, or twice here), or erased
                fresh.discard(observation.event_id)
                state = states[observation.lead_id]
                page = (observation.lead_id, observation.page)
                before = (state.score, state.stage)
                applied = apply_observation(state, book, observation, new_page=page in pages)
                pages.discard(page)  # new only the first time
                outcome.record(state, before, applied, received, observation.activity_id)
            await self._write(conn, states.values(), outcome, erased)
        if erasures:
            _log.info("leads erased", count=len(erasures))

    async def decay_due(self, now: datetime, *, batch: int = 500) -> int:
        """Apply every decay penalty due at `now`; the number of leads that lost points.
        Replicas may run this at once: each lead is decided by whoever locked it."""
        total = 0
        while True:
            async with self._relay.transaction() as conn:
                book = await self._rulebook(conn)
                states = await repo.lock_quiet_leads(conn, now, batch)
                outcome = _Outcome(history=[], counted=set(), events=[])
                for state in states.values():
                    before = (state.score, state.stage)
                    outcome.record(state, before, decay(state, book, now), None)
                await self._write(conn, states.values(), outcome)
            total += len({lead_id for lead_id, _, _ in outcome.history})
            if len(states) < batch:
                return total

    async def _write(
        self,
        conn: AsyncConnection,
        states: Iterable[LeadState],
        outcome: _Outcome,
        erased: Collection[UUID] = (),
    ) -> None:
        await repo.save_batch(
            conn, states, outcome.counted, outcome.history, outcome.events, erased
        )

    async def configuration_reply(self) -> CommandReply[ScoringConfiguration]:
        async with self._relay.transaction() as conn:
            configuration = ScoringConfiguration(
                rules=await repo.list_rules(conn), mappings=await repo.list_mappings(conn)
            )
        return CommandReply(ok=True, data=configuration)

    async def put_rule(self, rule: ScoringRule) -> CommandReply[ScoringRule]:
        async with self._relay.transaction() as conn:
            await repo.put_rule(conn, rule)
        self._book_checked = 0.0  # this replica applies its own edit at once
        _log.info("scoring rule saved", activity=rule.activity, points=rule.points)
        return CommandReply(ok=True, data=rule)

    async def put_mapping(self, mapping: ActivityMapping) -> CommandReply[ActivityMapping]:
        async with self._relay.transaction() as conn:
            activities = {rule.activity for rule in await repo.list_rules(conn)}
            errors = mapping_errors(mapping, activities)
            if errors:
                return CommandReply(ok=False, errors=errors)
            mapping_id = await repo.put_mapping(conn, mapping)
        self._book_checked = 0.0
        if mapping_id is None:
            return CommandReply(
                ok=False, errors=[FieldError(field="id", message="no such mapping")]
            )
        _log.info("activity mapping saved", mapping_id=mapping_id, activity=mapping.activity)
        return CommandReply(ok=True, data=mapping.model_copy(update={"id": mapping_id}))

    async def delete_mapping(self, mapping_id: int) -> CommandReply[None]:
        async with self._relay.transaction() as conn:
            deleted = await repo.delete_mapping(conn, mapping_id)
        self._book_checked = 0.0
        if not deleted:
            return CommandReply(
                ok=False, errors=[FieldError(field="id", message="no such mapping")]
            )
        return CommandReply(ok=True)
