"""Website leads through capture, linked to their company and enriched from the
company's own website (a fake one on loopback), with scoring running alongside."""

from __future__ import annotations

from functools import partial
from typing import Any
from uuid import UUID, uuid4

import httpx
from auftakt_capture.settings import CaptureSettings
from auftakt_common.events import (
    Attribution,
    CompanyInfo,
    EncryptedContact,
    EventDetails,
    LeadCreated,
    LeadSnapshot,
    utc_now,
)
from auftakt_common.tokens import LeadTokens
from auftakt_common.vault import to_text
from auftakt_enrichment.app import EnrichmentService
from auftakt_enrichment.settings import EnrichmentSettings
from auftakt_scoring.app import ScoringService
from nats.aio.client import Client
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.admin.helpers import wait_for
from tests.enrichment.sites import Sites
from tests.events import stream_messages
from tests.scoring.helpers import eventually, publish, scorecard

_LINK = """
SELECT l.company_status AS status, l.domain, c.name, c.legal_form, c.city, c.register_court,
       c.register_number, c.managing_directors, c.employees, c.linkedin_url, c.attempts,
       c.status AS company_status
FROM enrichment.leads l LEFT JOIN enrichment.companies c ON c.id = l.company_id
WHERE l.lead_id = :id
"""


async def _link(db: AsyncEngine, lead_id: UUID) -> dict[str, Any] | None:
    async with db.connect() as conn:
        row = (await conn.execute(text(_LINK), {"id": lead_id})).mappings().first()
    return None if row is None else dict(row)


async def _submit(
    client: httpx.AsyncClient, settings: CaptureSettings, email: str, **fields: Any
) -> UUID:
    response = await client.post("/v1/leads", json={"email": email, **fields})
    assert response.status_code == 201, response.text
    return LeadTokens(settings.signing_key_bytes, "lead").verify(response.json()["lead_token"])


def _domain(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:6]}-gmbh.de"


async def test_a_lead_from_a_company_address_gets_the_company_named_in_its_impressum(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    enrichment: EnrichmentService,
    db: AsyncEngine,
    nc: Client,
) -> None:
    domain = _domain("beispiel")
    lead_id = await _submit(client, capture_settings, f"info@{domain}")
    link = await wait_for(lambda: _link(db, lead_id), lambda row: row["status"] == "enriched")
    assert link["domain"] == domain
    assert link["name"].startswith("Beispiel") and link["legal_form"] == "GmbH"
    assert (link["register_court"], link["register_number"]) == (
        "Amtsgericht Hamburg",
        "HRB 123456",
    )
    assert link["managing_directors"] == ["Dr. Katrin Albers"]
    assert (link["city"], link["employees"]) == ("Hamburg", 250)
    published = await stream_messages(
        nc,
        lambda subject, payload: (
            (subject == "lead.enriched" and payload["lead_id"] == str(lead_id))
            or (subject == "company.enriched" and payload["domain"] == domain)
        ),
        expect=3,
    )
    told = [payload for subject, payload, _ in published if subject == "lead.enriched"]
    # the link at once, while the website is read; then what the website said
    assert [(p["company_domain"], p["employee_count"]) for p in told] == [
        (domain, None),
        (domain, 250),
    ]
    assert told[0]["company_id"] == told[1]["company_id"] is not None


async def test_a_freemail_address_makes_no_company(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    enrichment: EnrichmentService,
    db: AsyncEngine,
    sites: Sites,
) -> None:
    lead_id = await _submit(client, capture_settings, f"anna.{uuid4().hex[:6]}@gmx.de")
    link = await wait_for(lambda: _link(db, lead_id))
    assert (link["status"], link["domain"], link["name"]) == ("no_company", None, None)
    assert sites.requests["gmx.de"] == 0


