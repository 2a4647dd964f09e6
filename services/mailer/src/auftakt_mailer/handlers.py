"""The mailer's message handlers: lead events in (each reaction one transaction, acked
after it commits), and the sequence commands of the admin's editor."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from auftakt_common.command_replies import answer, answer_command
from auftakt_common.commands import (
    MAILER_SEQUENCE_PREVIEW,
    MAILER_SEQUENCE_PUT,
    MAILER_SEQUENCES_LIST,
    CommandReply,
    MailPreview,
    MailSequence,
    MailSequences,
    PreviewMail,
)
from auftakt_common.consumers import event_subscriber, raw_body
from auftakt_common.events import (
    ActivityRecorded,
    ConsentConfirmed,
    ConsentRequested,
    EmailBounced,
    EmailComplained,
    EmailReplied,
    Event,
    LeadAssigned,
    LeadCreated,
    LeadErasureRequested,
    LeadMagnetDownloaded,
    LeadOptedOut,
    LeadStageChanged,
    LeadStatusChanged,
    LeadUpdated,
)
from auftakt_common.outbox import OutboxRelay
from faststream.nats import NatsBroker

from . import repository as repo
from .domain import magnet_context
from .reactions import Reactions
from .sequences import (
    SequenceBook,
    definition_of,
    position_errors,
    sequence_errors,
    to_command,
)
from .settings import MailerSettings

__all__ = ["MAX_IN_FLIGHT", "SERVICE", "register_handlers"]

SERVICE = "mailer"
# each reaction is its own transaction: a modest window of unacknowledged messages
MAX_IN_FLIGHT = 256
_Handler = TypeVar("_Handler", bound=Callable[..., Awaitable[Any]])


def register_handlers(
    broker: NatsBroker,
    reactions: Reactions,
    book: SequenceBook,
    relay: OutboxRelay,
    settings: MailerSettings,
    wake_dispatcher: Callable[[], None],
    preview: Callable[[PreviewMail], Awaitable[CommandReply[MailPreview]]],
) -> None:
    def subscriber(event: type[Event]) -> Callable[[_Handler], _Handler]:  # noqa: UP047
        return event_subscriber(broker, event, service=SERVICE, max_in_flight=MAX_IN_FLIGHT)

    @subscriber(LeadCreated)
    async def on_lead_created(event: LeadCreated) -> None:
        await reactions.lead_snapshot(event)
        wake_dispatcher()  # a first step may go out at once

    @subscriber(LeadUpdated)
    async def on_lead_updated(event: LeadUpdated) -> None:
        await reactions.lead_snapshot(event)

    @subscriber(ConsentRequested)
    async def on_consent_requested(event: ConsentRequested) -> None:
        await reactions.consent_requested(event)
        wake_dispatcher()  # the double-opt-in mail goes out at once

    @subscriber(LeadMagnetDownloaded)
    async def on_lead_magnet_downloaded(event: LeadMagnetDownloaded) -> None:
        fields = {"magnet_type": event.magnet_type, "magnet_name": event.magnet_name}
        context = magnet_context(event.magnet_type, event.quiz_results)
        await reactions.triggered(event.lead_id, event, fields, context)
        wake_dispatcher()

    @subscriber(ActivityRecorded)
    async def on_activity_recorded(event: ActivityRecorded) -> None:
        await reactions.activity(event)

    @subscriber(ConsentConfirmed)
    async def on_consent_confirmed(event: ConsentConfirmed) -> None:
        await reactions.consent_confirmed(event)
        wake_dispatcher()

    @subscriber(LeadOptedOut)
    async def on_lead_opted_out(event: LeadOptedOut) -> None:
        await reactions.stop(event.lead_id, "opted_out_at", event.occurred_at, "opted_out")

    @subscriber(EmailBounced)
    async def on_email_bounced(event: EmailBounced) -> None:
        if event.permanent:  # a soft bounce may recover: the next mail is tried
            await reactions.stop(event.lead_id, "bounced_at", event.occurred_at, "bounced")

    @subscriber(EmailComplained)
    async def on_email_complained(event: EmailComplained) -> None:
        await reactions.stop(event.lead_id, "complained_at", event.occurred_at, "complained")

    @subscriber(EmailReplied)
    async def on_email_replied(event: EmailReplied) -> None:
        await reactions.stop(event.lead_id, "replied_at", event.occurred_at, "replied")

    @subscriber(LeadStatusChanged)
    async def on_lead_status_changed(event: LeadStatusChanged) -> None:
        await reactions.pipeline_status(event.lead_id, event.status)

    @subscriber(LeadAssigned)
    async def on_lead_assigned(event: LeadAssigned) -> None:
        await reactions.assigned(event)

    @subscriber(LeadStageChanged)
    async def on_lead_stage_changed(event: LeadStageChanged) -> None:
        await reactions.stage_changed(event)
        wake_dispatcher()

    @subscriber(LeadErasureRequested)
    async def on_lead_erasure_requested(event: LeadErasureRequested) -> None:
        await reactions.erase(event.lead_id)

    async def list_sequences() -> CommandReply[MailSequences]:
        async with relay.transaction() as conn:
            sequences = await repo.list_sequences(conn)
        return CommandReply(
            ok=True, data=MailSequences(sequences=[to_command(s) for s in sequences])
        )

    async def put_sequence(sequence: MailSequence) -> CommandReply[MailSequence]:
        if errors := sequence_errors(sequence):
            return CommandReply(ok=False, errors=errors)
        async with relay.transaction() as conn:
            existing = {s.key: s for s in await repo.list_sequences(conn)}.get(sequence.key)
            if errors := position_errors(sequence, existing):
                return CommandReply(ok=False, errors=errors)
            await repo.save_sequence(conn, definition_of(sequence, existing))
            saved = next(s for s in await repo.list_sequences(conn) if s.key == sequence.key)
            await repo.pause_enrolments(conn, saved.id, paused=not saved.active)
        book.invalidate()
        return CommandReply(ok=True, data=to_command(saved))

    @broker.subscriber(MAILER_SEQUENCES_LIST, queue=SERVICE, decoder=raw_body)
    async def on_list_sequences(_: bytes) -> CommandReply[MailSequences]:
        return await answer(list_sequences())

    @broker.subscriber(MAILER_SEQUENCE_PREVIEW, queue=SERVICE, decoder=raw_body)
    async def on_preview_sequence(body: bytes) -> CommandReply[MailPreview]:
        return await answer_command(PreviewMail, body, preview)

    @broker.subscriber(MAILER_SEQUENCE_PUT, queue=SERVICE, decoder=raw_body)
    async def on_put_sequence(body: bytes) -> CommandReply[MailSequence]:
        return await answer_command(MailSequence, body, put_sequence)
