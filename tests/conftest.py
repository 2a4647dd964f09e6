"""Session-wide real servers (PostgreSQL, NATS with JetStream) and migrated schemas."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import nats
import pytest
from auftakt_capture.app import migrate
from auftakt_capture.settings import CaptureSettings
from auftakt_common.testing import Servers, generated_secrets, provide_servers
from nats.aio.client import Client


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
