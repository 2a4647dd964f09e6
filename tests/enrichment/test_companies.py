"""Companies as sales see them: a roll-up of their leads (a buying committee forming),
target accounts and tiers set by command, their profile; People Data Labs for companies
whose website says little and for the person behind an address (decision maker); and
erasure, which leaves nothing of the lead behind."""

from __future__ import annotations

from functools import partial
from typing import Any
from uuid import uuid4

import httpx
from auftakt_capture.settings import CaptureSettings
from auftakt_common.events import LeadErasureRequested
from auftakt_enrichment.app import EnrichmentService
from auftakt_scoring.app import ScoringService
from nats.aio.client import Client
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.admin.helpers import wait_for
from tests.enrichment.fakes import FakePdl
from tests.enrichment.helpers import (
    BURNING_VISIT,
    SITE,
    analyze,
    company_command,
    company_domain,
    submit,
)
from tests.enrichment.sites import Sites
from tests.events import stream_messages
from tests.scoring.helpers import eventually, publish, scorecard


async def _row(db: AsyncEngine, sql: str, **params: Any) -> dict[str, Any] | None:
    async with db.connect() as conn:
        row = (await conn.execute(text(sql), params)).mappings().first()
    return None if row is None else dict(row)


async def _company(db: AsyncEngine, domain: str) -> dict[str, Any] | None:
    return await _row(db, "SELECT * FROM enrichment.companies WHERE domain = :d", d=domain)


async def test_three_leads_of_one_company_roll_up_into_its_engagement(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    enrichment: EnrichmentService,
    scoring: ScoringService,
    db: AsyncEngine,
    nc: Client,
) -> None:
    domain = company_domain("gremium")
    pricing = [{"type": "page_view", "page_url": f"{SITE}/preise"}]
    await submit(client, capture_settings, f"hr@{domain}", activities=BURNING_VISIT)
    await submit(client, capture_settings, f"marketing@{domain}", activities=pricing)
    await submit(client, capture_settings, f"office@{domain}")
    company = await wait_for(
        lambda: _company(db, domain),
        lambda row: (row["contacts"], row["score_sum"]) == (3, 150),
        timeout=30,
    )
    # 90 + 15 for the company's 250 people (capped at 100), 20 + 15, and 15
    assert (company["engaged_contacts"], company["highest_score"]) == (3, 100)
    assert company["last_activity_at"] is not None
    published = await stream_messages(
        nc,
        lambda subject, payload: (
            subject == "company.engagement_changed"
            and payload["domain"] == domain
            and payload["score_sum"] == 150
        ),
        expect=1,
    )
    assert published[0][1]["contacts"] == 3


async def test_people_at_example_com_addresses_are_no_company_and_no_buying_centre(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    enrichment: EnrichmentService,
    scoring: ScoringService,
    db: AsyncEngine,
    nc: Client,
    sites: Sites,
) -> None:
    marker = uuid4().hex[:6]
    pricing = [{"type": "page_view", "page_url": f"{SITE}/preise"}]
    first = await submit(
        client, capture_settings, f"hr.{marker}@example.com", activities=BURNING_VISIT
    )
    second = await submit(
        client, capture_settings, f"office.{marker}@vertrieb.example.com", activities=pricing
    )
    for lead_id in (first, second):
        lead = await wait_for(
            partial(_row, db, "SELECT * FROM enrichment.leads WHERE lead_id = :id", id=lead_id),
            lambda row: row["company_status"] != "unknown" and (row["score"] or 0) > 0,
            timeout=30,
        )
        assert (lead["company_status"], lead["company_id"], lead["domain"]) == (
            "no_company",
            None,
            None,
        )
    assert sites.requests["example.com"] == 0
    reply = await analyze(nc, first)
    assert reply.data is not None and reply.data.analyzed is not None
    signals = reply.data.analyzed.analysis.buying_signals
    assert not any("Buying Center" in signal for signal in signals), signals


