"""Scoring's message handlers: events in, scores out; and the rule book's commands.

Each event handler hands its event to the scorer and returns the future of its commit;
the settling middleware acks once it resolves (or naks for a retry). Commands are
answered by one replica.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from auftakt_common.command_replies import answer, answer_command
from auftakt_common.commands import (
    SCORING_MAPPING_DELETE,
    SCORING_MAPPING_PUT,
    SCORING_RULE_PUT,
    SCORING_RULES_LIST,
    ActivityMapping,
    CommandReply,
    DeleteActivityMapping,
    ScoringConfiguration,
    ScoringRule,
)
from auftakt_common.consumers import current_correlation_id, event_subscriber, raw_body
from auftakt_common.events import (
    ActivityRecorded,
    EmailBounced,
    EmailClicked,
    EmailOpened,
    Event,
    LeadCreated,
    LeadEnriched,
    LeadErasureRequested,
    LeadMagnetDownloaded,
    LeadUpdated,
)
from faststream.nats import NatsBroker

from .scorer import Received, Scorer
from .settings import ScoringSettings

__all__ = ["SERVICE", "register_handlers"]

_Handler = TypeVar("_Handler", bound=Callable[..., Awaitable[Any]])

SERVICE = "scoring"


def register_handlers(broker: NatsBroker, scorer: Scorer, settings: ScoringSettings) -> None:
    def subscriber(event: type[Event]) -> Callable[[_Handler], _Handler]:  # noqa: UP047
        return event_subscriber(
            broker,
            event,
            service=SERVICE,
            max_in_flight=settings.scoring_max_in_flight,
        )

    def score(event: Event) -> asyncio.Future[None]:
        return scorer.add(Received(event, current_correlation_id.get()))

    @subscriber(ActivityRecorded)
    async def on_activity_recorded(event: ActivityRecorded) -> asyncio.Future[None]:
        return score(event)

    @subscriber(LeadMagnetDownloaded)
    async def on_lead_magnet_downloaded(event: LeadMagnetDownloaded) -> asyncio.Future[None]:
        return score(event)

    @subscriber(LeadCreated)
    async def on_lead_created(event: LeadCreated) -> asyncio.Future[None]:
        return score(event)

    @subscriber(LeadUpdated)
    async def on_lead_updated(event: LeadUpdated) -> asyncio.Future[None]:
        return score(event)

    @subscriber(LeadEnriched)
    async def on_lead_enriched(event: LeadEnriched) -> asyncio.Future[None]:
        return score(event)

    @subscriber(EmailOpened)
    async def on_email_opened(event: EmailOpened) -> asyncio.Future[None]:
        return score(event)

    @subscriber(EmailClicked)
    async def on_email_clicked(event: EmailClicked) -> asyncio.Future[None]:
        return score(event)

    @subscriber(EmailBounced)
    async def on_email_bounced(event: EmailBounced) -> asyncio.Future[None]:
        return score(event)

    @subscriber(LeadErasureRequested)
    async def on_lead_erasure_requested(event: LeadErasureRequested) -> asyncio.Future[None]:
        return score(event)  # in the same batches, so it is serialised with scoring

    @broker.subscriber(SCORING_RULES_LIST, queue=SERVICE, decoder=raw_body)
    async def on_list_rules(_: bytes) -> CommandReply[ScoringConfiguration]:
        return await answer(scorer.configuration_reply())

    @broker.subscriber(SCORING_RULE_PUT, queue=SERVICE, decoder=raw_body)
    async def on_put_rule(body: bytes) -> CommandReply[ScoringRule]:
        return await answer_command(ScoringRule, body, scorer.put_rule)

    @broker.subscriber(SCORING_MAPPING_PUT, queue=SERVICE, decoder=raw_body)
    async def on_put_mapping(body: bytes) -> CommandReply[ActivityMapping]:
        return await answer_command(ActivityMapping, body, scorer.put_mapping)

    @broker.subscriber(SCORING_MAPPING_DELETE, queue=SERVICE, decoder=raw_body)
    async def on_delete_mapping(body: bytes) -> CommandReply[None]:
        return await answer_command(
            DeleteActivityMapping, body, lambda command: scorer.delete_mapping(command.id)
        )
