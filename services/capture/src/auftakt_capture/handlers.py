"""Capture's messages: erasure requests (the lead and everything of it deleted, its data
key destroyed, so every copy elsewhere is unreadable) and the commands that read and
change the website content (forms, the price table, quizzes) for the dashboard's
editors. Each answered by one process of the service (queue group `capture`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog
from auftakt_common.command_replies import answer, answer_command
from auftakt_common.commands import CommandReply, FieldError
from auftakt_common.consumers import event_subscriber, raw_body
from auftakt_common.content import (
    CAPTURE_FORM_PUT,
    CAPTURE_FORMS_LIST,
    CAPTURE_PRICES_GET,
    CAPTURE_PRICES_PUT,
    CAPTURE_QUIZ_PUT,
    CAPTURE_QUIZZES_LIST,
    FormDefinition,
    FormDefinitions,
    PriceTable,
    QuizDefinition,
    QuizDefinitions,
)
from auftakt_common.events import LeadErasureRequested
from auftakt_common.inbox import first_delivery
from auftakt_common.outbox import erase_lead_events
from auftakt_common.vault_store import KeyStore
from faststream.nats import NatsBroker
from pydantic import BaseModel
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncConnection

from . import content_store as store
from .context import Capture
from .domain import is_allowed_redirect
from .models import Lead, inbox, outbox

__all__ = ["SERVICE", "register_handlers"]

SERVICE = "capture"
_log = structlog.get_logger("auftakt.capture")
_Model = TypeVar("_Model", bound=BaseModel)


def register_handlers(broker: NatsBroker, capture: Capture) -> None:
    keys = KeyStore(capture.settings.vault())

    @event_subscriber(broker, LeadErasureRequested, service=SERVICE)
    async def on_lead_erasure_requested(event: LeadErasureRequested) -> None:
        async with capture.relay.transaction() as conn:
            if not await first_delivery(conn, inbox, event.event_id, event.subject):
                return
            # submissions, consents, lead magnets, visitors and activities go with it
            await conn.execute(delete(Lead).where(Lead.id == event.lead_id))
            await erase_lead_events(conn, outbox, [event.lead_id])
            shredded = await keys.shred(conn, event.lead_id)
        _log.info("lead erased", lead_id=str(event.lead_id), key_destroyed=shredded)

    async def saved(
        save: Callable[[AsyncConnection, _Model], Awaitable[_Model]], model: _Model
    ) -> CommandReply[_Model]:
        async with capture.relay.transaction() as conn:
            stored = await save(conn, model)
        capture.content.forget()
        return CommandReply(ok=True, data=stored)

    async def read() -> store.Content:
        async with capture.engine.connect() as conn:
            return await store.load_content(conn)

    async def forms_reply() -> CommandReply[FormDefinitions]:
        content = await read()
        return CommandReply(ok=True, data=FormDefinitions(forms=list(content.forms.values())))

    async def prices_reply() -> CommandReply[PriceTable]:
        return CommandReply(ok=True, data=(await read()).prices)

    async def quizzes_reply() -> CommandReply[QuizDefinitions]:
        content = await read()
        return CommandReply(ok=True, data=QuizDefinitions(quizzes=list(content.quizzes.values())))

    @broker.subscriber(CAPTURE_FORMS_LIST, queue=SERVICE, decoder=raw_body)
    async def list_forms(body: bytes) -> CommandReply[FormDefinitions]:
        return await answer(forms_reply())

    async def save_form(form: FormDefinition) -> CommandReply[FormDefinition]:
        origins = capture.settings.capture_allowed_origins
        if form.thank_you_url and not is_allowed_redirect(form.thank_you_url, origins):
            message = (
                "Die Danke-Seite muss eine vollständige Adresse auf einer der Websites sein "
                f"({', '.join(origins)})"
            )
            error = FieldError(field="thank_you_url", message=message)
            return CommandReply(ok=False, errors=[error])
        return await saved(store.put_form, form)

    @broker.subscriber(CAPTURE_FORM_PUT, queue=SERVICE, decoder=raw_body)
    async def put_form(body: bytes) -> CommandReply[FormDefinition]:
        return await answer_command(FormDefinition, body, save_form)

    @broker.subscriber(CAPTURE_PRICES_GET, queue=SERVICE, decoder=raw_body)
    async def get_prices(body: bytes) -> CommandReply[PriceTable]:
        return await answer(prices_reply())

    @broker.subscriber(CAPTURE_PRICES_PUT, queue=SERVICE, decoder=raw_body)
    async def put_prices(body: bytes) -> CommandReply[PriceTable]:
        return await answer_command(
            PriceTable, body, lambda table: saved(store.put_price_table, table)
        )

    @broker.subscriber(CAPTURE_QUIZZES_LIST, queue=SERVICE, decoder=raw_body)
    async def list_quizzes(body: bytes) -> CommandReply[QuizDefinitions]:
        return await answer(quizzes_reply())

    @broker.subscriber(CAPTURE_QUIZ_PUT, queue=SERVICE, decoder=raw_body)
    async def put_quiz(body: bytes) -> CommandReply[QuizDefinition]:
        return await answer_command(QuizDefinition, body, lambda quiz: saved(store.put_quiz, quiz))
