"""Composition root: settings → database, vault, outbox relay, the company providers
(each with its gate: pace, calls at once, budget), optional person enrichment, the
analyst (Claude with a key, else the rules), the units of work with their consumers and
commands, and the work loop that enriches due companies and people and runs due
analyses. `EnrichmentService` runs them; `__main__` runs it until a signal."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

import structlog
from auftakt_common.catalogue import declare_published
from auftakt_common.consumers import Settler
from auftakt_common.db import create_engine
from auftakt_common.events import (
    CompanyEngagementChanged,
    CompanyEnriched,
    LeadAnalyzed,
    LeadEnriched,
    utc_now,
)
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

from .analysts import ClaudeAnalyst
from .analyzer import Analyzer
from .enricher import Enricher, MeteredProvider
from .fetch import FetchLimits, SafeFetcher
from .handlers import SERVICE, register_handlers
from .metering import Gate
from .models import SCHEMA, outbox
from .pdl import PdlClient, PdlCompanies, PdlPeople
from .people import PersonEnricher
from .recorder import BehaviourRecorder
from .settings import EnrichmentSettings
from .website import WebsiteProvider

__all__ = ["EnrichmentService", "migrate"]

_log = structlog.get_logger("auftakt.enrichment")
MIGRATIONS = Path(__file__).parent / "migrations"

Clock = Callable[[], datetime]


def migrate(settings: EnrichmentSettings) -> None:
    migrate_vault(settings.database_url)
    run_migrations(settings.database_url, MIGRATIONS, SCHEMA)


def _pdl_client(settings: EnrichmentSettings) -> PdlClient:
    assert settings.enrichment_pdl_api_key is not None  # the settings insist
    return PdlClient(
        settings.enrichment_pdl_url,
        settings.enrichment_pdl_api_key.get_secret_value(),
        timeout=settings.enrichment_pdl_timeout_seconds,
        min_likelihood=settings.enrichment_pdl_min_likelihood,
    )


def company_providers(settings: EnrichmentSettings) -> list[MeteredProvider]:
    """The configured company providers, each with its gate, in the configured order."""
    providers: list[MeteredProvider] = []
    for name in settings.enrichment_company_providers:
        if name == "website":
            fetcher = SafeFetcher(
                FetchLimits(
                    total_timeout=settings.enrichment_fetch_timeout_seconds,
                    max_bytes=settings.enrichment_fetch_max_bytes,
                    allow_private=settings.enrichment_fetch_allow_private,
                    local_origins=settings.website_local_origins,
                )
            )
            website = WebsiteProvider(
                fetcher,
                url_template=settings.enrichment_website_url,
                local_domains=settings.enrichment_website_local_domains,
                local_url_template=settings.enrichment_website_local_url,
            )
            gate = Gate(
                "website",
                rate_per_second=settings.enrichment_website_rate_per_second,
                concurrency=settings.enrichment_website_concurrency,
                budget=settings.enrichment_website_monthly_budget,
                period="month",
            )
            providers.append((website, gate))
        else:
            gate = Gate(
                "pdl",
                rate_per_second=settings.enrichment_pdl_rate_per_second,
                concurrency=settings.enrichment_pdl_concurrency,
                budget=settings.enrichment_pdl_monthly_budget,
                period="month",
            )
            providers.append((PdlCompanies(_pdl_client(settings)), gate))
    return providers


def _analyst(settings: EnrichmentSettings) -> ClaudeAnalyst | None:
    key = settings.anthropic_api_key
    if key is None:
        return None
    return ClaudeAnalyst(
        api_key=key,
        model=settings.enrichment_analysis_model,
        max_tokens=settings.enrichment_analysis_max_tokens,
        timeout=settings.enrichment_analysis_timeout_seconds,
        base_url=settings.enrichment_anthropic_url,
    )


class EnrichmentService(RunningService):
    """Enrichment, running: links leads to companies and records what they do as the
    events come; enriches due companies and people and analyses leads in the background."""

    def __init__(
        self,
        settings: EnrichmentSettings,
        *,
        clock: Clock = utc_now,
        providers: Sequence[MeteredProvider] | None = None,
        work: bool = True,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self._work_enabled = work
        self.engine = create_engine(
            settings.database_url, pool_size=settings.database_pool_size, application_name=SERVICE
        )
        self.relay = OutboxRelay.for_service(self.engine, outbox, settings, SERVICE)
        keys = KeyStore(settings.vault())
        self.providers = list(providers) if providers is not None else company_providers(settings)
        self.people: PersonEnricher | None = None
        if settings.enrichment_person_provider == "pdl":
            person_gate = Gate(
                "pdl-person",
                rate_per_second=settings.enrichment_pdl_rate_per_second,
                concurrency=settings.enrichment_pdl_concurrency,
                budget=settings.enrichment_person_monthly_budget,
                period="month",
            )
            people = PdlPeople(_pdl_client(settings))
            self.people = PersonEnricher(self.relay, keys, people, person_gate, settings, clock)
        self.enricher = Enricher(self.relay, keys, self.providers, self.people, settings, clock)
        self.recorder = BehaviourRecorder(self.relay, clock)
        self.analyst = _analyst(settings)
        claude_gate = Gate(
            "claude",
            rate_per_second=10,
            concurrency=settings.enrichment_analysis_concurrency,
            budget=settings.enrichment_analysis_daily_budget,
            period="day",
        )
        self.analyzer = Analyzer(self.relay, self.analyst, claude_gate, settings, clock)
        self.broker = create_broker(settings, SERVICE)
        self.settler = Settler(
            self.broker, service=SERVICE, max_deliver=settings.enrichment_max_deliver
        )
        self.broker.add_middleware(self.settler.middleware)
        register_handlers(self.broker, self.enricher, self.recorder, self.analyzer, settings)
        declare_published(
            self.broker,
            SERVICE,
            (LeadEnriched, CompanyEnriched, CompanyEngagementChanged, LeadAnalyzed),
        )
        self._tasks: list[asyncio.Task[None]] = []

    async def work_once(self) -> int:
        """One round of the work loop: how many companies, people and analyses it took."""
        done = await self.enricher.enrich_due()
        if self.people is not None:
            done += await self.people.enrich_due()
        return done + await self.analyzer.analyse_due()

    async def _work_forever(self) -> None:
        while True:
            try:
                if await self.work_once():
                    continue  # more may be due: no pause
            except Exception as exc:  # the database may be away; try again next round
                _log.warning("enrichment round failed, retrying", error=repr(exc))
            await asyncio.sleep(self.settings.enrichment_poll_interval_seconds)

    async def _release_claims(self) -> None:
        """What this process leased and did not finish goes back to the queues now."""
        claims = [self.enricher.claims, self.analyzer.claims]
        if self.people is not None:
            claims.append(self.people.claims)
        try:
            async with self.relay.transaction() as conn:
                for held in claims:
                    await held.release(conn)
        except Exception as exc:  # the database is away: the leases run out by themselves
            _log.warning("claims not released", error=repr(exc))

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
        _log.info(
            "enrichment started",
            providers=[provider.name for provider, _ in self.providers],
            person_provider=self.settings.enrichment_person_provider,
            analysis="claude" if self.analyst else "regelbasiert",
        )

    async def stop(self) -> None:
        await stop_broker(self.broker, self.settler)
        await self.recorder.drain(timeout=10)
        await cancel_tasks(self._tasks)
        await self.analyzer.stop()
        await self._release_claims()
        for provider, _ in self.providers:
            await provider.aclose()
        if self.people is not None:
            await self.people.aclose()
        if self.analyst is not None:
            await self.analyst.aclose()
        await self.engine.dispose()
        _log.info("enrichment stopped")
