"""The JetStream streams events live in, created (or brought up to date) idempotently at start."""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError

__all__ = ["EVENTS_STREAM", "DEAD_LETTER_STREAM", "stream_configs", "ensure_streams"]

EVENTS_STREAM = "AUFTAKT_EVENTS"
DEAD_LETTER_STREAM = "AUFTAKT_DLQ"

# Aggregates whose events go through the stream: `<aggregate>.<past-tense verb>`.
_AGGREGATES = ("lead", "activity", "consent", "email", "company", "notification")
_DAY = 24 * 3600.0


def stream_configs(replicas: int = 1) -> list[StreamConfig]:
    # PostgreSQL is the record, the stream is transport: keep two weeks for replays and
    # new consumers; the outbox can re-publish older ranges. The duplicate window covers
    # an outbox relay retrying a batch whose acks were lost.
    return [
        StreamConfig(
            name=EVENTS_STREAM,
            subjects=[f"{aggregate}.>" for aggregate in _AGGREGATES],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            discard=DiscardPolicy.OLD,
            num_replicas=replicas,
            max_age=14 * _DAY,
            duplicate_window=600.0,
            # outbox relays publish a batch atomically: one fsync for all of it
            allow_atomic=True,
        ),
        StreamConfig(
            name=DEAD_LETTER_STREAM,
            subjects=["dlq.>"],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            num_replicas=replicas,
            max_age=90 * _DAY,
        ),
    ]


async def ensure_streams(js: JetStreamContext, replicas: int = 1) -> None:
    for config in stream_configs(replicas):
        try:
            await js.add_stream(config)
        except BadRequestError:
            # exists with another configuration: bring it to ours
            await js.update_stream(config)
