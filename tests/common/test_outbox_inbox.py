"""The outbox publishes every event exactly once, even with two relays; the inbox makes a
redelivered event have no second effect; an erasure deletes the rows about its lead, and
the erasure request once it went out."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import nats
import pytest
from auftakt_common.db import create_engine, create_sessionmaker, schema_metadata
from auftakt_common.embedded import EmbeddedNats, free_port
from auftakt_common.events import ActivityRecorded, ConsentRequested, LeadErasureRequested
from auftakt_common.inbox import first_delivery, inbox_table
from auftakt_common.migrations import messaging_ddl, outbox_lead_ddl
from auftakt_common.outbox import (
    OutboxRelay,
    add_events,
    erase_lead_events,
    notify_channel,
    outbox_table,
    republish,
)
from auftakt_common.streams import EVENTS_STREAM
from auftakt_common.testing import Servers
from faststream import AckPolicy
from faststream.nats import JStream, NatsBroker, PullSub
from nats.aio.client import Client
from sqlalchemy import Column, Integer, String, Table, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.events import stream_messages

SCHEMA = "spine_test"
metadata = schema_metadata(SCHEMA)
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
effects = Table(
    "effects",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("marker", String(64), nullable=False),
)


@pytest.fixture(scope="module")
async def engine(servers: Servers) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(servers.database_url)
    async with engine.begin() as conn:
        await conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        await conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        for statement in [*messaging_ddl(SCHEMA), *outbox_lead_ddl(SCHEMA)]:
            await conn.execute(text(statement))
        await conn.run_sync(effects.create)
    yield engine
    await engine.dispose()


def relay(engine: AsyncEngine, servers: Servers, name: str, batch_size: int = 50) -> OutboxRelay:
    return OutboxRelay(
        engine=engine,
        outbox=outbox,
        database_url=servers.database_url,
        nats_url=servers.nats_url,
        name=name,
        batch_size=batch_size,
    )


@contextlib.asynccontextmanager
async def running(*relays: OutboxRelay) -> AsyncIterator[None]:
    tasks = [asyncio.create_task(r.run()) for r in relays]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def marked(marker: str):  # type: ignore[no-untyped-def]
    return lambda _subject, payload: payload.get("visitor_id") == marker


async def unpublished(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(
            (
                await conn.execute(
                    select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
                )
            ).scalar_one()
        )


async def test_two_relays_publish_each_event_exactly_once(
    engine: AsyncEngine, servers: Servers, nc: Client
) -> None:
    marker = f"outbox-{uuid.uuid4().hex[:12]}"
    events = [
        ActivityRecorded(
            activity_id=uuid.uuid4(), visitor_id=marker, activity_type="page_view", detail={"n": n}
        )
        for n in range(300)
    ]
    async with running(relay(engine, servers, "a"), relay(engine, servers, "b")):
        for chunk in range(0, 300, 30):  # written by several transactions while relays run
            async with engine.begin() as conn:  # another process: it wakes relays by NOTIFY
                await add_events(conn, outbox, events[chunk : chunk + 30], correlation_id="c-1")
                await conn.execute(text("SELECT pg_notify(:c, '')"), {"c": notify_channel(SCHEMA)})
        found = await stream_messages(nc, marked(marker), expect=300, timeout=20, settle=0.5)

    assert len(found) == 300
    assert {payload["event_id"] for _, payload, _ in found} == {str(e.event_id) for e in events}
    assert all(headers["X-Correlation-ID"] == "c-1" for _, _, headers in found)
    assert await unpublished(engine) == 0


async def test_republishing_a_range_is_harmless(
    engine: AsyncEngine, servers: Servers, nc: Client
) -> None:
    marker = f"replay-{uuid.uuid4().hex[:12]}"
    events = [
        ActivityRecorded(activity_id=uuid.uuid4(), visitor_id=marker, activity_type="page_view")
        for _ in range(20)
    ]
    async with running(relay(engine, servers, "replay")):
        async with engine.begin() as conn:
            await add_events(conn, outbox, events)
        await stream_messages(nc, marked(marker), expect=20)
        now = datetime.now(UTC)
        count = await republish(
            engine, outbox, now - timedelta(minutes=1), now + timedelta(minutes=1)
        )
        assert count >= 20
        for _ in range(100):
            if await unpublished(engine) == 0:
                break
            await asyncio.sleep(0.05)
        found = await stream_messages(nc, marked(marker), expect=20)
    assert len(found) == 20  # JetStream dropped the repeats by Nats-Msg-Id


async def outbox_of(engine: AsyncEngine, *lead_ids: uuid.UUID) -> list[tuple[str, uuid.UUID, bool]]:
    """The rows about these leads: (subject, lead, published), in outbox order."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(outbox.c.subject, outbox.c.lead_id, outbox.c.published_at.is_not(None))
            .where(outbox.c.lead_id.in_(lead_ids))
            .order_by(outbox.c.id)
        )
        return [(row[0], row[1], row[2]) for row in rows]


