"""The company units of work: link a lead to its company (on lead.created/updated),
erase a lead, enrich the companies that are due (the work loop), and sales' targeting
and profile commands. Each is one transaction with its events in the outbox; provider
calls happen between transactions, never inside one."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from uuid import UUID

import structlog
from auftakt_common.commands import (
    CommandReply,
    CompanyProfile,
    CompanyTargeting,
    FieldError,
    FindCompany,
)
from auftakt_common.events import Event, LeadCreated, LeadErasureRequested, LeadUpdated
from auftakt_common.inbox import first_delivery
from auftakt_common.outbox import OutboxRelay, add_events
from auftakt_common.vault import SealedValueInvalid, from_text
from auftakt_common.vault_store import KeyStore
from sqlalchemy.ext.asyncio import AsyncConnection

from . import analysis_store
from . import repository as repo
from .domain import (
    Company,
    Person,
    company_enriched,
    company_profile,
    company_values,
    lead_enriched,
    retry_at,
    throttled_until,
)
from .domains import company_domain, is_freemail, is_reserved, normalise_domain
from .impressum import CompanyFacts, merge
from .metering import Gate
from .models import CompanyRow, inbox, outbox
from .people import PersonEnricher
from .providers import CompanyProvider, ProviderFailed
from .queue import Claims, postpone, record_failure
from .settings import EnrichmentSettings

__all__ = ["Enricher", "MeteredProvider"]

_log = structlog.get_logger("auftakt.enrichment")
_LEASE = timedelta(minutes=5)

MeteredProvider = tuple[CompanyProvider, Gate]


class Enricher:
    def __init__(
        self,
        relay: OutboxRelay,
        keys: KeyStore,
        providers: Sequence[MeteredProvider],
        people: PersonEnricher | None,
        settings: EnrichmentSettings,
        clock: Callable[[], datetime],
    ) -> None:
        self._relay = relay
        self.keys = keys
        self._providers = providers
        self._people = people
        self._settings = settings
        self._clock = clock
        self.claims = Claims(CompanyRow.id)

    async def on_lead(self, event: LeadCreated | LeadUpdated) -> None:
        """Find the lead's company domain (the form's, else the address's, never a
        freemail or reserved one) and link the lead; the link (with what is known of the
        company so far) is told at once, the company's facts again once fetched."""
        now = self._clock()
        async with self._relay.transaction() as conn:
            if not await first_delivery(conn, inbox, event.event_id, event.subject):
                return
            if await repo.is_erased(conn, event.lead_id):
                return
            email = await self._email(conn, event)
            domain = company_domain(
                event.lead.company.domain, email, self._settings.enrichment_freemail_domains
            )
            company = None
            if domain is not None:
                stale = now - timedelta(days=self._settings.enrichment_cache_days)
                company = await repo.ensure_company(conn, domain, now, stale_before=stale)
            status = "no_company" if company is None else _lead_status(company)
            before = await repo.link_lead(
                conn,
                event.lead_id,
                event.lead,
                company_id=company.id if company else None,
                domain=domain,
                status=status,
                now=now,
            )
            if self._people is not None and email is not None:
                await self._people.schedule(conn, event.lead_id, event.lead.contact.email, now)
            # the link is told as it is made, whatever the company's enrichment: the roll-up
            # counts the lead from now on, so must everyone who lists a company's leads
            if company is not None or before is not None:
                person = await self._person(conn, event.lead_id)
                await add_events(conn, outbox, [lead_enriched(event.lead_id, company, person)])
            touched = {c for c in (before, company.id if company else None) if c is not None}
            await add_events(conn, outbox, await repo.refresh_rollups(conn, touched))

    async def _email(self, conn: AsyncConnection, event: LeadCreated | LeadUpdated) -> str | None:
        keys, _ = await self.keys.get_openable(conn, [event.lead_id])
        key = keys.get(event.lead_id)
        if key is None:
            return None
        try:
            return key.open("email", from_text(event.lead.contact.email))
        except (SealedValueInvalid, ValueError):
            _log.warning("lead address does not open", lead_id=str(event.lead_id))
            return None

    async def _person(self, conn: AsyncConnection, lead_id: UUID) -> Person | None:
        return None if self._people is None else await self._people.known(conn, lead_id)

    async def on_erasure(self, event: LeadErasureRequested) -> None:
        async with self._relay.transaction() as conn:
            if not await first_delivery(conn, inbox, event.event_id, event.subject):
                return
            company_id = await repo.erase_lead(conn, event.lead_id, event.occurred_at)
            await analysis_store.delete_for_lead(conn, event.lead_id)
            if self._people is not None:
                await self._people.forget(conn, event.lead_id)
            if company_id is not None:
                await add_events(conn, outbox, await repo.refresh_rollups(conn, {company_id}))

    async def enrich_due(self) -> int:
        """Enrich the companies that are due now; how many were attempted."""
        now = self._clock()
        async with self._relay.transaction() as conn:
            claims = await self.claims.claim_due(
                conn,
                [CompanyRow.domain],
                now,
                limit=self._settings.enrichment_batch,
                lease_until=now + _LEASE,
            )
        await asyncio.gather(*(self._enrich(c["id"], c["domain"], c["attempts"]) for c in claims))
        return len(claims)

    async def _enrich(self, company_id: UUID, domain: str, attempts: int) -> None:
        with self.claims.working_on(company_id):
            await self._ask_providers(company_id, domain, attempts)

    async def _ask_providers(self, company_id: UUID, domain: str, attempts: int) -> None:
        answers: list[tuple[str, CompanyFacts]] = []
        failures: list[ProviderFailed] = []
        budget_back: datetime | None = None
        for provider, gate in self._providers:
            async with self._relay.transaction() as conn:
                allowed = await gate.spend(conn, self._clock())
            if not allowed:  # the company waits for the next period, the pipeline does not
                budget_back = min(filter(None, (budget_back, gate.next_period(self._clock()))))
                continue
            try:
                async with gate.call():
                    answers.append((provider.name, await provider.company(domain)))
            except ProviderFailed as exc:
                if exc.retry_after is not None:
                    gate.hold(exc.retry_after)
                _log.warning(
                    "company provider failed",
                    provider=provider.name,
                    domain=domain,
                    attempt=attempts + 1,
                    error=str(exc),
                    retryable=exc.retryable,
                )
                failures.append(exc)
        throttled = throttled_until(failures, self._clock())
        if answers:
            await self._record(company_id, domain, answers)
        elif throttled is not None or (budget_back is not None and not failures):
            until = min(t for t in (throttled, budget_back) if t is not None)
            why = "provider rate limit" if throttled else "provider budget used up"
            async with self._relay.transaction() as conn:
                await postpone(conn, CompanyRow.id, company_id, until, why)
        else:
            await self._failed(company_id, attempts, failures)

    async def _record(
        self, company_id: UUID, domain: str, answers: list[tuple[str, CompanyFacts]]
    ) -> None:
        facts = merge(*(facts for _, facts in answers))
        providers = ",".join(name for name, _ in answers)
        now = self._clock()
        async with self._relay.transaction() as conn:
            company = await repo.record_facts(
                conn, company_id, company_values(facts), provider=providers, now=now
            )
            leads = await repo.pending_leads_of(conn, company_id)
            await repo.set_lead_status(conn, leads, "enriched", now)
            events: list[Event] = [company_enriched(company)]
            for lead_id in leads:
                events.append(lead_enriched(lead_id, company, await self._person(conn, lead_id)))
            await add_events(conn, outbox, events)
        _log.info("company enriched", domain=domain, leads=len(leads), providers=providers)

    async def _failed(
        self, company_id: UUID, attempts: int, failures: list[ProviderFailed]
    ) -> None:
        """Try again later, or give up: the company's leads carry on without it."""
        now = self._clock()
        settings = self._settings
        retryable = [f for f in failures if f.retryable]
        again = (
            retry_at(
                attempts,
                now,
                base_seconds=settings.enrichment_retry_base_seconds,
                max_attempts=settings.enrichment_max_attempts,
            )
            if retryable
            else None
        )
        error = "; ".join(str(f) for f in failures) or "no provider answered"
        async with self._relay.transaction() as conn:
            await record_failure(
                conn,
                CompanyRow.id,
                company_id,
                error,
                retry_at=again,
                given_up={"status": "failed"},
            )
            if again is None:
                leads = await repo.pending_leads_of(conn, company_id)
                await repo.set_lead_status(conn, leads, "failed", now)

    async def profile(self, find: FindCompany) -> CommandReply[CompanyProfile]:
        async with self._relay.transaction() as conn:
            company = await self._find(conn, find)
            if isinstance(company, FieldError):
                return CommandReply(ok=False, errors=[company])
            row = await repo.company_row(conn, company.id)
        assert row is not None
        return CommandReply(ok=True, data=company_profile(row))

    async def set_targeting(self, targeting: CompanyTargeting) -> CommandReply[CompanyProfile]:
        """Sales' target-account flag and tier; a domain not known yet becomes a company
        (due for enrichment)."""
        async with self._relay.transaction() as conn:
            company = await self._find(conn, targeting, create=True)
            if isinstance(company, FieldError):
                return CommandReply(ok=False, errors=[company])
            tier = targeting.tier if targeting.target_account else None
            company = await repo.set_targeting(
                conn, company.id, target_account=targeting.target_account, tier=tier
            )
            await add_events(conn, outbox, [company_enriched(company)])
            row = await repo.company_row(conn, company.id)
        assert row is not None
        _log.info("company targeting set", domain=company.domain, target=company.target_account)
        return CommandReply(ok=True, data=company_profile(row))

    async def _find(
        self, conn: AsyncConnection, find: FindCompany, *, create: bool = False
    ) -> Company | FieldError:
        if find.company_id is not None:
            found = await repo.company_by_id(conn, find.company_id)
            return found or FieldError(field="company_id", message="Firma unbekannt")
        domain = normalise_domain(find.domain or "")
        if domain is None:
            return FieldError(field="domain", message="keine gültige Web-Domain")
        if is_freemail(domain, self._settings.enrichment_freemail_domains):
            return FieldError(field="domain", message="eine Freemail-Domain ist keine Firma")
        if is_reserved(domain):
            message = "eine für Beispiele und Tests reservierte Domain ist keine Firma"
            return FieldError(field="domain", message=message)
        found = await repo.company_by_domain(conn, domain)
        if found is not None or not create:
            return found or FieldError(field="domain", message="Firma unbekannt")
        now = self._clock()
        return await repo.ensure_company(conn, domain, now, stale_before=now)


def _lead_status(company: Company) -> str:
    return {"enriched": "enriched", "failed": "failed"}.get(company.status, "pending")
