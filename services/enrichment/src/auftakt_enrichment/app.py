"""Composition root: settings → database, vault, outbox relay, company provider, the
enricher with its consumers, and the work loop that enriches due companies.
`EnrichmentService` runs them; `__main__` runs it until a signal."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import structlog
from auftakt_common.catalogue import declare_published
from auftakt_common.consumers import Settler
from auftakt_common.db import create_engine
from auftakt_common.events import CompanyEnriched, LeadEnriched, utc_now
from auftakt_common.migrations import migrate_vault, run_migrations
from auftakt_common.outbox import OutboxRelay
from auftakt_common.service_runtime import (
    RunningService,
    cancel_tasks,
    create_broker,
    start_broker,
    stop_broker,
)
from auftakt_common.vault_store import KeyStore

from .enricher import Enricher
from .fetch import FetchLimits, SafeFetcher
from .handlers import SERVICE, register_handlers
from .models import SCHEMA, outbox
from .providers import CompanyProvider, WebsiteProvider
from .settings import EnrichmentSettings

__all__ = ["EnrichmentService", "migrate"]

_log = structlog.get_logger("auftakt.enrichment")
MIGRATIONS = Path(__file__).parent / "migrations"

Clock = Callable[[], datetime]


def migrate(settings: EnrichmentSettings) -> None:
    migrate_vault(settings.database_url)
    run_migrations(settings.database_url, MIGRATIONS, SCHEMA)


def website_fetcher(settings: EnrichmentSettings) -> SafeFetcher:
    return SafeFetcher(
        FetchLimits(
            total_timeout=settings.enrichment_fetch_timeout_seconds,
            max_bytes=settings.enrichment_fetch_max_bytes,
            allow_private=settings.enrichment_fetch_allow_private,
        )
    )


class EnrichmentService(RunningService):
    """Enrichment, running: links leads to companies as they come, enriches due
    companies in the background."""

    def __init__(
        self,
        settings: EnrichmentSettings,
        *,
        clock: Clock = utc_now,
        provider: CompanyProvider | None = None,
        work: bool = True,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self._work_enabled = work
        self.engine = create_engine(
            settings.database_url, pool_size=settings.database_pool_size, application_name=SERVICE
        )
        self.relay = OutboxRelay.for_service(self.engine, outbox, settings, SERVICE)
        self._fetcher = website_fetcher(settings)
        self.provider = provider or WebsiteProvider(
            self._fetcher, url_template=settings.enrichment_website_url
        )
        self.enricher = Enricher(
            self.relay, KeyStore(settings.vault()), self.provider, settings, clock
        )
        self.broker = create_broker(settings, SERVICE)
        self.settler = Settler(
            self.broker, service=SERVICE, max_deliver=settings.enrichment_max_deliver
        )
        self.broker.add_middleware(self.settler.middleware)
        register_handlers(self.broker, self.enricher, settings)
        declare_published(self.broker, SERVICE, (LeadEnriched, CompanyEnriched))
        self._tasks: list[asyncio.Task[None]] = []

    async def enrich_due(self) -> int:
        return await self.enricher.enrich_due()

    async def _work_forever(self) -> None:
        while True:
            try:
                if await self.enrich_due():
                    continue  # more may be due: no pause
            except Exception as exc:  # the database may be away; try again next round
                _log.warning("enrichment round failed, retrying", error=repr(exc))
            await asyncio.sleep(self.settings.enrichment_poll_interval_seconds)

    async def start(self) -> None:
        self._tasks.append(asyncio.create_task(self.relay.run(), name="enrichment-outbox"))
        await start_broker(
            self.broker,
            self.settings,
            SERVICE,
            max_in_flight=self.settings.enrichment_max_in_flight,
        )
        if self._work_enabled:
            self._tasks.append(asyncio.create_task(self._work_forever(), name="enrichment-work"))
        _log.info("enrichment started", provider=self.provider.name)

    async def stop(self) -> None:
        await stop_broker(self.broker, self.settler)
        await cancel_tasks(self._tasks)
        await self._fetcher.aclose()
        await self.engine.dispose()
        _log.info("enrichment stopped")
