"""`auftakt demo`: German demo leads reach capture as the website sends them, their
visits merge into them, and scoring spreads them over all four stages; they work at forty
fictional companies whose websites `auftakt run` serves, so enrichment reads each
company's imprint as it would on the internet."""

from __future__ import annotations

import asyncio
import socket
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
from asgi_lifespan import LifespanManager
from auftakt_capture.app import create_app
from auftakt_capture.settings import CaptureSettings
from auftakt_cli.demo import DemoReport, fill_demo
from auftakt_cli.demo_companies import DEMO_COMPANIES
from auftakt_cli.demo_data import demo_leads
from auftakt_cli.demo_sites import DemoSites
from auftakt_cli.main import app
from auftakt_cli.stack import Stack
from auftakt_common.embedded import free_port
from auftakt_common.tokens import LeadTokens
from auftakt_enrichment.app import EnrichmentService
from auftakt_enrichment.domains import company_domain, is_freemail, is_reserved
from auftakt_enrichment.fetch import FetchLimits, SafeFetcher, origin
from auftakt_enrichment.settings import EnrichmentSettings
from auftakt_enrichment.website import WebsiteProvider
from auftakt_scoring.app import ScoringService
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from tests.admin.helpers import wait_for
from tests.enrichment.conftest import enrichment_settings, sites, with_settings  # noqa: F401

TODAY = date(2025, 10, 20)


def test_the_same_seed_sends_the_same_people_companies_and_events() -> None:
    first, again = demo_leads(40, 7, TODAY), demo_leads(40, 7, TODAY)
    other_seed = demo_leads(40, 8, TODAY)
    next_week = demo_leads(40, 7, TODAY + timedelta(days=7))

    assert first == again
    assert [lead.company for lead in first] != [lead.company for lead in other_seed]
    # a later day moves the event dates, not who the people are
    assert [(lead.form["email"], lead.form["event_type"]) for lead in next_week] == [
        (lead.form["email"], lead.form["event_type"]) for lead in first
    ]


def test_three_hundred_leads_are_colleagues_at_forty_companies_under_their_own_domains() -> None:
    leads = demo_leads(300, 1, TODAY)
    companies = {company.domain: company for company in DEMO_COMPANIES}

    assert len({lead.form["email"] for lead in leads}) == 300
    # what enrichment takes for each lead's company: the domain of its address
    domains = Counter(company_domain(None, lead.form["email"]) for lead in leads)
    assert set(domains) == set(companies)
    assert 2 <= min(domains.values()) and max(domains.values()) <= 25  # no company of 300
    for lead in leads:
        company = companies[lead.form["email"].partition("@")[2]]
        assert lead.company == company.legal_name
        assert company_domain(lead.form.get("company_domain"), None) in (None, company.domain)
        assert lead.form.get("company_size", company.size) == company.size
    assert Counter(lead.stage for lead in leads) == {
        "cold": 135,
        "warm": 90,
        "hot": 45,
        "burning": 30,
    }
    dates = [
        date.fromisoformat(lead.form["event_date"]) for lead in leads if "event_date" in lead.form
    ]
    assert all(TODAY + timedelta(days=60) < day <= TODAY + timedelta(days=365) for day in dates)
    assert all(30 <= lead.form.get("guest_count", 30) <= 600 for lead in leads)
    assert {lead.form.get("source") for lead in leads} >= {
        "organic",
        "google-ads",
        "linkedin",
        "referral",
        "newsletter",
    }


async def test_forty_demo_leads_arrive_in_capture_with_their_earlier_visits(
    client: httpx.AsyncClient, capture_settings: CaptureSettings, db: AsyncEngine
) -> None:
    now = datetime.now(UTC)
    report = await fill_demo(client, leads=40, seed=4101, clock=lambda: now, echo=lambda _: None)

    assert (report.leads_sent, sum(report.failures.values())) == (40, 0)
    ids = _lead_ids(report, capture_settings)
    leads = await _rows(
        db, "SELECT company_name, event_type FROM capture.leads WHERE id = ANY(:ids)", ids
    )
    planned = demo_leads(40, 4101, now.date())
    assert sorted((r["company_name"], r["event_type"]) for r in leads) == sorted(
        (lead.company, lead.form["event_type"]) for lead in planned
    )
    activities = await _rows(
        db,
        """SELECT a.activity_type, a.occurred_at < l.created_at - interval '1 day' AS earlier
           FROM capture.activities a JOIN capture.leads l ON l.id = a.lead_id
           WHERE l.id = ANY(:ids)""",
        ids,
    )
    assert len(activities) == report.activities_recorded
    assert report.anonymous_activities > 0
    assert any(row["earlier"] for row in activities)  # visits days before the form
    assert {"page_view", "click", "video_progress"} <= {r["activity_type"] for r in activities}
    visitors = await _rows(
        db, "SELECT visitor_id FROM capture.visitors WHERE lead_id = ANY(:ids)", ids
    )
    assert len(visitors) == 40


