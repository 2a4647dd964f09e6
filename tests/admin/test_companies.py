"""Enrichment's results in the dashboard, from the read model: the lead's company card
and newest analysis, the companies list and its filters; and what the pages and the API
say when enrichment does not answer (nothing breaks, the known state is shown)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple
from uuid import UUID, uuid4

import httpx
import pytest
from auftakt_admin.app import AdminService
from auftakt_admin.domain import BERLIN
from auftakt_common.events import (
    AccountTier,
    CompanyEngagementChanged,
    CompanyEnriched,
    Event,
    LeadEnriched,
)
from auftakt_enrichment.app import EnrichmentService
from nats.aio.client import Client

from tests.admin.conftest import Staff
from tests.admin.helpers import (
    all_projected,
    analyzed,
    log_in,
    new_lead,
    signed_in_csrf,
    submit_lead,
    wait_for,
)
from tests.enrichment.sites import Sites
from tests.scoring.helpers import publish

SILENT = "Enrichment antwortet nicht – läuft der Dienst?"


async def _project(admin: AdminService, nc: Client, *events: Event) -> None:
    for event in events:
        await publish(nc, event)
    await all_projected(admin, list(events))


class _Company(NamedTuple):
    company_id: UUID
    domain: str
    events: list[Event]  # its profile and roll-up, as enrichment publishes them


def _company(
    name: str,
    at: datetime,
    *,
    target: bool = False,
    tier: AccountTier | None = None,
    contacts: int = 1,
    engaged: int = 1,
    highest: int = 0,
    score_sum: int = 0,
) -> _Company:
    company_id = uuid4()
    domain = f"{name.split()[0].lower()}-{company_id.hex[:8]}.de"
    return _Company(
        company_id,
        domain,
        [
            CompanyEnriched(
                occurred_at=at,
                company_id=company_id,
                domain=domain,
                name=name,
                legal_form="GmbH",
                city="Hamburg",
                country="DE",
                employee_count=250,
                industry="Logistik",
                revenue_range="10–50 Mio. €",
                register_number="HRB 123456",
                linkedin_url=f"https://www.linkedin.com/company/{domain.split('.')[0]}",
                target_account=target,
                tier=tier,
                provider="website",
            ),
            CompanyEngagementChanged(
                occurred_at=at,
                company_id=company_id,
                domain=domain,
                contacts=contacts,
                engaged_contacts=engaged,
                highest_score=highest,
                score_sum=score_sum,
                last_activity_at=at - timedelta(hours=1),
            ),
        ],
    )


def _card(page: str, card_id: str) -> str:
    found = re.search(rf'<section class="card" id="{card_id}">(.*?)</section>', page, re.S)
    assert found, f"no {card_id} card"
    return found.group(1)


async def test_the_lead_page_shows_the_company_and_the_newest_analysis_by_its_method(
    admin: AdminService, admin_http: httpx.AsyncClient, sales_user: Staff, nc: Client
) -> None:
    at = datetime.now(UTC) - timedelta(minutes=10)
    lead_id, created = await new_lead(admin, at, company="Spedition Nord (Formular)")
    company_id, _, company = _company(
        "Spedition Nord GmbH", at, target=True, tier="tier_1", contacts=4, engaged=3,
        highest=88, score_sum=190,
    )  # fmt: skip
    rule_based = analyzed(lead_id, at + timedelta(minutes=1), "low", "regelbasiert")
    by_claude = analyzed(lead_id, at + timedelta(minutes=2), "high")
    enriched = LeadEnriched(
        occurred_at=at, lead_id=lead_id, company_id=company_id, decision_maker=True
    )
    await _project(admin, nc, created, *company, enriched, by_claude, rule_based)
    await log_in(admin_http, sales_user.email, sales_user.password)

    page = (await admin_http.get(f"/admin/leads/{lead_id}")).text
    card = _card(page, "company")
    assert f'href="/admin/companies/{company_id}">Spedition Nord GmbH</a>' in card
    assert "Zielkunde · Tier 1" in card and "Entscheider" in card
    for fact in ("Hamburg", "250", "Logistik", "10–50 Mio. €", "HRB 123456", "linkedin.com"):
        assert fact in card
    rollup = dict(re.findall(r'data-rollup="(\w+)">([^<]+)<', card))
    assert rollup == {"contacts": "4", "engaged": "3", "highest": "88", "sum": "190"}
    analysis = _card(page, "analysis")
    assert "Claude (claude-sonnet-5-5)" in analysis  # the newest, not the rule-based one
    local = by_claude.occurred_at.astimezone(BERLIN)
    assert f"{local:%H:%M}" in analysis
    assert "hoch" in analysis and "87/100" in analysis
    assert "Preisseite dreimal besucht" in analysis and "Rückruf mit Angebot" in analysis
    assert 'action="/admin/leads/' in analysis and "Mit Claude analysieren" in analysis

    detail = (await admin_http.get(f"/api/v1/leads/{lead_id}")).json()
    assert detail["company"]["name"] == "Spedition Nord GmbH"
    assert (detail["company"]["tier"], detail["decision_maker"]) == ("tier_1", True)
    assert detail["analysis"]["analysis_id"] == str(by_claude.analysis_id)
    assert detail["analysis"]["intent_level"] == "high"


async def test_an_unenriched_lead_shows_the_form_and_a_rule_based_analysis_says_why(
    admin: AdminService, admin_http: httpx.AsyncClient, sales_user: Staff, nc: Client
) -> None:
    at = datetime.now(UTC) - timedelta(minutes=5)
    lead_id, created = await new_lead(admin, at, company="Bäckerei Sonnenschein")
    fallback = analyzed(lead_id, at, "medium", "regelbasiert", "kein API-Schlüssel")
    await _project(admin, nc, created, fallback)
    await log_in(admin_http, sales_user.email, sales_user.password)

    page = (await admin_http.get(f"/admin/leads/{lead_id}")).text
    card = _card(page, "company")
    assert "Bäckerei Sonnenschein" in card and "aus dem Formular" in card
    assert "Entscheider" not in card and "Zielkunde" not in card
    analysis = _card(page, "analysis")
    assert "regelbasiert (kein API-Schlüssel)" in analysis and "Claude (" not in analysis
    assert "mittel" in analysis
    detail = (await admin_http.get(f"/api/v1/leads/{lead_id}")).json()
    assert detail["company"] is None and detail["analysis"]["method"] == "regelbasiert"


@pytest.mark.parametrize("website", ["answers", "is down"])
async def test_a_company_s_page_its_roll_up_and_the_api_count_the_same_leads(
    website: str,
    client: httpx.AsyncClient,
    enrichment: EnrichmentService,
    sites: Sites,
    admin: AdminService,
    admin_http: httpx.AsyncClient,
    sales_user: Staff,
) -> None:
    domain = f"gremium-{uuid4().hex[:6]}-gmbh.de"
    if website == "is down":  # the company is never enriched; its leads are still its own
        sites.failing.add(domain)
    for who in ("personal", "marketing", "empfang"):
        await submit_lead(client, activities=[], email=f"{who}@{domain}")
    await log_in(admin_http, sales_user.email, sales_user.password)

    async def rolled_up() -> dict[str, Any] | None:
        found = await admin_http.get("/api/v1/companies", params={"search": domain})
        items: list[dict[str, Any]] = found.json()["items"]
        return items[0] if items else None

    company_id = (await wait_for(rolled_up, lambda c: c["contacts"] == 3, timeout=30))["company_id"]

    async def of_company() -> list[dict[str, Any]]:
        found = await admin_http.get("/api/v1/leads", params={"company_id": company_id})
        items: list[dict[str, Any]] = found.json()["items"]
        return items

    listed = await wait_for(of_company, lambda items: len(items) == 3, timeout=10)
    detail = (await admin_http.get(f"/api/v1/companies/{company_id}")).json()
    page = (await admin_http.get(f"/admin/companies/{company_id}")).text
    on_page = re.findall(r'href="/admin/leads/([0-9a-f-]{36})"', _card(page, "leads"))
    rollup = dict(re.findall(r'data-rollup="(\w+)">([^<]+)<', _card(page, "rollup")))
    ids = {lead["lead_id"] for lead in listed}
    assert {lead["lead_id"] for lead in detail["leads"]} == set(on_page) == ids
    assert detail["summary"]["contacts"] == int(rollup["contacts"]) == len(ids) == 3
    assert "Noch keine Leads dieser Firma" not in page


async def test_the_companies_list_filters_target_accounts_tier_and_name_and_sorts(
    admin: AdminService, admin_http: httpx.AsyncClient, sales_user: Staff, nc: Client
) -> None:
    marker = uuid4().hex[:8]
    at = datetime.now(UTC) - timedelta(minutes=1)
    alpha_id, _, alpha = _company(
        f"Alpha {marker} GmbH", at, target=True, tier="tier_1", contacts=3, engaged=2,
        highest=90, score_sum=120,
    )  # fmt: skip
    _, _, beta = _company(
        f"Beta {marker} AG", at, target=True, tier="tier_2", contacts=6, engaged=5,
        highest=40, score_sum=200,
    )  # fmt: skip
    _, gamma_domain, gamma = _company(f"Gamma {marker} KG", at, highest=70, score_sum=70)
    delta_profile = _company(f"Delta {marker} SE", at).events[0]  # no roll-up yet
    await _project(admin, nc, *alpha, *beta, *gamma, delta_profile)
    await log_in(admin_http, sales_user.email, sales_user.password)

    async def names(**params: str) -> list[str]:
        response = await admin_http.get("/api/v1/companies", params={"search": marker, **params})
        assert response.status_code == 200, response.text
        return [company["name"].split()[0] for company in response.json()["items"]]

    assert await names() == ["Alpha", "Gamma", "Beta", "Delta"]  # highest score first
    assert await names(target="1") == ["Alpha", "Beta"]
    assert await names(tier="tier_2") == ["Beta"]
    assert await names(sort="score_sum") == ["Beta", "Alpha", "Gamma", "Delta"]
    assert await names(sort="engaged") == ["Beta", "Alpha", "Gamma", "Delta"]
    assert (await names(sort="last_activity"))[-1] == "Delta"  # no activity: last
    assert await names(search=gamma_domain) == ["Gamma"]  # by domain, too
    wrong = await admin_http.get("/api/v1/companies", params={"tier": "tier_9"})
    assert wrong.status_code == 422 and wrong.json()["detail"]["errors"][0]["field"] == "tier"

    for sort in ("highest_score", "last_activity"):  # keyset pages, ties and gaps too
        seen: list[str] = []
        cursor: str | None = None
        while True:
            params = {"search": marker, "sort": sort, "limit": "1"}
            if cursor:
                params["cursor"] = cursor
            page = (await admin_http.get("/api/v1/companies", params=params)).json()
            seen += [company["company_id"] for company in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == 4 and len(set(seen)) == 4

    listed = await admin_http.get("/admin/companies", params={"target": "1", "search": marker})
    assert listed.status_code == 200
    assert f"/admin/companies/{alpha_id}" in listed.text and f"Beta {marker}" in listed.text
    assert f"Gamma {marker}" not in listed.text and "Zielkunde · Tier 1" in listed.text
    assert 'data-total="2"' in listed.text


async def test_without_enrichment_the_pages_say_so_and_show_what_is_known(
    admin: AdminService, admin_http: httpx.AsyncClient, sales_user: Staff, nc: Client
) -> None:
    at = datetime.now(UTC) - timedelta(minutes=5)
    lead_id, created = await new_lead(admin, at, first_name="Jana")
    company_id, _, company = _company("Stille Post GmbH", at, highest=30, score_sum=30)
    enriched = LeadEnriched(occurred_at=at, lead_id=lead_id, company_id=company_id)
    await _project(admin, nc, created, *company, enriched)
    await log_in(admin_http, sales_user.email, sales_user.password)
    csrf = await signed_in_csrf(admin_http)

    asked = await admin_http.post(f"/admin/leads/{lead_id}/analysis", data={"csrf_token": csrf})
    assert asked.status_code == 503
    assert SILENT in _card(asked.text, "analysis") and "Jana" in asked.text
    shown = await admin_http.get(f"/admin/companies/{company_id}")
    assert shown.status_code == 200
    assert SILENT in shown.text and "zuletzt bekannte Stand" in shown.text
    assert "Stille Post GmbH" in shown.text and f"/admin/leads/{lead_id}" in shown.text
    saved = await admin_http.post(
        f"/admin/companies/{company_id}/targeting",
        data={"target_account": "on", "tier": "tier_1", "csrf_token": csrf},
    )
    assert saved.status_code == 503 and SILENT in _card(saved.text, "targeting")
    added = await admin_http.post(
        "/admin/companies", data={"domain": "neu-gmbh.de", "csrf_token": csrf}
    )
    assert added.status_code == 503 and SILENT in added.text
    unknown = await admin_http.get(f"/admin/companies/{uuid4()}")
    assert unknown.status_code == 503 and SILENT in unknown.text

    def errors(response: httpx.Response) -> list[dict[str, Any]]:
        listed: list[dict[str, Any]] = response.json()["detail"]["errors"]
        return listed

    api = await admin_http.post(f"/api/v1/leads/{lead_id}/analysis", headers={"X-CSRF-Token": csrf})
    assert api.status_code == 503 and errors(api)[0]["message"] == SILENT
    known = (await admin_http.get(f"/api/v1/companies/{company_id}")).json()
    assert known["profile"] is None and known["notice"] == SILENT
    assert known["summary"]["name"] == "Stille Post GmbH"
    assert [lead["lead_id"] for lead in known["leads"]] == [str(lead_id)]
    of_company = await admin_http.get("/api/v1/leads", params={"company_id": str(company_id)})
    assert [lead["lead_id"] for lead in of_company.json()["items"]] == [str(lead_id)]
    wrong = await admin_http.get("/api/v1/leads", params={"company_id": "nordsee"})
    assert wrong.status_code == 422 and wrong.json()["detail"]["errors"][0]["field"] == "company_id"
    targeting = await admin_http.put(
        f"/api/v1/companies/{company_id}/targeting",
        json={"target_account": True, "tier": "tier_1"},
        headers={"X-CSRF-Token": csrf},
    )
    assert targeting.status_code == 503 and errors(targeting)[0]["message"] == SILENT
    bad = await admin_http.put(
        f"/api/v1/companies/{company_id}/targeting",
        json={"target_account": True, "tier": "tier_9"},
        headers={"X-CSRF-Token": csrf},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "tier"