async def test_sales_mark_a_target_account_and_its_tier(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    enrichment: EnrichmentService,
    db: AsyncEngine,
    nc: Client,
) -> None:
    domain = company_domain("ziel")
    await submit(client, capture_settings, f"info@{domain}")
    await wait_for(lambda: _company(db, domain), lambda row: row["status"] == "enriched")
    reply = await company_command(
        nc, {"domain": f"https://www.{domain}/", "target_account": True, "tier": "tier_1"}, put=True
    )
    assert reply.ok and reply.data is not None
    assert (reply.data.target_account, reply.data.tier, reply.data.domain) == (
        True,
        "tier_1",
        domain,
    )
    published = await stream_messages(
        nc,
        lambda subject, payload: (
            subject == "company.enriched"
            and payload["domain"] == domain
            and payload["target_account"]
        ),
        expect=1,
    )
    assert published[0][1]["tier"] == "tier_1"
    profile = await company_command(nc, {"company_id": str(reply.data.company_id)})
    assert profile.data is not None
    assert profile.data.managing_directors == ["Dr. Katrin Albers"]
    assert (profile.data.register_court, profile.data.register_number) == (
        "Amtsgericht Hamburg",
        "HRB 123456",
    )
    assert profile.data.vat_id == "DE123456789" and profile.data.sources == [
        "impressum",
        "json-ld",
        "opengraph",
    ]
    untargeted = await company_command(
        nc, {"domain": domain, "target_account": False, "tier": "tier_2"}, put=True
    )
    assert untargeted.data is not None and (
        untargeted.data.target_account,
        untargeted.data.tier,
    ) == (False, None)


async def test_an_account_named_before_any_lead_comes_is_created_and_enriched(
    enrichment: EnrichmentService, db: AsyncEngine, nc: Client
) -> None:
    domain = company_domain("vorab")
    reply = await company_command(
        nc, {"domain": domain, "target_account": True, "tier": "tier_2"}, put=True
    )
    assert reply.ok and reply.data is not None and reply.data.status == "pending"
    company = await wait_for(lambda: _company(db, domain), lambda row: row["status"] == "enriched")
    assert company["target_account"] and company["name"] is not None


async def test_targeting_refuses_what_is_no_company_naming_the_field(
    enrichment: EnrichmentService, nc: Client
) -> None:
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"domain": "gmx.de", "target_account": True}, "domain", "Freemail"),
        ({"domain": "www.example.com", "target_account": True}, "domain", "reservierte"),
        ({"domain": "nicht eine domain", "target_account": True}, "domain", "keine gültige"),
        ({"domain": "ziel-gmbh.de", "target_account": True, "tier": "tier_9"}, "tier", "tier_1"),
        ({"target_account": True}, "body", "company_id or domain"),
        ({"company_id": "00000000-0000-0000-0000-000000000000", "target_account": True},
         "company_id", "unbekannt"),
    ]  # fmt: skip
    for body, field, message in cases:
        reply = await company_command(nc, body, put=True)
        assert not reply.ok, body
        assert reply.errors[0].field == field and message in reply.errors[0].message, reply.errors


async def test_pdl_answers_for_a_company_whose_website_is_down(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    enrichment_with_pdl: EnrichmentService,
    scoring: ScoringService,
    sites: Sites,
    pdl: FakePdl,
    db: AsyncEngine,
) -> None:
    domain = company_domain("konzern")
    sites.failing.add(domain)
    pdl.companies[domain] = {
        "name": "konzern ag",
        "display_name": "Konzern AG",
        "size": "1001-5000",
        "employee_count": 1200,
        "inferred_revenue": "$100M-$250M",
        "industry": "automotive",
        "linkedin_url": "linkedin.com/company/konzern-ag",
        "location": {"locality": "stuttgart", "country": "germany", "postal_code": "70173"},
    }
    lead_id = await submit(client, capture_settings, f"einkauf@{domain}")
    company = await wait_for(
        lambda: _company(db, domain), lambda row: row["status"] == "enriched", timeout=30
    )
    assert (company["name"], company["employees"], company["revenue_range"]) == (
        "Konzern AG",
        1200,
        "$100M-$250M",
    )
    assert (company["city"], company["provider"]) == ("Stuttgart", "pdl")
    assert company["linkedin_url"] == "https://linkedin.com/company/konzern-ag"
    assert pdl.api_keys == {"pdl-test-key"}
    card = await eventually(
        lambda: scorecard(db, lead_id), lambda c: "company_size_large" in str(c.history)
    )
    assert card.score >= 15