async def test_scoring_spreads_the_demo_leads_over_all_four_stages(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    scoring: ScoringService,
    db: AsyncEngine,
) -> None:
    now = datetime.now(UTC)
    report = await fill_demo(client, leads=40, seed=4102, clock=lambda: now, echo=lambda _: None)
    ids = _lead_ids(report, capture_settings)
    expected = Counter(lead.score for lead in demo_leads(40, 4102, now.date()))

    scored: dict[UUID, tuple[int, str]] = {}
    for _ in range(300):
        rows = await _rows(
            db,
            "SELECT lead_id, score, stage FROM scoring.lead_scores WHERE lead_id = ANY(:ids)",
            ids,
        )
        scored = {row["lead_id"]: (row["score"], row["stage"]) for row in rows}
        if Counter(score for score, _ in scored.values()) == expected:
            break
        await asyncio.sleep(0.1)

    assert Counter(score for score, _ in scored.values()) == expected
    assert Counter(stage for _, stage in scored.values()) == {
        "cold": 18,
        "warm": 12,
        "hot": 6,
        "burning": 4,
    }


async def test_the_demo_waits_out_capture_s_rate_limit_and_loses_no_lead(
    capture_settings: CaptureSettings,
) -> None:
    limited = capture_settings.model_copy(
        update={"capture_rate_limit_enabled": True, "capture_lead_rate_limit": "3/second"}
    )
    capture = create_app(limited)
    told: list[str] = []
    async with LifespanManager(capture, startup_timeout=30, shutdown_timeout=30):
        transport = httpx.ASGITransport(app=capture, client=("198.51.100.23", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://capture.test") as http:
            report = await fill_demo(http, leads=5, seed=4103, echo=told.append)

    assert (report.leads_sent, sum(report.failures.values())) == (5, 0)
    assert report.waits >= 1
    assert "AUFTAKT_CAPTURE_RATE_LIMIT_ENABLED=false" in told[0]


def test_the_demo_names_the_address_it_cannot_reach() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(app, ["demo", "--url", url, "--leads", "3"])
    assert result.exit_code == 1
    assert f"cannot reach capture at {url}" in result.output
    assert "Traceback" not in result.output


# the blocks the Bundesnetzagentur keeps free for films and books ("Drama Numbers")
_FICTIONAL_PHONE_BLOCKS = (
    "+49 30 23125-", "+49 40 66969-", "+49 69 90009-", "+49 89 99998-", "+49 221 4710-",
)  # fmt: skip


def _passes_the_vat_check_digit(vat_id: str) -> bool:
    """The German USt-IdNr.'s check digit (ISO 7064, MOD 11,10)."""
    product = 10
    for digit in vat_id[2:10]:
        total = (int(digit) + product) % 10 or 10
        product = 2 * total % 11
    return (11 - product) % 10 == int(vat_id[10])


def test_the_demo_companies_are_fictional_and_each_a_company_to_enrichment() -> None:
    assert len({company.domain for company in DEMO_COMPANIES}) == len(DEMO_COMPANIES) == 40
    assert len({company.legal_name for company in DEMO_COMPANIES}) == 40
    for company in DEMO_COMPANIES:
        assert company_domain(company.domain, None) == company.domain
        assert not is_reserved(company.domain) and not is_freemail(company.domain)
        assert not _passes_the_vat_check_digit(company.vat_id), company.vat_id
        assert company.phone is None or company.phone.startswith(_FICTIONAL_PHONE_BLOCKS)


async def test_every_demo_company_s_website_tells_enrichment_what_the_demo_data_says() -> None:
    served = DemoSites(0)
    served.start()
    local = served.enrichment_env()
    provider = WebsiteProvider(
        SafeFetcher(FetchLimits(local_origins=frozenset({origin(served.url)}))),
        local_domains=local["AUFTAKT_ENRICHMENT_WEBSITE_LOCAL_DOMAINS"].split(","),
        local_url_template=local["AUFTAKT_ENRICHMENT_WEBSITE_LOCAL_URL"],
    )
    try:
        for company in DEMO_COMPANIES:
            facts = await provider.company(company.domain)
            assert (facts.name, facts.legal_form, facts.employees, facts.industry) == (
                company.legal_name,
                company.legal_form,
                company.employees,
                company.industry,
            )
            assert (facts.street, facts.postal_code, facts.city, facts.country) == (
                company.street,
                company.postal_code,
                company.city,
                "Deutschland",
            )
            assert (facts.register_court, facts.register_number, facts.vat_id) == (
                company.register_court,
                company.register_number,
                company.vat_id,
            )
            assert facts.managing_directors == company.management
            assert set(facts.sources) == {"impressum", "json-ld", "opengraph"}
        async with httpx.AsyncClient(base_url=served.url) as http:
            listed = await http.get("/")
            missing = await http.get("/unbekannt-gmbh.de/")
    finally:
        await provider.aclose()
        served.stop()

    assert all(f'href="/{company.domain}/"' in listed.text for company in DEMO_COMPANIES)
    assert missing.status_code == 404


def test_auftakt_run_serves_the_demo_websites_outside_production(tmp_path: Path) -> None:
    port = free_port()
    told: list[str] = []
    stack = Stack(data_dir=tmp_path, pg_port=free_port(), nats_port=free_port(), echo=told.append)
    env = {"AUFTAKT_ENV": "development", "AUFTAKT_DEMO_SITES_PORT": str(port)}
    stack.start_demo_sites(env)
    try:
        page = httpx.get(f"http://127.0.0.1:{port}/elbwerk-logistik.de/impressum")
    finally:
        stack.stop()

    assert page.status_code == 200 and "HRB 148213" in page.text
    assert env["AUFTAKT_ENRICHMENT_WEBSITE_LOCAL_URL"] == f"http://127.0.0.1:{port}/{{domain}}/"
    assert "elbwerk-logistik.de" in env["AUFTAKT_ENRICHMENT_WEBSITE_LOCAL_DOMAINS"].split(",")
    assert f"the demo companies' websites on http://127.0.0.1:{port}" in told[0]
    for opted_out in (
        {"AUFTAKT_ENV": "production"},
        {"AUFTAKT_ENV": "development", "AUFTAKT_ENRICHMENT_WEBSITE_LOCAL_DOMAINS": ""},
    ):
        unchanged = dict(opted_out)
        Stack(data_dir=tmp_path, pg_port=0, nats_port=0).start_demo_sites(opted_out)
        assert opted_out == unchanged  # no websites: enrichment reads the internet
    with socket.create_server(("127.0.0.1", 0)) as taken:
        busy = {"AUFTAKT_DEMO_SITES_PORT": str(taken.getsockname()[1])}
        Stack(data_dir=tmp_path, pg_port=0, nats_port=0, echo=told.append).start_demo_sites(busy)
    assert "AUFTAKT_ENRICHMENT_WEBSITE_LOCAL_URL" not in busy  # the stack runs on without
    assert "is taken: the demo companies' websites are not served" in told[-1]


async def test_demo_leads_are_linked_to_their_companies_read_from_the_local_websites(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    enrichment_settings: EnrichmentSettings,  # noqa: F811
    db: AsyncEngine,
) -> None:
    served = DemoSites(0)
    served.start()
    local = served.enrichment_env()
    settings = with_settings(
        enrichment_settings,
        enrichment_fetch_allow_private=False,  # as in `auftakt run`: only the local sites
        enrichment_website_local_domains=local["AUFTAKT_ENRICHMENT_WEBSITE_LOCAL_DOMAINS"],
        enrichment_website_local_url=local["AUFTAKT_ENRICHMENT_WEBSITE_LOCAL_URL"],
    )
    try:
        async with EnrichmentService(settings):
            report = await fill_demo(client, leads=12, seed=4104, echo=lambda _: None)
            ids = _lead_ids(report, capture_settings)

            async def linked() -> list[dict[str, Any]]:
                return await _rows(
                    db,
                    """SELECT l.domain, l.company_status, c.name, c.register_number,
                              c.managing_directors
                       FROM enrichment.leads l JOIN enrichment.companies c
                         ON c.id = l.company_id
                       WHERE l.lead_id = ANY(:ids)""",
                    ids,
                )

            rows = await wait_for(
                linked,
                lambda rows: (
                    len(rows) == 12 and all(row["company_status"] == "enriched" for row in rows)
                ),
                timeout=60,
            )
    finally:
        served.stop()

    companies = {company.domain: company for company in DEMO_COMPANIES}
    planned = {lead.form["email"].partition("@")[2] for lead in demo_leads(12, 4104, TODAY)}
    assert {row["domain"] for row in rows} == planned
    for row in rows:
        company = companies[row["domain"]]
        assert (row["name"], row["register_number"]) == (
            company.legal_name,
            company.register_number,
        )
        assert row["managing_directors"] == list(company.management)


def _lead_ids(report: DemoReport, settings: CaptureSettings) -> list[UUID]:
    tokens = LeadTokens(settings.signing_key_bytes, "lead")
    return [tokens.verify(token) for token in report.lead_tokens]


async def _rows(db: AsyncEngine, sql: str, ids: list[UUID]) -> list[dict[str, Any]]:
    async with db.connect() as conn:
        result = await conn.execute(text(sql), {"ids": ids})
        return [dict(row) for row in result.mappings()]
