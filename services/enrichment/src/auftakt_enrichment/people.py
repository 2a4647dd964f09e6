"""Person enrichment (optional, off by default): the person behind a lead's address,
looked up at a person provider; the job title makes the decision-maker flag scoring
counts. The profile is stored sealed with the lead's data key (erasure shreds it); only
the role category and the flag are plain. Jobs wait in `person_profiles` like companies
do in `companies`: due, leased, retried with back-off, given up."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import cast
from uuid import UUID

import structlog
from auftakt_common.outbox import OutboxRelay, add_events
from auftakt_common.vault import SealedValueInvalid, from_text
from auftakt_common.vault_store import KeyStore
from sqlalchemy import Table, delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from . import repository as repo
from .domain import Person, decision_maker_role, lead_enriched, retry_at, throttled_until
from .metering import Gate
from .models import PersonProfileRow, outbox
from .providers import PersonFacts, PersonProvider, ProviderFailed
from .queue import Claims, postpone, record_failure
from .settings import EnrichmentSettings

__all__ = ["PersonEnricher"]

_log = structlog.get_logger("auftakt.enrichment.people")
_LEASE = timedelta(minutes=5)
_profiles = cast(Table, PersonProfileRow.__table__)


class PersonEnricher:
    def __init__(
        self,
        relay: OutboxRelay,
        keys: KeyStore,
        provider: PersonProvider,
        gate: Gate,
        settings: EnrichmentSettings,
        clock: Callable[[], datetime],
    ) -> None:
        self._relay = relay
        self._keys = keys
        self._provider = provider
        self._gate = gate
        self._settings = settings
        self._clock = clock
        self.claims = Claims(PersonProfileRow.lead_id)

    async def aclose(self) -> None:
        await self._provider.aclose()

    async def schedule(
        self, conn: AsyncConnection, lead_id: UUID, sealed_email: str, now: datetime
    ) -> None:
        """A lookup for a lead not looked up yet, due now; the address stays sealed (the
        profile row holds its ciphertext until the lookup)."""
        await conn.execute(
            insert(_profiles)
            .values(
                lead_id=lead_id,
                status="pending",
                due_at=now,
                profile=from_text(sealed_email),
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["lead_id"])
        )

    async def known(self, conn: AsyncConnection, lead_id: UUID) -> Person | None:
        row = (
            await conn.execute(
                select(PersonProfileRow.role, PersonProfileRow.decision_maker).where(
                    PersonProfileRow.lead_id == lead_id, PersonProfileRow.status == "enriched"
                )
            )
        ).first()
        return None if row is None else Person(row.role, row.decision_maker, self._provider.name)

    async def forget(self, conn: AsyncConnection, lead_id: UUID) -> None:
        await conn.execute(delete(PersonProfileRow).where(PersonProfileRow.lead_id == lead_id))

    async def enrich_due(self) -> int:
        now = self._clock()
        async with self._relay.transaction() as conn:
            claims = await self.claims.claim_due(
                conn,
                [PersonProfileRow.profile],
                now,
                limit=self._settings.enrichment_batch,
                lease_until=now + _LEASE,
            )
        await asyncio.gather(
            *(self._look_up(c["lead_id"], c["profile"], c["attempts"]) for c in claims)
        )
        return len(claims)

    async def _look_up(self, lead_id: UUID, sealed_email: bytes, attempts: int) -> None:
        with self.claims.working_on(lead_id):
            await self._ask_provider(lead_id, sealed_email, attempts)

    async def _ask_provider(self, lead_id: UUID, sealed_email: bytes, attempts: int) -> None:
        now = self._clock()
        async with self._relay.transaction() as conn:
            keys, _ = await self._keys.get_openable(conn, [lead_id])
            key = keys.get(lead_id)
            try:
                email = key.open("email", sealed_email) if key else None
            except (SealedValueInvalid, ValueError):
                email = None
            if email is None:  # erased (key shredded) or damaged: nothing to look up
                await self._finish(conn, lead_id, "failed", error="address does not open")
                return
            if not await self._gate.spend(conn, now):
                until = self._gate.next_period(now)
                await postpone(conn, PersonProfileRow.lead_id, lead_id, until, "budget used up")
                return
        try:
            async with self._gate.call():
                facts = await self._provider.person(email)
        except ProviderFailed as exc:
            _log.warning("person provider failed", error=str(exc), retryable=exc.retryable)
            throttled = throttled_until([exc], self._clock())
            if throttled is None:
                await self._failed(lead_id, attempts, exc)
                return
            self._gate.hold(exc.retry_after or 0.0)
            async with self._relay.transaction() as conn:
                await postpone(conn, PersonProfileRow.lead_id, lead_id, throttled, str(exc))
            return
        await self._record(lead_id, facts)

    async def _record(self, lead_id: UUID, facts: PersonFacts | None) -> None:
        async with self._relay.transaction() as conn:
            if facts is None:
                await self._finish(conn, lead_id, "no_match")
                return
            key = await self._keys.get(conn, lead_id)
            person = decision_maker_role(facts, self._provider.name)
            sealed = key.seal("person_profile", json.dumps(asdict(facts), ensure_ascii=False))
            await self._finish(
                conn,
                lead_id,
                "enriched",
                profile=sealed,
                role=person.role,
                decision_maker=person.decision_maker,
            )
            lead = await repo.lead_facts(conn, lead_id)
            company_id = lead["company_id"] if lead else None
            company = await repo.company_by_id(conn, company_id) if company_id else None
            if company is not None and company.status != "enriched":
                company = None
            await add_events(conn, outbox, [lead_enriched(lead_id, company, person)])

    async def _finish(
        self,
        conn: AsyncConnection,
        lead_id: UUID,
        status: str,
        *,
        error: str | None = None,
        profile: bytes | None = None,
        role: str | None = None,
        decision_maker: bool | None = None,
    ) -> None:
        await conn.execute(
            update(PersonProfileRow)
            .where(PersonProfileRow.lead_id == lead_id)
            .values(
                status=status,
                due_at=None,
                lease_until=None,
                last_error=error,
                provider=self._provider.name,
                profile=profile,
                role=role,
                decision_maker=decision_maker,
                enriched_at=self._clock(),
            )
        )

    async def _failed(self, lead_id: UUID, attempts: int, failure: ProviderFailed) -> None:
        settings = self._settings
        again = (
            retry_at(
                attempts,
                self._clock(),
                base_seconds=settings.enrichment_retry_base_seconds,
                max_attempts=settings.enrichment_max_attempts,
            )
            if failure.retryable
            else None
        )
        async with self._relay.transaction() as conn:
            await record_failure(
                conn,
                PersonProfileRow.lead_id,
                lead_id,
                str(failure),
                retry_at=again,
                given_up={"status": "failed", "profile": None},
            )
