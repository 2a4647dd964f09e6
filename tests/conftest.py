"""Session-wide real servers (PostgreSQL, NATS with JetStream) and migrated schemas."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import httpx
import nats
import pytest
from asgi_lifespan import LifespanManager
from auftakt_capture.app import create_app, migrate
from auftakt_capture.settings import CaptureSettings
from auftakt_common.testing import Servers, generated_secrets, provide_servers
from auftakt_scoring.app import ScoringService
from auftakt_scoring.app import migrate as migrate_scoring
from auftakt_scoring.settings import ScoringSettings
from fastapi import FastAPI
from nats.aio.client import Client
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tests.scoring.helpers import MovableClock

# the tiers a test is in, by what it needs: `pytest -m unit` runs in seconds while editing
# domain code; integration tests use PostgreSQL and NATS (or, under tests/system, start the
# whole stack); browser tests also Chromium
_BROWSER_FIXTURES = {"browser"}
_SERVER_FIXTURES = {"servers"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        needs = set(getattr(item, "fixturenames", ()))
        if needs & _BROWSER_FIXTURES:
            item.add_marker(pytest.mark.browser)
        elif needs & _SERVER_FIXTURES or "system" in item.path.parts:  # journeys run servers
            item.add_marker(pytest.mark.integration)
        else:
            item.add_marker(pytest.mark.unit)


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    with provide_servers() as provided:
        yield provided


@pytest.fixture(scope="session")
def secrets() -> dict[str, str]:
    return generated_secrets()


@pytest.fixture(scope="session")
def capture_settings(servers: Servers, secrets: dict[str, str]) -> CaptureSettings:
    settings = CaptureSettings(
        env="test",
        database_url=servers.database_url,
        nats_url=servers.nats_url,
        capture_allowed_origins=["https://www.musikfuerfirmen.de"],
        capture_rate_limit_enabled=False,
        **secrets,  # type: ignore[arg-type]
    )
    migrate(settings)
    return settings


@pytest.fixture(scope="session")
async def nc(servers: Servers) -> AsyncIterator[Client]:
    client = await nats.connect(servers.nats_url)
    yield client
    await client.close()


@pytest.fixture
async def capture_app(capture_settings: CaptureSettings) -> AsyncIterator[FastAPI]:
    app = create_app(capture_settings)
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
        yield app


@pytest.fixture
async def client(capture_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=capture_app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://capture.test") as http:
        yield http


@pytest.fixture(scope="session")
def scoring_settings(servers: Servers) -> ScoringSettings:
    settings = ScoringSettings(
        env="test", database_url=servers.database_url, nats_url=servers.nats_url
    )
    migrate_scoring(settings)
    return settings


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(datetime.now(UTC))


@pytest.fixture
async def scoring(
    scoring_settings: ScoringSettings, clock: MovableClock
) -> AsyncIterator[ScoringService]:
    async with ScoringService(scoring_settings, clock=clock, decay=False) as service:
        yield service


@pytest.fixture(scope="session")
async def db(servers: Servers) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(servers.database_url)
    yield engine
    await engine.dispose()
