"""Two scoring processes on one stream: many concurrent events for one lead, each counted
exactly once, no update lost."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from collections.abc import AsyncIterator
from uuid import uuid4

import pytest
from auftakt_common.commands import SCORING_RULE_PUT
from auftakt_common.events import ActivityRecorded
from auftakt_common.streams import EVENTS_STREAM
from auftakt_common.testing import Servers
from auftakt_scoring.settings import ScoringSettings
from nats.aio.client import Client
from nats.js.errors import NotFoundError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from .helpers import eventually, publish, scorecard


class Replica:
    def __init__(self, servers: Servers, name: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AUFTAKT_")}
        env |= {
            "AUFTAKT_DATABASE_URL": servers.database_url,
            "AUFTAKT_NATS_URL": servers.nats_url,
            "AUFTAKT_LOG_FORMAT": "json",
            "AUFTAKT_SCORING_DECAY_INTERVAL_SECONDS": "3600",
        }
        self.name = name
        self.started = threading.Event()
        self.output: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "auftakt_scoring", "serve"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            line = raw.decode(errors="replace")
            self.output.append(line)
            if "scoring started" in line:
                self.started.set()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reader.join(5)
        assert self.process.stdout is not None
        self.process.stdout.close()


async def forget_scoring_consumers(nc: Client) -> None:
    """As on a first deployment: the replicas race to create the durable consumers."""
    js = nc.jetstream()
    try:
        consumers = await js.consumers_info(EVENTS_STREAM)
    except NotFoundError:
        return  # no stream yet: nothing was created
    for consumer in consumers:
        if consumer.name.startswith("scoring-"):
            await js.delete_consumer(EVENTS_STREAM, consumer.name)


@pytest.fixture
async def replicas(
    servers: Servers, scoring_settings: ScoringSettings, nc: Client
) -> AsyncIterator[list[Replica]]:
    await forget_scoring_consumers(nc)
    started = [Replica(servers, "a"), Replica(servers, "b")]
    try:
        for replica in started:
            for _ in range(600):
                if replica.started.is_set() or replica.process.poll() is not None:
                    break
                await asyncio.sleep(0.05)
            assert replica.started.is_set(), "".join(replica.output)
        yield started
    finally:
        for replica in started:
            replica.stop()


async def test_two_processes_count_every_event_for_one_lead_exactly_once(
    replicas: list[Replica], nc: Client, db: AsyncEngine
) -> None:
    activity = f"test_point_{uuid4().hex[:8]}"
    rule = {"activity": activity, "points": 1, "description": "Testpunkt", "website": True}
    reply = await nc.request(SCORING_RULE_PUT, json.dumps(rule).encode(), timeout=10)
    assert json.loads(reply.data)["ok"] is True
    await asyncio.sleep(1.2)  # the other replica checks for rule edits once a second

    lead = uuid4()
    events = [
        ActivityRecorded(activity_id=uuid4(), lead_id=lead, activity_type=activity)
        for _ in range(90)
    ]
    # every event twice, the copy under another message id: only the inboxes stop it
    await asyncio.gather(
        *(publish(nc, event) for event in events),
        *(publish(nc, event, msg_id=f"{event.event_id}-copy") for event in events),
    )

    card = await eventually(
        lambda: scorecard(db, lead), lambda c: len(c.history) >= 90, timeout=60, settle=1.5
    )
    assert card.score == 90
    assert len(card.history) == 90
    assert {row["cause_event_id"] for row in card.history} == {e.event_id for e in events}
    assert [row["new_score"] for row in card.history] == list(range(1, 91))
    async with db.connect() as conn:
        handled = (
            await conn.execute(
                text("SELECT count(*) FROM scoring.inbox WHERE event_id = ANY(:ids)"),
                {"ids": [e.event_id for e in events]},
            )
        ).scalar_one()
    assert handled == 90
