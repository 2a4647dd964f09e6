"""Durable JetStream consumers for a service's event handlers, and how their messages are
settled: acknowledged after the handler's transaction committed, retried with back-off
when it failed, and dead-lettered when retrying cannot help.

Consumers are durable push consumers with a deliver group named after the service and
subject: replicas share the work, and a message reaches a handler the moment it is
stored. (A pull consumer in nats-py waits for a fetch to fill or time out before handing
over the first message, which adds its timeout to every event's latency at low rates.)
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any, TypeVar, cast

import structlog
from faststream import AckPolicy, BaseMiddleware
from faststream.message import StreamMessage
from faststream.nats import JStream, NatsBroker
from faststream.nats.message import NatsMessage
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from pydantic import ValidationError

from .db import is_database_unavailable
from .events import Event
from .messaging import CORRELATION_HEADER, MSG_ID_HEADER
from .streams import DEAD_LETTER_STREAM, EVENTS_STREAM

__all__ = [
    "ERROR_HEADER",
    "current_correlation_id",
    "ORIGINAL_SUBJECT_HEADER",
    "dead_letter_subject",
    "durable_name",
    "event_subscriber",
    "raw_body",
    "Settler",
    "update_consumers",
]

ORIGINAL_SUBJECT_HEADER = "Auftakt-Original-Subject"
ERROR_HEADER = "Auftakt-Error"
_JS_ACK_PREFIX = "$JS.ACK."
# errors that no retry can fix: the message itself is broken
_UNDECODABLE = (ValidationError, json.JSONDecodeError, UnicodeDecodeError)
_MAX_RETRY_DELAY = 60.0

_log = structlog.get_logger("auftakt.consumers")

current_correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
"""The correlation id of the message being handled (set by `Settler`). Cheaper
than a handler parameter taking the message: FastStream resolves context parameters
through a worker thread, per message."""
_Handler = TypeVar("_Handler", bound=Callable[..., Awaitable[Any]])

# the streams exist already: `ensure_streams` declares them with their full configuration
_EVENTS = JStream(EVENTS_STREAM, declare=False)


def durable_name(service: str, subject: str) -> str:
    return f"{service}-{subject.replace('.', '-')}"


def dead_letter_subject(service: str, subject: str) -> str:
    return f"dlq.{service}.{subject}"


def _delivery_settings(max_in_flight: int, ack_wait: float) -> dict[str, Any]:
    return {
        # the server never gives up on a message by itself (it would drop it unseen):
        # `Settler` decides when a failure goes to the dead letters
        "max_deliver": -1,
        "ack_wait": ack_wait,
        "max_ack_pending": max_in_flight,
    }


async def update_consumers(
    js: JetStreamContext, service: str, *, max_in_flight: int = 1024, ack_wait: float = 30.0
) -> None:
    """Bring a service's existing durable consumers to the current settings (binding to
    an existing consumer does not change it; creating one with the same name does)."""
    try:
        consumers = await js.consumers_info(EVENTS_STREAM)
    except NotFoundError:
        return  # no stream yet, so no consumers
    wanted = _delivery_settings(max_in_flight, ack_wait)
    for consumer in consumers:
        config = consumer.config
        if not (consumer.name or "").startswith(f"{service}-"):
            continue
        if all(getattr(config, key) == value for key, value in wanted.items()):
            continue
        await js.add_consumer(EVENTS_STREAM, dataclasses.replace(config, **wanted))
        _log.info("consumer settings updated", consumer=consumer.name, **wanted)


def event_subscriber(
    broker: NatsBroker,
    event: type[Event],
    *,
    service: str,
    max_in_flight: int = 1024,
    ack_wait: float = 30.0,
) -> Callable[[_Handler], _Handler]:
    """Register a handler for `event` on the service's durable consumer of its subject.

    Handlers run one after another as messages arrive. A handler that returns a future
    (work queued for a group commit) is settled when the future resolves, so at most
    `max_in_flight` messages wait for their commit; `Settler` settles. The
    handler receives the event itself, decoded by pydantic from the raw bytes, so a
    broker built with `apply_types=False` skips FastStream's per-message injection."""

    async def decode(msg: StreamMessage[Any]) -> Event:
        return event.model_validate_json(msg.body)

    subscriber = broker.subscriber(
        event.subject,
        # the deliver group names the durable consumer too (one per service and subject)
        queue=durable_name(service, event.subject),
        stream=_EVENTS,
        deliver_policy=DeliverPolicy.ALL,
        config=ConsumerConfig(**_delivery_settings(max_in_flight, ack_wait)),
        ack_policy=AckPolicy.MANUAL,
        no_reply=True,
        decoder=decode,
        title=f"{service}: {event.subject}",
    )
    return cast(Callable[[_Handler], _Handler], subscriber)


