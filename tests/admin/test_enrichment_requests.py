"""The dashboard asks the real enrichment service to analyse a lead (without an Anthropic
key: the rule-based analysis, labelled so, and the button says so), a company's live
profile with its imprint, and sales' targeting, whose field errors come from enrichment."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import httpx
from auftakt_admin.app import AdminService
from auftakt_enrichment.app import EnrichmentService
from nats.aio.client import Client
from sqlalchemy import text

from tests.admin.conftest import Staff
from tests.admin.helpers import log_in, signed_in_csrf, submit_lead, wait_for
from tests.events import stream_messages

SITE = "https://www.musikfuerfirmen.de"


async def _enriched_lead(
    capture: httpx.AsyncClient, admin_http: httpx.AsyncClient, prefix: str
) -> dict[str, Any]:
    """A lead from a company address through capture, once admin knows its company and
    what the company's website said (the link comes at once, the facts after)."""
    domain = f"{prefix}-{uuid4().hex[:6]}-gmbh.de"
    email, _ = await submit_lead(
        capture,
        activities=[{"type": "page_view", "page_url": f"{SITE}/preise"}],
        email=f"katrin.albers@{domain}",
        first_name="Katrin",
        last_name="Albers",
        guest_count=150,
    )

    async def linked() -> dict[str, Any] | None:
        items = (await admin_http.get("/api/v1/leads", params={"email": email})).json()["items"]
        if not items:
            return None
        found = await admin_http.get(f"/api/v1/leads/{items[0]['lead_id']}")
        detail: dict[str, Any] = found.json()
        return detail if detail["company"] and detail["company"]["name"] else None

    return await wait_for(linked, timeout=30)


async def test_an_analysis_on_request_shows_at_once_and_its_event_adds_nothing(
    client: httpx.AsyncClient,
    enrichment: EnrichmentService,
    admin: AdminService,
    admin_http: httpx.AsyncClient,
    sales_user: Staff,
    nc: Client,
) -> None:
    await log_in(admin_http, sales_user.email, sales_user.password)
    lead = await _enriched_lead(client, admin_http, "analyse")
    lead_id = lead["lead_id"]
    csrf = await signed_in_csrf(admin_http)

    asked = await admin_http.post(f"/admin/leads/{lead_id}/analysis", data={"csrf_token": csrf})
    assert asked.status_code == 303, asked.text
    assert asked.headers["location"] == f"/admin/leads/{lead_id}?done=analysis"
    page = (await admin_http.get(asked.headers["location"])).text
    assert "Analyse fertig." in page
    assert "regelbasiert" in page and "Noch keine Analyse." not in page
    assert "regelbasiert (kein Claude-API-Schlüssel eingerichtet)" in page
    assert "Regelbasiert analysieren" in page and "Mit Claude analysieren" not in page

    published = await stream_messages(
        nc,
        lambda subject, payload: subject == "lead.analyzed" and payload["lead_id"] == lead_id,
        expect=1,
    )
    event_ids = [payload["event_id"] for _, payload, _ in published]

    async def taken() -> int:
        async with admin.engine.connect() as conn:
            found = await conn.scalar(
                text("SELECT count(*) FROM admin.inbox WHERE event_id::text = ANY(:ids)"),
                {"ids": event_ids},
            )
        return int(found or 0)

    await wait_for(taken, lambda count: count == len(event_ids))
    async with admin.engine.connect() as conn:
        kept = await conn.scalar(
            text("SELECT count(*) FROM admin.analyses WHERE lead_id = :id"), {"id": lead_id}
        )
    assert kept == len({payload["analysis_id"] for _, payload, _ in published})

    api = await admin_http.post(f"/api/v1/leads/{lead_id}/analysis", headers={"X-CSRF-Token": csrf})
    assert api.status_code == 200, api.text
    answer = api.json()
    assert answer["status"] == "done" and answer["analysis"]["method"] == "regelbasiert"
    assert 0 <= answer["analysis"]["qualification_score"] <= 100


async def test_the_company_page_shows_the_imprint_and_the_targeting_is_saved(
    client: httpx.AsyncClient,
    enrichment: EnrichmentService,
    admin_http: httpx.AsyncClient,
    sales_user: Staff,
) -> None:
    await log_in(admin_http, sales_user.email, sales_user.password)
    lead = await _enriched_lead(client, admin_http, "impressum")
    company_id = lead["company_id"]

    page = await admin_http.get(f"/admin/companies/{company_id}")
    assert page.status_code == 200, page.text
    for imprint in ("Speicherstadt 12", "Amtsgericht Hamburg", "HRB 123456", "Dr. Katrin Albers"):
        assert imprint in page.text
    assert "angereichert" in page.text and f"/admin/leads/{lead['lead_id']}" in page.text
    assert "Zielkunde · " not in page.text

    csrf = await signed_in_csrf(admin_http)
    refused = await admin_http.post(
        f"/admin/companies/{company_id}/targeting",
        data={"target_account": "on", "tier": "tier_9", "csrf_token": csrf},
    )
    assert refused.status_code == 422
    assert "Stufe: hat keinen erlaubten Wert" in refused.text  # enrichment's, in the form
    saved = await admin_http.post(
        f"/admin/companies/{company_id}/targeting",
        data={"target_account": "on", "tier": "tier_1", "csrf_token": csrf},
    )
    assert saved.status_code == 303
    shown = (await admin_http.get(saved.headers["location"])).text
    assert "Gespeichert." in shown and "Zielkunde · Tier 1" in shown

    async def listed() -> list[str] | None:
        page = (await admin_http.get("/api/v1/companies", params={"target": "1"})).json()
        ids = [company["company_id"] for company in page["items"]]
        return ids if company_id in ids else None

    await wait_for(listed)  # company.enriched reached the read model

    api = await admin_http.put(
        f"/api/v1/companies/{company_id}/targeting",
        json={"target_account": False},
        headers={"X-CSRF-Token": csrf},
    )
    assert api.status_code == 200 and api.json()["target_account"] is False
    detail = (await admin_http.get(f"/api/v1/companies/{company_id}")).json()
    assert detail["profile"]["register_court"] == "Amtsgericht Hamburg"
    assert detail["notice"] is None and detail["leads"][0]["lead_id"] == lead["lead_id"]


async def test_a_freemail_domain_is_refused_as_a_target_account(
    enrichment: EnrichmentService, admin_http: httpx.AsyncClient, sales_user: Staff
) -> None:
    await log_in(admin_http, sales_user.email, sales_user.password)
    csrf = await signed_in_csrf(admin_http)
    refused = await admin_http.post(
        "/admin/companies", data={"domain": "gmx.de", "tier": "tier_1", "csrf_token": csrf}
    )
    assert refused.status_code == 422
    assert "Domain: eine Freemail-Domain ist keine Firma" in refused.text
    assert 'value="gmx.de"' in refused.text
    api = await admin_http.put(
        "/api/v1/companies/gmx.de/targeting",
        json={"target_account": True, "tier": "tier_1"},
        headers={"X-CSRF-Token": csrf},
    )
    assert api.status_code == 422 and api.json()["detail"]["errors"][0]["field"] == "domain"