async def test_a_company_domain_naming_a_private_address_makes_no_request(
    enrichment: EnrichmentService, db: AsyncEngine, sites: Sites, nc: Client
) -> None:
    # capture's form already refuses these; an event from elsewhere must not slip through
    before = sum(sites.requests.values())
    for target in ("127.0.0.1", "localhost", "169.254.169.254", "[::1]", "10.0.0.5"):
        lead_id = uuid4()
        key, wrapped = enrichment.enricher.keys.vault.new_data_key(lead_id)
        async with enrichment.engine.begin() as conn:
            await enrichment.enricher.keys.add(conn, lead_id, wrapped)
        event = LeadCreated(
            lead_id=lead_id,
            lead=LeadSnapshot(
                contact=EncryptedContact(email=to_text(key.seal("email", "x@web.de"))),
                company=CompanyInfo(domain=target),
                event=EventDetails(),
                first_touch=Attribution(),
                consent_marketing=False,
                created_at=utc_now(),
            ),
        )
        await publish(nc, event)
        link = await wait_for(partial(_link, db, lead_id))
        assert link["status"] == "no_company", target
    assert sum(sites.requests.values()) == before


async def test_a_hundred_leads_of_one_company_cost_one_provider_call(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    enrichment: EnrichmentService,
    db: AsyncEngine,
    sites: Sites,
) -> None:
    domain = _domain("hundert")
    leads = [await _submit(client, capture_settings, f"person{n}@{domain}") for n in range(100)]

    async def enriched() -> int | None:
        async with db.connect() as conn:
            count = await conn.scalar(
                text(
                    "SELECT count(*) FROM enrichment.leads "
                    "WHERE lead_id = ANY(:ids) AND company_status = 'enriched'"
                ),
                {"ids": leads},
            )
        return int(count or 0)

    await wait_for(enriched, lambda count: count == 100, timeout=30)
    assert sites.requests[domain] == 2  # the home page and the imprint, once


async def test_a_failing_website_is_retried_then_skipped_and_the_lead_still_scored(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    enrichment: EnrichmentService,
    scoring: ScoringService,
    db: AsyncEngine,
    sites: Sites,
) -> None:
    broken, slow = _domain("kaputt"), _domain("langsam")
    sites.failing.add(broken)
    sites.hanging.add(slow)
    for domain in (broken, slow):
        lead_id = await _submit(client, capture_settings, f"info@{domain}", guest_count=150)
        link = await wait_for(
            partial(_link, db, lead_id),
            lambda row: row["status"] == "failed",
            timeout=30,
        )
        assert (link["company_status"], link["attempts"]) == ("failed", 3)
        assert sites.requests[domain] == 3  # three tries of the home page, then skipped
        assert await scorecard(db, lead_id) is not None  # scoring never waited for it


async def test_a_company_of_250_people_gives_its_lead_the_large_company_points(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    enrichment: EnrichmentService,
    scoring: ScoringService,
    db: AsyncEngine,
) -> None:
    lead_id = await _submit(client, capture_settings, f"einkauf@{_domain('gross')}")
    card = await eventually(
        lambda: scorecard(db, lead_id), lambda c: "company_size_large" in str(c.history)
    )
    large = next(row for row in card.history if row["activity"] == "company_size_large")
    assert large["delta"] == 15


async def test_stopping_hands_back_the_company_it_was_enriching(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    enrichment_settings: EnrichmentSettings,
    db: AsyncEngine,
    sites: Sites,
) -> None:
    domain = _domain("halt")
    sites.hanging.add(domain)

    async def company() -> dict[str, Any] | None:
        async with db.connect() as conn:
            row = await conn.execute(
                text("SELECT status, lease_until FROM enrichment.companies WHERE domain = :d"),
                {"d": domain},
            )
            found = row.mappings().first()
        return None if found is None else dict(found)

    async with EnrichmentService(enrichment_settings):
        await _submit(client, capture_settings, f"info@{domain}")
        await wait_for(company, lambda row: row["lease_until"] is not None)
    # another process may take it at once, not after the five-minute lease
    assert await company() == {"status": "pending", "lease_until": None}