async def test_a_decision_maker_found_by_person_enrichment_gets_the_points_and_stays_sealed(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    enrichment_with_pdl: EnrichmentService,
    scoring: ScoringService,
    pdl: FakePdl,
    db: AsyncEngine,
) -> None:
    email = f"katrin.albers@{company_domain('entscheider')}"
    pdl.people[email] = {
        "full_name": "katrin albers",
        "job_title": "leiterin personal",
        "job_title_role": "human_resources",
        "job_title_levels": ["director"],
        "linkedin_url": "linkedin.com/in/katrin-albers",
    }
    lead_id = await submit(client, capture_settings, email)
    card = await eventually(
        lambda: scorecard(db, lead_id), lambda c: "decision_maker_role" in str(c.history)
    )
    assert next(r for r in card.history if r["activity"] == "decision_maker_role")["delta"] == 20
    profile = await _row(
        db, "SELECT * FROM enrichment.person_profiles WHERE lead_id = :id", id=lead_id
    )
    assert profile is not None
    assert (profile["status"], profile["role"], profile["decision_maker"]) == (
        "enriched",
        "hr",
        True,
    )
    for plain in (b"Personal", b"personal", b"Albers", b"katrin-albers"):
        assert plain not in profile["profile"]  # ciphertext under the lead's key


async def test_someone_the_person_provider_does_not_know_is_no_decision_maker(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    enrichment_with_pdl: EnrichmentService,
    pdl: FakePdl,
    db: AsyncEngine,
) -> None:
    lead_id = await submit(client, capture_settings, f"neu@{company_domain('unbekannt')}")
    profile = await wait_for(
        lambda: _row(
            db, "SELECT * FROM enrichment.person_profiles WHERE lead_id = :id", id=lead_id
        ),
        lambda row: row["status"] != "pending",
    )
    assert (profile["status"], profile["decision_maker"], profile["profile"]) == (
        "no_match",
        None,
        None,
    )


async def test_pdl_rate_limits_are_waited_out_not_counted_as_failures(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    enrichment_with_pdl: EnrichmentService,
    sites: Sites,
    pdl: FakePdl,
    db: AsyncEngine,
) -> None:
    domain = company_domain("drossel")
    sites.failing.add(domain)
    pdl.companies[domain] = {"display_name": "Drossel GmbH", "employee_count": 40}
    pdl.rate_limit = 0  # every call: 429, Retry-After: 1
    await submit(client, capture_settings, f"info@{domain}")
    waiting = await wait_for(
        lambda: _company(db, domain), lambda row: row["last_error"] == "provider rate limit"
    )
    assert (waiting["status"], waiting["attempts"]) == ("pending", 0)
    pdl.rate_limit = None
    company = await wait_for(
        lambda: _company(db, domain), lambda row: row["status"] == "enriched", timeout=30
    )
    assert company["name"] == "Drossel GmbH" and pdl.refused >= 1


async def test_erasure_leaves_nothing_of_the_lead_and_its_company_counts_one_less(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    enrichment: EnrichmentService,
    scoring: ScoringService,
    db: AsyncEngine,
    nc: Client,
) -> None:
    domain = company_domain("vergessen")
    gone = await submit(client, capture_settings, f"a@{domain}", activities=BURNING_VISIT)
    await submit(client, capture_settings, f"b@{domain}")
    await wait_for(
        lambda: _row(db, "SELECT status FROM enrichment.analyses WHERE lead_id = :id", id=gone),
        lambda row: row["status"] == "done",
    )
    # both scored, the company's 250 people counted too: 90 + 15 (capped at 100), and 15
    await wait_for(lambda: _company(db, domain), lambda row: row["score_sum"] == 115)
    await publish(nc, LeadErasureRequested(lead_id=gone))
    company = await wait_for(lambda: _company(db, domain), lambda row: row["contacts"] == 1)
    assert company["highest_score"] == 15  # the other lead: the company's 250 people
    for table in ("leads", "lead_activities", "score_changes", "analyses", "person_profiles"):
        left = await _row(
            db, f"SELECT count(*) AS n FROM enrichment.{table} WHERE lead_id = :id", id=gone
        )
        assert left == {"n": 0}, table
    assert await _row(db, "SELECT 1 AS x FROM enrichment.erased_leads WHERE lead_id = :id", id=gone)