async def raw_body(msg: StreamMessage[Any]) -> bytes:
    """A decoder handing a handler the message body as it came (commands parse it
    themselves, to answer with field errors)."""
    return msg.body


def _retry_delay(delivered: int) -> float:
    return float(min(_MAX_RETRY_DELAY, 0.5 * 2 ** (delivered - 1)))


class Settler:
    """Settles every JetStream message a broker's handlers receive; `middleware` goes to
    `broker.add_middleware`.

    Success: ack (for a handler that returned a future: once it resolves). Failure: nak
    with exponential back-off (0.5 s … 60 s). While the database is unavailable a message
    is retried for as long as the outage lasts. A message that cannot be decoded, or
    failed `max_deliver` times for another reason, goes to `dlq.<service>.<subject>` in
    the dead-letter stream (headers say why) and is terminated: no endless retries, and ops
    can inspect and replay it (`auftakt dlq`). Core NATS requests pass through untouched."""

    def __init__(self, broker: NatsBroker, *, service: str, max_deliver: int = 8) -> None:
        self.middleware = _settling_middleware(broker, self, service, max_deliver)
        self._pending: set[asyncio.Task[None]] = set()

    def track(self, task: asyncio.Task[None]) -> None:
        self._pending.add(task)  # keep a reference until it ran
        task.add_done_callback(self._pending.discard)

    async def settled(self, timeout: float) -> None:
        """Wait for acks and naks under way (shutdown: before the connection closes)."""
        if self._pending:
            await asyncio.wait(set(self._pending), timeout=timeout)


def _settling_middleware(
    broker: NatsBroker, settler: Settler, service: str, max_deliver: int
) -> type[BaseMiddleware]:
    async def dead_letter(msg: NatsMessage, error: BaseException) -> None:
        subject = msg.raw_message.subject
        metadata = msg.raw_message.metadata
        await broker.publish(
            msg.body,
            dead_letter_subject(service, subject),
            headers={
                **{k: v for k, v in (msg.headers or {}).items() if not k.startswith("Nats-")},
                ORIGINAL_SUBJECT_HEADER: subject,
                ERROR_HEADER: repr(error)[:500],
                # a second dead-lettering of the same delivery (lost term) is dropped
                MSG_ID_HEADER: f"{service}-{metadata.stream}-{metadata.sequence.stream}",
            },
            stream=DEAD_LETTER_STREAM,
        )
        await msg.reject()

    async def settle(msg: NatsMessage, error: BaseException | None) -> None:
        if error is None:
            await msg.ack()
            return
        delivered = msg.raw_message.metadata.num_delivered
        log = _log.bind(subject=msg.raw_message.subject, delivered=delivered)
        transient = is_database_unavailable(error)
        if not transient and (isinstance(error, _UNDECODABLE) or delivered >= max_deliver):
            log.error("message dead-lettered", error=repr(error))
            try:
                await dead_letter(msg, error)
                return
            except Exception as exc:  # the broker is failing too: keep it, try later
                log.warning("dead-lettering failed, will retry", error=repr(exc))
        else:
            log.warning("message failed, will retry", error=repr(error), transient=transient)
        await msg.nack(delay=_retry_delay(delivered))

    async def settle_quietly(msg: NatsMessage, error: BaseException | None) -> None:
        try:
            await settle(msg, error)
        except Exception as exc:  # e.g. the connection closed: JetStream redelivers it
            _log.warning("could not settle message", error=repr(exc))

    def settle_later(msg: NatsMessage, done: asyncio.Future[None]) -> None:
        if done.cancelled():
            return  # shutting down: unacknowledged, so JetStream delivers it again
        settler.track(asyncio.create_task(settle_quietly(msg, done.exception())))

    class Settle(BaseMiddleware):
        async def consume_scope(
            self, call_next: Callable[[StreamMessage[Any]], Awaitable[Any]], msg: StreamMessage[Any]
        ) -> Any:
            if not isinstance(msg, NatsMessage):
                return await call_next(msg)
            reply = getattr(msg.raw_message, "reply", "") or ""
            if not reply.startswith(_JS_ACK_PREFIX):
                return await call_next(msg)
            current_correlation_id.set((msg.headers or {}).get(CORRELATION_HEADER))
            try:
                result = await call_next(msg)
            except Exception as exc:
                await settle(msg, exc)
                return None
            if isinstance(result, asyncio.Future):
                result.add_done_callback(functools.partial(settle_later, msg))
                return None
            await msg.ack()
            return result

    return Settle
