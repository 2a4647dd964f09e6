"""Rebuild the read model from the event stream: empty it, replay every event the stream
still holds through the projector, and put sales' own state (pipeline) back on the rows.

The stream keeps events for its retention (two weeks); older events come back with each
service's `auftakt outbox republish` before a rebuild (see docs/admin.md)."""

from __future__ import annotations

import time
from uuid import uuid4

import structlog
from auftakt_common.events import event_for_subject
from auftakt_common.messaging import connect_nats
from auftakt_common.streams import EVENTS_STREAM
from auftakt_common.vault_store import KeyStore
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncEngine

from .models import SCHEMA, inbox
from .projection import PROJECTED_EVENTS, project

__all__ = ["rebuild_projection"]

_log = structlog.get_logger("auftakt.admin.rebuild")
_PROJECTED_SUBJECTS = [event.subject for event in PROJECTED_EVENTS]


async def rebuild_projection(
    engine: AsyncEngine, keys: KeyStore, nats_url: str, *, batch: int = 1000
) -> int:
    """Replay the stream into an emptied read model; the number of events replayed."""
    started = time.perf_counter()
    async with engine.begin() as conn:
        await conn.execute(
            text(
                f"TRUNCATE {SCHEMA}.leads, {SCHEMA}.activities, {SCHEMA}.score_history, "
                f"{SCHEMA}.email_events, {SCHEMA}.alerts, {SCHEMA}.lead_tally, {SCHEMA}.lead_days, "
                f"{SCHEMA}.companies, {SCHEMA}.analyses"
            )
        )
        await conn.execute(delete(inbox).where(inbox.c.subject.in_(_PROJECTED_SUBJECTS)))
    nc = await connect_nats(nats_url, name="admin-rebuild")
    replayed = 0
    try:
        js = nc.jetstream()
        last = (await js.stream_info(EVENTS_STREAM)).state.last_seq
        name = f"admin-rebuild-{uuid4().hex[:12]}"
        await js.add_consumer(
            EVENTS_STREAM,
            ConsumerConfig(
                name=name,
                filter_subjects=_PROJECTED_SUBJECTS,
                deliver_policy=DeliverPolicy.ALL,
                ack_policy=AckPolicy.NONE,
                inactive_threshold=60.0,
            ),
        )
        subscription = await js.pull_subscribe_bind(consumer=name, stream=EVENTS_STREAM)
        seen = 0
        while seen < last:
            try:
                messages = await subscription.fetch(batch, timeout=1.0)
            except NatsTimeout:
                break  # nothing left of what the stream held when we began
            events = [
                event_for_subject(message.subject).model_validate_json(message.data)
                for message in messages
            ]
            seen = max(message.metadata.sequence.stream for message in messages)
            async with engine.begin() as conn:
                await project(conn, keys, events)
            replayed += len(events)
        await js.delete_consumer(EVENTS_STREAM, name)
    finally:
        await nc.close()
    async with engine.begin() as conn:
        await conn.execute(
            text(
                f"UPDATE {SCHEMA}.leads AS l SET status = p.status, assignee_id = p.assignee_id "
                f"FROM {SCHEMA}.pipeline AS p WHERE p.lead_id = l.lead_id"
            )
        )
    _log.info(
        "read model rebuilt", events=replayed, seconds=round(time.perf_counter() - started, 1)
    )
    return replayed
