"""enrichment's message handlers: new and updated leads are linked to their company;
erasure requests delete what is held of the lead."""

from __future__ import annotations

from auftakt_common.consumers import event_subscriber
from auftakt_common.events import LeadCreated, LeadErasureRequested, LeadUpdated
from faststream.nats import NatsBroker

from .enricher import Enricher
from .settings import EnrichmentSettings

__all__ = ["SERVICE", "register_handlers"]

SERVICE = "enrichment"


def register_handlers(broker: NatsBroker, enricher: Enricher, settings: EnrichmentSettings) -> None:
    in_flight = settings.enrichment_max_in_flight

    @event_subscriber(broker, LeadCreated, service=SERVICE, max_in_flight=in_flight)
    async def on_lead_created(event: LeadCreated) -> None:
        await enricher.on_lead(event)

    @event_subscriber(broker, LeadUpdated, service=SERVICE, max_in_flight=in_flight)
    async def on_lead_updated(event: LeadUpdated) -> None:
        await enricher.on_lead(event)

    @event_subscriber(broker, LeadErasureRequested, service=SERVICE, max_in_flight=in_flight)
    async def on_lead_erasure_requested(event: LeadErasureRequested) -> None:
        await enricher.on_erasure(event)
