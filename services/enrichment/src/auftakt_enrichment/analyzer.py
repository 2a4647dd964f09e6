"""The AI lead analysis as units of work: a job when a lead rises into a hot stage (once
per entry) or when sales ask (`enrichment.analyze`), and the run of a job — facts read,
Claude asked outside any transaction (or the rules, without a key, over budget or when
Claude fails), the result stored and published as `lead.analyzed` in one transaction."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import structlog
from auftakt_common.commands import AnalysisAnswer, AnalyzeLead, CommandReply, FieldError
from auftakt_common.events import (
    NO_CLAUDE_KEY,
    STAGES,
    AnalysisMethod,
    LeadAnalysis,
    LeadAnalyzed,
    LeadStageChanged,
)
from auftakt_common.inbox import first_delivery
from auftakt_common.outbox import OutboxRelay, add_events

from . import analysis_store as store
from . import repository as repo
from .analysis import AnalysisInput, input_hash, rule_based_analysis
from .analysts import AnalysisFailed, ClaudeAnalyst
from .metering import Gate
from .models import AnalysisRow, inbox, outbox
from .queue import Claims
from .settings import EnrichmentSettings

__all__ = ["Analyzer"]

_log = structlog.get_logger("auftakt.enrichment.analysis")
_LEASE = timedelta(minutes=5)
_NO_BUDGET = "Tagesbudget für Claude aufgebraucht"
_UNKNOWN_LEAD_WAIT = timedelta(minutes=1)


def rises_into(event: LeadStageChanged, stages: list[str]) -> bool:
    """Whether the lead climbed into one of `stages` (falling back into one does not
    count: decay is no buying signal)."""
    rank = STAGES.index
    return event.stage in stages and rank(event.stage) > rank(event.previous_stage)


@dataclass(frozen=True, slots=True)
class _Outcome:
    analysis: LeadAnalysis
    method: AnalysisMethod
    model: str | None
    fallback_reason: str | None


class Analyzer:
    def __init__(
        self,
        relay: OutboxRelay,
        analyst: ClaudeAnalyst | None,
        gate: Gate,
        settings: EnrichmentSettings,
        clock: Callable[[], datetime],
    ) -> None:
        self._relay = relay
        self._analyst = analyst
        self._gate = gate
        self._settings = settings
        self._clock = clock
        self._running: set[asyncio.Task[LeadAnalyzed | None]] = set()
        self.claims = Claims(AnalysisRow.id)

    async def on_stage_changed(self, event: LeadStageChanged) -> None:
        if not rises_into(event, list(self._settings.enrichment_analysis_stages)):
            return
        async with self._relay.transaction() as conn:
            if not await first_delivery(conn, inbox, event.event_id, event.subject):
                return
            if await repo.is_erased(conn, event.lead_id):
                return
            await store.add_job(
                conn,
                event.lead_id,
                trigger="stage_changed",
                trigger_event_id=event.event_id,
                now=self._clock(),
            )

    async def request(self, command: AnalyzeLead) -> CommandReply[AnalysisAnswer]:
        """Analyse now; the answer if it is ready within the wait, else `running` (the
        job goes on and is published when done; a crash leaves it to the work loop)."""
        now = self._clock()
        async with self._relay.transaction() as conn:
            if await repo.lead_facts(conn, command.lead_id) is None:
                error = FieldError(field="lead_id", message="Lead ist dem Enrichment unbekannt")
                return CommandReply(ok=False, errors=[error])
            job_id = await store.add_job(
                conn, command.lead_id, trigger="requested", now=now, lease_until=now + _LEASE
            )
            assert job_id is not None  # no trigger event: never a conflict
            self.claims.take([job_id], now + _LEASE)
        task = asyncio.create_task(self._run(job_id, command.lead_id, "requested"))
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        wait = self._settings.enrichment_analyze_wait_seconds
        done, _ = await asyncio.wait({task}, timeout=wait)
        if not done:
            return CommandReply(ok=True, data=AnalysisAnswer(status="running", analysis_id=job_id))
        analyzed = task.result()  # an exception here is answered as an error reply
        return CommandReply(
            ok=True, data=AnalysisAnswer(status="done", analysis_id=job_id, analyzed=analyzed)
        )

    async def analyse_due(self) -> int:
        """Run the due analysis jobs (auto analyses, and requests a crash left behind)."""
        now = self._clock()
        async with self._relay.transaction() as conn:
            jobs = await self.claims.claim_due(
                conn,
                [AnalysisRow.lead_id, AnalysisRow.trigger],
                now,
                limit=self._settings.enrichment_analysis_concurrency,
                lease_until=now + _LEASE,
            )
        await asyncio.gather(*(self._run(j["id"], j["lead_id"], j["trigger"]) for j in jobs))
        return len(jobs)

    async def stop(self) -> None:
        """Let requested analyses under way finish for a few seconds, then stop them (their
        jobs are released for the next process)."""
        if self._running:
            await asyncio.wait(set(self._running), timeout=5)
        for task in self._running:
            task.cancel()
        await asyncio.gather(*self._running, return_exceptions=True)

    async def _run(self, job_id: UUID, lead_id: UUID, trigger: str) -> LeadAnalyzed | None:
        with self.claims.working_on(job_id):
            return await self._analyse_job(job_id, lead_id, trigger)

    async def _analyse_job(self, job_id: UUID, lead_id: UUID, trigger: str) -> LeadAnalyzed | None:
        now = self._clock()
        async with self._relay.transaction() as conn:
            facts = await store.analysis_input(conn, lead_id, now.date())
            if facts is None:  # its lead.created has not come (yet): wait a while for it
                waited = await store.wait_for_lead(conn, job_id, now + _UNKNOWN_LEAD_WAIT)
                if not waited:
                    _log.warning("analysis dropped: lead unknown", lead_id=str(lead_id))
                return None
            digest = input_hash(facts)
            reused = None
            if self._analyst is not None:
                since = now - store.REUSE_WITHIN
                model = self._analyst.model
                reused = await store.reusable_result(conn, lead_id, digest, model, since)
            allowed = (
                reused is None and self._analyst is not None and await self._gate.spend(conn, now)
            )
        if reused is not None:
            outcome = _Outcome(reused, "claude", self._analyst_model, None)
        else:
            outcome = await self._analyse(facts, allowed)
        values: dict[str, Any] = {
            "method": outcome.method,
            "model": outcome.model,
            "input_hash": digest,
            "result": outcome.analysis.model_dump(mode="json"),
            "fallback_reason": outcome.fallback_reason,
        }
        analyzed = LeadAnalyzed(
            lead_id=lead_id,
            analysis_id=job_id,
            analysis=outcome.analysis,
            method=outcome.method,
            model=outcome.model,
            input_hash=digest,
            trigger="requested" if trigger == "requested" else "stage_changed",
            fallback_reason=outcome.fallback_reason,
        )
        async with self._relay.transaction() as conn:
            if not await store.finish_job(conn, job_id, values, self._clock()):
                return None
            await add_events(conn, outbox, [analyzed])
        _log.info(
            "lead analysed",
            lead_id=str(lead_id),
            method=outcome.method,
            fallback_reason=outcome.fallback_reason,
        )
        return analyzed

    @property
    def _analyst_model(self) -> str | None:
        return self._analyst.model if self._analyst is not None else None

    async def _analyse(self, facts: AnalysisInput, allowed: bool) -> _Outcome:
        if self._analyst is None:
            return _Outcome(rule_based_analysis(facts), "regelbasiert", None, NO_CLAUDE_KEY)
        if not allowed:
            return _Outcome(rule_based_analysis(facts), "regelbasiert", None, _NO_BUDGET)
        try:
            async with self._gate.call():
                analysis = await self._analyst.analyse(facts)
        except AnalysisFailed as exc:
            return _Outcome(rule_based_analysis(facts), "regelbasiert", None, str(exc))
        return _Outcome(analysis, "claude", self._analyst.model, None)
