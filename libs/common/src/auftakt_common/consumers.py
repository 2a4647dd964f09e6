"""Durable JetStream consumers for a service's event handlers, and how their messages are
settled: acknowledged after the handler's transaction committed, retried with back-off
when it failed, and dead-lettered when retrying cannot help.

Consumers are durable push consumers with a deliver group named after the service and
subject: replicas share the work, and a message reaches a handler the moment it is
stored. (A pull consumer in nats-py waits for a fetch to fill or time out before handing
over the first message, which adds its timeout to every event's latency at low rates.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

import structlog
from faststream import AckPolicy, BaseMiddleware
from faststream.message import StreamMessage
from faststream.nats import JStream, NatsBroker
from faststream.nats.message import NatsMessage
from nats.js.api import ConsumerConfig, DeliverPolicy
from pydantic import ValidationError

from .events import Event
from .streams import DEAD_LETTER_STREAM, EVENTS_STREAM

__all__ = [
    "ERROR_HEADER",
    "ORIGINAL_SUBJECT_HEADER",
    "dead_letter_subject",
    "durable_name",
    "event_subscriber",
    "settling_middleware",
]

ORIGINAL_SUBJECT_HEADER = "Auftakt-Original-Subject"
ERROR_HEADER = "Auftakt-Error"
_JS_ACK_PREFIX = "$JS.ACK."
_MAX_RETRY_DELAY = 60.0

_log = structlog.get_logger("auftakt.consumers")
_Handler = TypeVar("_Handler", bound=Callable[..., Awaitable[Any]])

# the streams exist already: `ensure_streams` declares them with their full configuration
_EVENTS = JStream(EVENTS_STREAM, declare=False)


def durable_name(service: str, subject: str) -> str:
    return f"{service}-{subject.replace('.', '-')}"


def dead_letter_subject(service: str, subject: str) -> str:
    return f"dlq.{service}.{subject}"


def event_subscriber(
    broker: NatsBroker,
    event: type[Event],
    *,
    service: str,
    max_workers: int = 256,
    max_deliver: int = 8,
    ack_wait: float = 30.0,
) -> Callable[[_Handler], _Handler]:
    """Register a handler for `event` on the service's durable consumer of its subject.

    The handler runs up to `max_workers` messages at once; `settling_middleware` acks."""
    subscriber = broker.subscriber(
        event.subject,
        # the deliver group names the durable consumer too (one per service and subject)
        queue=durable_name(service, event.subject),
        stream=_EVENTS,
        deliver_policy=DeliverPolicy.ALL,
        config=ConsumerConfig(
            max_deliver=max_deliver,
            ack_wait=ack_wait,
            max_ack_pending=max_workers * 4,
        ),
        max_workers=max_workers,
        ack_policy=AckPolicy.MANUAL,
        title=f"{service}: {event.subject}",
    )
    return cast(Callable[[_Handler], _Handler], subscriber)


def _retry_delay(delivered: int) -> float:
    return float(min(_MAX_RETRY_DELAY, 0.5 * 2 ** (delivered - 1)))


def settling_middleware(
    broker: NatsBroker, *, service: str, max_deliver: int = 8
) -> type[BaseMiddleware]:
    """A broker middleware that settles every JetStream message its handlers receive.

    Success: ack. Failure: nak with exponential back-off (0.5 s … 60 s). A message that
    cannot be decoded, or failed `max_deliver` times, goes to `dlq.<service>.<subject>`
    in the dead-letter stream (headers say why) and is terminated: no endless retries, and
    ops can inspect and replay it. Core NATS requests pass through untouched."""

    async def dead_letter(msg: NatsMessage, error: BaseException) -> None:
        subject = msg.raw_message.subject
        await broker.publish(
            msg.body,
            dead_letter_subject(service, subject),
            headers={
                ORIGINAL_SUBJECT_HEADER: subject,
                ERROR_HEADER: repr(error)[:500],
                **{k: v for k, v in (msg.headers or {}).items() if not k.startswith("Nats-")},
            },
            stream=DEAD_LETTER_STREAM,
        )
        await msg.reject()

    class Settle(BaseMiddleware):
        async def consume_scope(
            self, call_next: Callable[[StreamMessage[Any]], Awaitable[Any]], msg: StreamMessage[Any]
        ) -> Any:
            if not isinstance(msg, NatsMessage):
                return await call_next(msg)
            reply = getattr(msg.raw_message, "reply", "") or ""
            if not reply.startswith(_JS_ACK_PREFIX):
                return await call_next(msg)
            try:
                result = await call_next(msg)
            except Exception as exc:
                delivered = msg.raw_message.metadata.num_delivered
                log = _log.bind(subject=msg.raw_message.subject, delivered=delivered)
                if isinstance(exc, ValidationError) or delivered >= max_deliver:
                    log.error("message dead-lettered", error=repr(exc))
                    await dead_letter(msg, exc)
                else:
                    log.warning("message failed, will retry", error=repr(exc))
                    await msg.nack(delay=_retry_delay(delivered))
                return None
            await msg.ack()
            return result

    return Settle
