"""The units of work: link a lead to its company (on lead.created/updated), erase a lead,
and enrich the companies that are due (the work loop). Each is one transaction with its
events in the outbox; provider calls happen between transactions, never inside one."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

import structlog
from aiolimiter import AsyncLimiter
from auftakt_common.events import Event, LeadCreated, LeadErasureRequested, LeadUpdated
from auftakt_common.inbox import first_delivery
from auftakt_common.outbox import OutboxRelay, add_events
from auftakt_common.vault import SealedValueInvalid, from_text
from auftakt_common.vault_store import KeyStore
from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert

from . import repository as repo
from .domain import (
    company_enriched,
    company_values,
    first_of_next_month,
    lead_enriched,
    retry_at,
)
from .domains import company_domain
from .models import ErasedLeadRow, LeadCompanyRow, inbox, outbox
from .providers import CompanyProvider, ProviderFailed
from .settings import EnrichmentSettings

__all__ = ["Enricher"]

_log = structlog.get_logger("auftakt.enrichment")
_LEASE = timedelta(minutes=5)


class Enricher:
    def __init__(
        self,
        relay: OutboxRelay,
        keys: KeyStore,
        provider: CompanyProvider,
        settings: EnrichmentSettings,
        clock: Callable[[], datetime],
    ) -> None:
        self._relay = relay
        self.keys = keys
        self._provider = provider
        self._settings = settings
        self._clock = clock
        self._limiter = AsyncLimiter(settings.enrichment_rate_per_second, 1.0)
        self._slots = asyncio.Semaphore(settings.enrichment_concurrency)

    async def on_lead(self, event: LeadCreated | LeadUpdated) -> None:
        """Find the lead's company domain (the form's, else the address's, never a
        freemail one) and link the lead; a company already known is told at once."""
        now = self._clock()
        async with self._relay.transaction() as conn:
            if not await first_delivery(conn, inbox, event.event_id, event.subject):
                return
            if await repo.is_erased(conn, event.lead_id):
                return
            keys, _ = await self.keys.get_openable(conn, [event.lead_id])
            key = keys.get(event.lead_id)
            email = None
            if key is not None:
                try:
                    email = key.open("email", from_text(event.lead.contact.email))
                except (SealedValueInvalid, ValueError):
                    _log.warning("lead address does not open", lead_id=str(event.lead_id))
            domain = company_domain(
                event.lead.company.domain, email, self._settings.enrichment_freemail_domains
            )
            if domain is None:
                await repo.link_lead(
                    conn, event.lead_id, company_id=None, domain=None, status="no_company", now=now
                )
                return
            stale = now - timedelta(days=self._settings.enrichment_cache_days)
            company = await repo.ensure_company(conn, domain, now, stale_before=stale)
            status = {"enriched": "enriched", "failed": "failed"}.get(company.status, "pending")
            await repo.link_lead(
                conn, event.lead_id, company_id=company.id, domain=domain, status=status, now=now
            )
            if status == "enriched":
                await add_events(conn, outbox, [lead_enriched(event.lead_id, company)])

    async def on_erasure(self, event: LeadErasureRequested) -> None:
        async with self._relay.transaction() as conn:
            if not await first_delivery(conn, inbox, event.event_id, event.subject):
                return
            await conn.execute(
                delete(LeadCompanyRow).where(LeadCompanyRow.lead_id == event.lead_id)
            )
            await conn.execute(
                insert(ErasedLeadRow)
                .values(lead_id=event.lead_id, erased_at=event.occurred_at)
                .on_conflict_do_nothing(index_elements=["lead_id"])
            )

    async def enrich_due(self) -> int:
        """Enrich the companies that are due now; how many were attempted."""
        now = self._clock()
        async with self._relay.transaction() as conn:
            claims = await repo.claim_due_companies(
                conn, now, limit=self._settings.enrichment_batch, lease_until=now + _LEASE
            )
        await asyncio.gather(*(self._enrich(claim) for claim in claims))
        return len(claims)

    async def _enrich(self, claim: repo.CompanyClaim) -> None:
        settings = self._settings
        async with self._slots:
            now = self._clock()
            async with self._relay.transaction() as conn:
                allowed = await repo.spend_call(
                    conn,
                    self._provider.name,
                    now.date().replace(day=1),
                    budget=settings.enrichment_monthly_budget,
                )
            if not allowed:  # the leads wait for next month's budget, the pipeline does not
                next_month = first_of_next_month(now.date())
                async with self._relay.transaction() as conn:
                    await repo.record_failure(
                        conn,
                        claim.id,
                        "monthly provider budget used up",
                        retry_at=datetime.combine(next_month, time(), tzinfo=UTC),
                    )
                return
            try:
                async with self._limiter:
                    facts = await self._provider.company(claim.domain)
            except ProviderFailed as exc:
                _log.warning(
                    "company not enriched",
                    domain=claim.domain,
                    attempt=claim.attempts + 1,
                    error=str(exc),
                    retryable=exc.retryable,
                )
                await self._failed(claim, str(exc), retry=exc.retryable)
                return
        async with self._relay.transaction() as conn:
            company = await repo.record_facts(
                conn,
                claim.id,
                company_values(facts),
                provider=self._provider.name,
                now=self._clock(),
            )
            leads = await repo.pending_leads_of(conn, claim.id)
            await repo.set_lead_status(conn, leads, "enriched", self._clock())
            events: list[Event] = [company_enriched(company)]
            events += [lead_enriched(lead_id, company) for lead_id in leads]
            await add_events(conn, outbox, events)
        _log.info("company enriched", domain=claim.domain, leads=len(leads))

    async def _failed(self, claim: repo.CompanyClaim, error: str, *, retry: bool) -> None:
        """Try again later, or give up: the company's leads carry on without it."""
        now = self._clock()
        settings = self._settings
        again = (
            retry_at(
                claim.attempts,
                now,
                base_seconds=settings.enrichment_retry_base_seconds,
                max_attempts=settings.enrichment_max_attempts,
            )
            if retry
            else None
        )
        async with self._relay.transaction() as conn:
            await repo.record_failure(conn, claim.id, error, retry_at=again)
            if again is None:
                leads = await repo.pending_leads_of(conn, claim.id)
                await repo.set_lead_status(conn, leads, "failed", now)
