"""enrichment fixtures: its settings on the session's servers (fake websites allowed on
loopback), the fake websites, and the running service."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from auftakt_common.testing import Servers
from auftakt_enrichment.app import EnrichmentService, migrate
from auftakt_enrichment.settings import EnrichmentSettings

from tests.enrichment.sites import Sites, serve_sites


@pytest.fixture(scope="session")
async def sites() -> AsyncIterator[Sites]:
    fake = Sites()
    server, task = await serve_sites(fake)
    yield fake
    server.should_exit = True
    await task


@pytest.fixture(scope="session")
def enrichment_settings(
    servers: Servers, secrets: dict[str, str], sites: Sites
) -> EnrichmentSettings:
    settings = EnrichmentSettings(
        env="test",
        database_url=servers.database_url,
        nats_url=servers.nats_url,
        enrichment_website_url=sites.url_template,
        enrichment_fetch_allow_private=True,  # the fake websites live on loopback
        enrichment_fetch_timeout_seconds=1.0,
        enrichment_retry_base_seconds=0.05,
        enrichment_poll_interval_seconds=0.05,
        enrichment_rate_per_second=50,
        **secrets,  # type: ignore[arg-type]
    )
    migrate(settings)
    return settings


@pytest.fixture
async def enrichment(enrichment_settings: EnrichmentSettings) -> AsyncIterator[EnrichmentService]:
    async with EnrichmentService(enrichment_settings) as service:
        yield service
