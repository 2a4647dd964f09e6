"""Scoring survives PostgreSQL going away: events wait (retried with back-off, never
dead-lettered for an outage) and count once it is back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from uuid import uuid4

import nats
import pytest
from auftakt_common.embedded import EmbeddedNats, EmbeddedPostgres, free_port
from auftakt_common.events import ActivityRecorded
from auftakt_common.streams import DEAD_LETTER_STREAM
from auftakt_scoring.app import ScoringService, migrate
from auftakt_scoring.settings import ScoringSettings
from nats.aio.client import Client
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from .helpers import eventually, publish, scorecard


@pytest.fixture
def own_servers(tmp_path: Path) -> Iterator[tuple[EmbeddedPostgres, EmbeddedNats]]:
    postgres = EmbeddedPostgres(tmp_path / "postgres", free_port(), durable=False)
    nats_server = EmbeddedNats(tmp_path / "nats", free_port())
    postgres.start()
    nats_server.start()
    yield postgres, nats_server
    nats_server.stop()
    postgres.stop()


@pytest.fixture
async def isolated(
    own_servers: tuple[EmbeddedPostgres, EmbeddedNats],
) -> AsyncIterator[tuple[ScoringService, Client, AsyncEngine]]:
    postgres, nats_server = own_servers
    settings = ScoringSettings(env="test", database_url=postgres.url, nats_url=nats_server.url)
    migrate(settings)
    engine = create_async_engine(settings.database_url)
    async with ScoringService(settings, decay=False) as service:
        nc = await nats.connect(nats_server.url)
        yield service, nc, engine
        await nc.close()
    await engine.dispose()


def phone_click(lead_id: object) -> ActivityRecorded:
    return ActivityRecorded(activity_id=uuid4(), lead_id=lead_id, activity_type="phone_clicked")


async def test_events_wait_out_a_database_outage_and_count_once_it_is_back(
    isolated: tuple[ScoringService, Client, AsyncEngine],
    own_servers: tuple[EmbeddedPostgres, EmbeddedNats],
) -> None:
    _, nc, db = isolated
    postgres, _ = own_servers
    first, second = uuid4(), uuid4()
    await publish(nc, phone_click(first))
    await eventually(lambda: scorecard(db, first), lambda c: c.score == 30)

    postgres.stop()
    await publish(nc, phone_click(second))
    await publish(
        nc,
        ActivityRecorded(
            activity_id=uuid4(), lead_id=second, activity_type="calendar_booking_started"
        ),
    )
    await asyncio.sleep(3)  # several failed attempts
    postgres.start()
    await db.dispose()  # the test's own pool still holds connections to the stopped server

    card = await eventually(lambda: scorecard(db, second), lambda c: c.score == 70, timeout=60)
    assert sorted(card.reasons) == [
        "Kalender-Buchung gestartet",
        "Telefonnummer geklickt",
    ]
    info = await nc.jetstream().stream_info(DEAD_LETTER_STREAM)
    assert info.state.messages == 0, "an outage is not a reason to give up on an event"
