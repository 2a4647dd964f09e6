"""Scoring's message handlers: events in, scores out; and the rule book's commands.

Each event handler hands its event to the scorer and returns the future of its commit;
the settling middleware acks once it resolves (or naks for a retry). Commands are
answered by one replica.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import structlog
from auftakt_common.commands import (
    SCORING_MAPPING_DELETE,
    SCORING_MAPPING_PUT,
    SCORING_RULE_PUT,
    SCORING_RULES_LIST,
    ActivityMapping,
    CommandReply,
    DeleteActivityMapping,
    FieldError,
    ScoringConfiguration,
    ScoringRule,
    field_errors,
)
from auftakt_common.consumers import current_correlation_id, event_subscriber, raw_body
from auftakt_common.db import is_database_unavailable
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
from pydantic import BaseModel, ValidationError

from .scorer import Received, Scorer
from .settings import ScoringSettings

__all__ = ["SERVICE", "register_handlers"]

_Command = TypeVar("_Command", bound=BaseModel)
_Data = TypeVar("_Data")
_log = structlog.get_logger("auftakt.scoring")
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
        return await _answer(scorer.configuration_reply())

    @broker.subscriber(SCORING_RULE_PUT, queue=SERVICE, decoder=raw_body)
    async def on_put_rule(body: bytes) -> CommandReply[ScoringRule]:
        rule = _parse(ScoringRule, body)
        if isinstance(rule, CommandReply):
            return rule
        return await _answer(scorer.put_rule(rule))

    @broker.subscriber(SCORING_MAPPING_PUT, queue=SERVICE, decoder=raw_body)
    async def on_put_mapping(body: bytes) -> CommandReply[ActivityMapping]:
        mapping = _parse(ActivityMapping, body)
        if isinstance(mapping, CommandReply):
            return mapping
        return await _answer(scorer.put_mapping(mapping))

    @broker.subscriber(SCORING_MAPPING_DELETE, queue=SERVICE, decoder=raw_body)
    async def on_delete_mapping(body: bytes) -> CommandReply[None]:
        command = _parse(DeleteActivityMapping, body)
        if isinstance(command, CommandReply):
            return command
        return await _answer(scorer.delete_mapping(command.id))


def _parse(model: type[_Command], body: bytes) -> _Command | CommandReply[Any]:
    """The command, or a reply naming the fields that are wrong."""
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        return CommandReply(ok=False, errors=field_errors(exc))


async def _answer(work: Awaitable[CommandReply[_Data]]) -> CommandReply[_Data]:
    """The reply; an error reply rather than silence when the database fails, so the
    editor shows why instead of waiting for a timeout."""
    try:
        return await work
    except Exception as exc:
        if not is_database_unavailable(exc):
            _log.exception("command failed")
            message = "interner Fehler, nichts wurde geändert"
        else:
            message = "Datenbank nicht erreichbar, bitte gleich noch einmal versuchen"
        return CommandReply(ok=False, errors=[FieldError(field="", message=message)])
