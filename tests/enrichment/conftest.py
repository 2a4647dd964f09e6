"""enrichment fixtures: its settings on the session's servers (fake websites allowed on
loopback), the fake websites and third-party APIs, and the running service — with the
rule-based analysis (no key), with Claude (the fake Anthropic API), or with People Data
Labs for companies and people (the fake PDL API)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from auftakt_common.testing import Servers
from auftakt_enrichment.app import EnrichmentService, migrate
from auftakt_enrichment.settings import EnrichmentSettings
from nats.aio.client import Client
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.enrichment.fakes import FakeAnthropic, FakePdl, serve
from tests.enrichment.helpers import caught_up
from tests.enrichment.sites import Sites


@pytest.fixture(scope="session")
async def sites() -> AsyncIterator[Sites]:
    fake = Sites()
    server, task = await serve(fake.app(), fake.port)
    yield fake
    server.should_exit = True
    await task


@pytest.fixture(scope="session")
async def anthropic_server() -> AsyncIterator[FakeAnthropic]:
    fake = FakeAnthropic()
    server, task = await serve(fake.app(), fake.port)
    yield fake
    server.should_exit = True
    await task


@pytest.fixture
def anthropic(anthropic_server: FakeAnthropic) -> FakeAnthropic:
    """The fake Anthropic API, with nothing received and valid answers."""
    fresh = FakeAnthropic(port=anthropic_server.port)
    anthropic_server.received = fresh.received
    anthropic_server.headers = fresh.headers
    anthropic_server.answers = fresh.answers
    anthropic_server.delay = 0.0
    return anthropic_server


@pytest.fixture(scope="session")
async def pdl_server() -> AsyncIterator[FakePdl]:
    fake = FakePdl()
    server, task = await serve(fake.app(), fake.port)
    yield fake
    server.should_exit = True
    await task


@pytest.fixture
def pdl(pdl_server: FakePdl) -> FakePdl:
    """The fake PDL API, with no calls and no records yet."""
    pdl_server.companies.clear()
    pdl_server.people.clear()
    pdl_server.failing.clear()
    pdl_server.calls.clear()
    pdl_server.refused = 0
    pdl_server.latency = 0.0
    pdl_server.rate_limit = None
    return pdl_server


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
        enrichment_website_rate_per_second=50,
        **secrets,  # type: ignore[arg-type]
    )
    migrate(settings)
    return settings


def with_settings(settings: EnrichmentSettings, **changes: Any) -> EnrichmentSettings:
    """The settings with `changes`, checked as the environment's would be."""
    return EnrichmentSettings.model_validate({**settings.model_dump(), **changes})


@pytest.fixture
async def enrichment(enrichment_settings: EnrichmentSettings) -> AsyncIterator[EnrichmentService]:
    async with EnrichmentService(enrichment_settings) as service:
        yield service


@pytest.fixture
def claude_settings(
    enrichment_settings: EnrichmentSettings, anthropic: FakeAnthropic
) -> EnrichmentSettings:
    return with_settings(
        enrichment_settings,
        enrichment_anthropic_api_key=SecretStr("sk-ant-test"),
        enrichment_anthropic_url=anthropic.url,
        enrichment_analysis_timeout_seconds=5.0,
    )


@asynccontextmanager
async def running_with_claude(
    settings: EnrichmentSettings,
    anthropic: FakeAnthropic,
    nc: Client,
    db: AsyncEngine,
    *,
    also_running: tuple[str, ...] = (),
) -> AsyncIterator[EnrichmentService]:
    """Enrichment with Claude, once it (and the services `also_running`, e.g. scoring,
    whose backlog turns old leads hot) has worked off what earlier tests left in the
    stream; the fake API's record of requests starts empty then."""
    async with EnrichmentService(settings) as service:
        await caught_up(nc, db, ("enrichment", *also_running))
        anthropic.received.clear()
        anthropic.headers.clear()
        yield service


@pytest.fixture
async def enrichment_with_claude(
    claude_settings: EnrichmentSettings, anthropic: FakeAnthropic, nc: Client, db: AsyncEngine
) -> AsyncIterator[EnrichmentService]:
    async with running_with_claude(claude_settings, anthropic, nc, db) as service:
        yield service


@pytest.fixture
def pdl_settings(enrichment_settings: EnrichmentSettings, pdl: FakePdl) -> EnrichmentSettings:
    return with_settings(
        enrichment_settings,
        enrichment_company_providers=["website", "pdl"],
        enrichment_person_provider="pdl",
        enrichment_pdl_url=pdl.url,
        enrichment_pdl_api_key=SecretStr("pdl-test-key"),
        enrichment_pdl_rate_per_second=50,
    )


@pytest.fixture
async def enrichment_with_pdl(pdl_settings: EnrichmentSettings) -> AsyncIterator[EnrichmentService]:
    async with EnrichmentService(pdl_settings) as service:
        yield service
