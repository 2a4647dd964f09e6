"""enrichment's message handlers: new and updated leads are linked to their company;
what leads do is recorded (in batches) for the roll-ups and the analysis; a lead rising
into a hot stage is analysed; erasure requests delete what is held of the lead. And the
commands: analyse a lead now, a company's profile, sales' targeting."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from auftakt_common.command_replies import answer_command
from auftakt_common.commands import (
    ENRICHMENT_ANALYZE,
    ENRICHMENT_COMPANY_GET,
    ENRICHMENT_COMPANY_PUT,
    AnalysisAnswer,
    AnalyzeLead,
    CommandReply,
    CompanyProfile,
    CompanyTargeting,
    FindCompany,
)
from auftakt_common.consumers import event_subscriber, raw_body
from auftakt_common.events import (
    ActivityRecorded,
    Event,
    LeadCreated,
    LeadErasureRequested,
    LeadMagnetDownloaded,
    LeadScored,
    LeadStageChanged,
    LeadUpdated,
)
from faststream.nats import NatsBroker

from .analyzer import Analyzer
from .enricher import Enricher
from .recorder import BehaviourRecorder
from .settings import EnrichmentSettings

__all__ = ["SERVICE", "register_handlers"]

SERVICE = "enrichment"
_Handler = TypeVar("_Handler", bound=Callable[..., Awaitable[Any]])
# requests answered at once per process: an analysis may wait seconds for Claude
_COMMAND_WORKERS = 8


def register_handlers(
    broker: NatsBroker,
    enricher: Enricher,
    recorder: BehaviourRecorder,
    analyzer: Analyzer,
    settings: EnrichmentSettings,
) -> None:
    def subscriber(event: type[Event]) -> Callable[[_Handler], _Handler]:  # noqa: UP047
        return event_subscriber(
            broker, event, service=SERVICE, max_in_flight=settings.enrichment_max_in_flight
        )

    @subscriber(LeadCreated)
    async def on_lead_created(event: LeadCreated) -> None:
        await enricher.on_lead(event)

    @subscriber(LeadUpdated)
    async def on_lead_updated(event: LeadUpdated) -> None:
        await enricher.on_lead(event)

    @subscriber(ActivityRecorded)
    async def on_activity_recorded(event: ActivityRecorded) -> asyncio.Future[None]:
        return recorder.add(event)

    @subscriber(LeadMagnetDownloaded)
    async def on_lead_magnet_downloaded(event: LeadMagnetDownloaded) -> asyncio.Future[None]:
        return recorder.add(event)

    @subscriber(LeadScored)
    async def on_lead_scored(event: LeadScored) -> asyncio.Future[None]:
        return recorder.add(event)

    @subscriber(LeadStageChanged)
    async def on_lead_stage_changed(event: LeadStageChanged) -> None:
        await analyzer.on_stage_changed(event)

    @subscriber(LeadErasureRequested)
    async def on_lead_erasure_requested(event: LeadErasureRequested) -> None:
        await recorder.drain(timeout=10)  # what it still records of the lead goes first
        await enricher.on_erasure(event)

    @broker.subscriber(
        ENRICHMENT_ANALYZE, queue=SERVICE, decoder=raw_body, max_workers=_COMMAND_WORKERS
    )
    async def analyze(body: bytes) -> CommandReply[AnalysisAnswer]:
        return await answer_command(AnalyzeLead, body, analyzer.request)

    @broker.subscriber(ENRICHMENT_COMPANY_GET, queue=SERVICE, decoder=raw_body)
    async def company(body: bytes) -> CommandReply[CompanyProfile]:
        return await answer_command(FindCompany, body, enricher.profile)

    @broker.subscriber(ENRICHMENT_COMPANY_PUT, queue=SERVICE, decoder=raw_body)
    async def put_company(body: bytes) -> CommandReply[CompanyProfile]:
        return await answer_command(CompanyTargeting, body, enricher.set_targeting)