async def test_an_erasure_deletes_the_leads_outbox_rows_and_its_request_once_sent(
    engine: AsyncEngine, servers: Servers, nc: Client
) -> None:
    lead, other = uuid.uuid4(), uuid.uuid4()
    sent = [
        ConsentRequested(lead_id=lead),
        ActivityRecorded(activity_id=uuid.uuid4(), lead_id=lead, activity_type="page_view"),
        ConsentRequested(lead_id=other),
    ]
    erasure = LeadErasureRequested(lead_id=lead)
    async with running(relay(engine, servers, "erasure-sent")):
        async with engine.begin() as conn:
            await add_events(conn, outbox, sent)
        await stream_messages(
            nc, lambda _s, p: p["event_id"] in {str(e.event_id) for e in sent}, expect=3
        )
    async with engine.begin() as conn:  # while no relay runs: these stay unpublished
        await add_events(conn, outbox, [ConsentRequested(lead_id=lead), erasure])
    assert [published for _, _, published in await outbox_of(engine, lead)] == [
        True,
        True,
        False,
        False,
    ]

    async with engine.begin() as conn:
        erased = await erase_lead_events(conn, outbox, [lead])
    assert erased == 3
    assert await outbox_of(engine, lead, other) == [
        ("consent.requested", other, True),
        ("lead.erasure_requested", lead, False),
    ]

    async with running(relay(engine, servers, "erasure-request")):
        requests = await stream_messages(
            nc, lambda _s, p: p["event_id"] == str(erasure.event_id), expect=1
        )
        for _ in range(100):
            if await unpublished(engine) == 0:
                break
            await asyncio.sleep(0.05)
    assert [(subject, payload["lead_id"]) for subject, payload, _ in requests] == [
        ("lead.erasure_requested", str(lead))
    ]
    assert await outbox_of(engine, lead, other) == [("consent.requested", other, True)]


async def test_a_redelivered_event_has_no_second_effect(
    engine: AsyncEngine, servers: Servers
) -> None:
    suffix = uuid.uuid4().hex[:8]
    stream = JStream(f"INBOX_TEST_{suffix}", subjects=[f"inboxtest.{suffix}"])
    sessionmaker = create_sessionmaker(engine)
    broker = NatsBroker(servers.nats_url)
    deliveries: list[str] = []
    done = asyncio.Event()

    @broker.subscriber(
        f"inboxtest.{suffix}",
        stream=stream,
        durable=f"test-{suffix}",
        pull_sub=PullSub(batch_size=10, timeout=0.2),
        ack_policy=AckPolicy.NACK_ON_ERROR,
    )
    async def on_activity_recorded(event: ActivityRecorded) -> None:
        deliveries.append(str(event.event_id))
        async with sessionmaker.begin() as session:
            if await first_delivery(session, inbox, event.event_id, event.subject):
                await session.execute(insert(effects).values(marker=suffix))
        if len(deliveries) == 1:
            raise RuntimeError("crashed after commit, before ack")  # → nak → redelivery
        done.set()

    event = ActivityRecorded(
        activity_id=uuid.uuid4(), visitor_id="v-inbox", activity_type="phone_clicked"
    )
    async with broker:
        await broker.start()
        await broker.publish(
            event.model_dump(mode="json"),
            f"inboxtest.{suffix}",
            stream=stream.name,
            headers={"Nats-Msg-Id": str(event.event_id)},
        )
        await asyncio.wait_for(done.wait(), 15)

    async with engine.connect() as conn:
        applied = (
            await conn.execute(
                select(func.count()).select_from(effects).where(effects.c.marker == suffix)
            )
        ).scalar_one()
    assert deliveries == [str(event.event_id)] * 2
    assert applied == 1


async def test_a_broker_that_lost_its_streams_gets_them_back_and_every_event(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    server = EmbeddedNats(tmp_path / "nats", free_port())
    server.start()
    try:
        own = OutboxRelay(
            engine=engine,
            outbox=outbox,
            database_url=str(engine.url.render_as_string(hide_password=False)),
            nats_url=server.url,
            name="lost-streams",
        )
        marker = f"lost-{uuid.uuid4().hex[:12]}"
        events = [
            ActivityRecorded(activity_id=uuid.uuid4(), visitor_id=marker, activity_type="x")
            for _ in range(20)
        ]
        client = await nats.connect(server.url)
        try:
            async with running(own):
                for _ in range(100):  # the relay declares the streams when it connects
                    if own.connected:
                        break
                    await asyncio.sleep(0.05)
                await client.jetstream().delete_stream(EVENTS_STREAM)
                async with own.transaction() as conn:
                    await add_events(conn, outbox, events)
                for _ in range(200):  # until the relay has declared the streams again
                    try:
                        await client.jetstream().stream_info(EVENTS_STREAM)
                        break
                    except nats.js.errors.NotFoundError:
                        await asyncio.sleep(0.05)
                found = await stream_messages(client, marked(marker), expect=20, timeout=20)
        finally:
            await client.close()
    finally:
        server.stop()
    assert len(found) == 20
