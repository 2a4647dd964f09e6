"""Capture keeps its promise when NATS or PostgreSQL go away: a 2xx is durable."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import nats
import pytest
from asgi_lifespan import LifespanManager
from auftakt_capture.app import create_app, migrate
from auftakt_capture.settings import CaptureSettings
from auftakt_common.embedded import EmbeddedNats, EmbeddedPostgres, free_port
from auftakt_common.testing import Servers

from tests.events import stream_messages

from .helpers import query, unique_email
from .test_leads import lead_id_of


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[EmbeddedNats]:
    server = EmbeddedNats(tmp_path / "nats", free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def own_postgres(tmp_path: Path) -> Iterator[EmbeddedPostgres]:
    # durable as in production: a restart on a busy machine may end in a kill, and what
    # capture acknowledged (the schema included) must be there afterwards
    server = EmbeddedPostgres(tmp_path / "postgres", free_port())
    server.start()
    yield server
    server.stop()


async def _client(settings: CaptureSettings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
        transport = httpx.ASGITransport(app=app, client=("198.51.100.20", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://capture.test") as client:
            yield client


@pytest.fixture
async def client_on_own_nats(
    capture_settings: CaptureSettings, own_nats: EmbeddedNats
) -> AsyncIterator[httpx.AsyncClient]:
    async for client in _client(capture_settings.model_copy(update={"nats_url": own_nats.url})):
        yield client


async def wait_until_connected(client: httpx.AsyncClient) -> None:
    for _ in range(100):
        if (await client.get("/readyz")).json()["nats_connected"]:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("capture did not connect to NATS")


async def test_capture_accepts_while_nats_is_down_and_delivers_once_it_is_back(
    client_on_own_nats: httpx.AsyncClient,
    own_nats: EmbeddedNats,
    capture_settings: CaptureSettings,
) -> None:
    await wait_until_connected(client_on_own_nats)
    own_nats.stop()
    responses = [
        await client_on_own_nats.post("/v1/leads", json={"email": unique_email()}) for _ in range(3)
    ]
    assert [r.status_code for r in responses] == [201, 201, 201]
    token = responses[0].json()["lead_token"]
    activity = await client_on_own_nats.post(
        "/v1/activities", json={"type": "phone_clicked", "lead_token": token}
    )
    assert activity.status_code == 202
    lead_ids = [lead_id_of(r, capture_settings) for r in responses]
    pending = await query(
        capture_settings.database_url,
        "SELECT count(*) AS n FROM capture.outbox WHERE published_at IS NULL "
        "AND convert_from(payload, 'UTF8') LIKE ANY(:patterns)",
        patterns=[f"%{lead_id}%" for lead_id in lead_ids],
    )
    assert pending[0]["n"] == 4

    own_nats.start()
    nc = await nats.connect(own_nats.url)
    try:
        wanted = set(lead_ids)
        events = await stream_messages(
            nc,
            lambda _s, payload: payload.get("lead_id") in wanted,
            expect=4,
            timeout=30,
        )
    finally:
        await nc.close()
    assert sorted(subject for subject, _, _ in events) == [
        "activity.recorded",
        "lead.created",
        "lead.created",
        "lead.created",
    ]


async def test_with_postgresql_down_capture_answers_503_with_retry_after(
    own_postgres: EmbeddedPostgres,
    servers: Servers,
    secrets: dict[str, str],
) -> None:
    settings = CaptureSettings(
        env="test",
        database_url=own_postgres.url,
        nats_url=servers.nats_url,
        capture_rate_limit_enabled=False,
        **secrets,  # type: ignore[arg-type]
    )
    migrate(settings)
    async for client in _client(settings):
        assert (await client.post("/v1/leads", json={"email": unique_email()})).status_code == 201

        own_postgres.stop()
        lead = await client.post("/v1/leads", json={"email": unique_email()})
        form = await client.post("/v1/leads", data={"email": unique_email()})
        activity = await client.post(
            "/v1/activities", json={"type": "page_view", "visitor_id": "visitor-503"}
        )
        ready = await client.get("/readyz")
        assert [r.status_code for r in (lead, form, activity, ready)] == [503, 503, 503, 503]
        assert lead.headers["retry-after"] == "5"
        assert "nicht gespeichert" in form.text

        own_postgres.start()
        again = await client.post("/v1/leads", json={"email": unique_email()})
        assert again.status_code == 201
