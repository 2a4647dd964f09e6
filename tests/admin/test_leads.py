"""The sales view of real website leads: capture → scoring → admin's read model, then
the list's filters, the detail, and what sales change."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import httpx
from auftakt_admin.app import AdminService
from auftakt_scoring.app import ScoringService
from nats.aio.client import Client
from sqlalchemy import text

from tests.admin.conftest import Staff
from tests.admin.helpers import log_in, signed_in_csrf, submit_lead, wait_for
from tests.events import stream_messages

SITE = "https://www.musikfuerfirmen.de"
HOT_VISIT = [
    {"type": "page_view", "page_url": f"{SITE}/preise"},
    {"type": "click", "target": "tel:+4940123456"},
    {"type": "page_view", "page_url": f"{SITE}/referenzen"},
]


async def _listed(http: httpx.AsyncClient, **params: str) -> list[dict[str, Any]]:
    response = await http.get("/api/v1/leads", params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def _scored(http: httpx.AsyncClient, email: str, score: int) -> dict[str, Any]:
    async def found() -> dict[str, Any] | None:
        items = await _listed(http, email=email)
        return items[0] if items else None

    return await wait_for(found, lambda lead: lead["score"] == score)


async def test_a_website_lead_appears_with_its_score_timeline_and_reasons(
    client: httpx.AsyncClient,
    scoring: ScoringService,
    admin_http: httpx.AsyncClient,
    sales_user: Staff,
) -> None:
    await log_in(admin_http, sales_user.email, sales_user.password)
    email, _ = await submit_lead(
        client,
        activities=HOT_VISIT,
        first_name="Anna",
        last_name="Schmidt",
        company_name=f"Schmidt Logistik {uuid4().hex[:4]} GmbH",
        event_type="weihnachtsfeier",
        guest_count=120,
        utm_source="linkedin",
    )
    listed = await _scored(admin_http, email, 50 + 15)
    assert listed["contact"]["first_name"] == "Anna" and listed["source"] == "linkedin"
    assert listed["stage"] == "hot" and listed["status"] == "new"

    page = await admin_http.get(f"/admin/leads/{listed['lead_id']}")
    assert page.status_code == 200
    assert email in page.text and "Anna Schmidt" in page.text  # decrypted for staff
    detail = (await admin_http.get(f"/api/v1/leads/{listed['lead_id']}")).json()
    assert {entry["kind"] for entry in detail["activities"]} >= {"page_view", "click"}
    assert len(detail["score_history"]) >= 3
    assert all(entry["reason"] for entry in detail["score_history"])


async def test_the_list_filters_by_stage_score_band_and_company(
    client: httpx.AsyncClient,
    scoring: ScoringService,
    admin_http: httpx.AsyncClient,
    sales_user: Staff,
) -> None:
    await log_in(admin_http, sales_user.email, sales_user.password)
    company = f"Filtertest {uuid4().hex[:6]}"
    hot_email, _ = await submit_lead(
        client, activities=HOT_VISIT, company_name=f"{company} Nord GmbH", guest_count=150
    )
    cold_email, _ = await submit_lead(client, activities=[], company_name=f"{company} Süd AG")
    await _scored(admin_http, hot_email, 65)
    await _scored(admin_http, cold_email, 0)

    hot = await _listed(admin_http, company=company, stage="hot")
    assert [lead["company_name"] for lead in hot] == [f"{company} Nord GmbH"]
    band = await _listed(admin_http, company=company, score="0-30")
    assert [lead["company_name"] for lead in band] == [f"{company} Süd AG"]
    both = await _listed(admin_http, company=company.lower())
    assert [lead["score"] for lead in both] == [65, 0]  # highest score first
    wrong = await admin_http.get("/api/v1/leads", params={"score": "50-70"})
    assert wrong.status_code == 422 and wrong.json()["detail"]["errors"][0]["field"] == "score"


async def test_keyset_pages_cover_the_list_once(
    client: httpx.AsyncClient,
    scoring: ScoringService,
    admin_http: httpx.AsyncClient,
    sales_user: Staff,
) -> None:
    await log_in(admin_http, sales_user.email, sales_user.password)
    company = f"Seiten {uuid4().hex[:6]}"
    emails = [
        (await submit_lead(client, activities=[], company_name=f"{company} {i}"))[0]
        for i in range(5)
    ]
    for email in emails:
        await _scored(admin_http, email, 0)
    seen: list[str] = []
    cursor = None
    while True:
        params = {"company": company, "limit": "2", **({"cursor": cursor} if cursor else {})}
        page = (await admin_http.get("/api/v1/leads", params=params)).json()
        seen += [lead["lead_id"] for lead in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 5 and len(set(seen)) == 5


async def test_sales_change_status_assign_and_note_and_the_changes_are_published(
    client: httpx.AsyncClient,
    scoring: ScoringService,
    admin: AdminService,
    admin_http: httpx.AsyncClient,
    sales_user: Staff,
    nc: Client,
) -> None:
    await log_in(admin_http, sales_user.email, sales_user.password)
    email, _ = await submit_lead(client, activities=[])
    lead = await _scored(admin_http, email, 0)
    lead_id = lead["lead_id"]
    csrf = await signed_in_csrf(admin_http)

    won = await admin_http.post(
        f"/admin/leads/{lead_id}/status", data={"status": "won", "csrf_token": csrf}
    )
    assert won.headers["location"].endswith("error=deal_value")  # won needs a deal value
    moved = await admin_http.post(
        f"/admin/leads/{lead_id}/status", data={"status": "contacted", "csrf_token": csrf}
    )
    assert moved.headers["location"].endswith("done=status")
    assigned = await admin_http.post(
        f"/admin/leads/{lead_id}/assign",
        data={"assignee_id": str(sales_user.user.id), "csrf_token": csrf},
    )
    assert assigned.headers["location"].endswith("done=assign")
    note = "Rückruf Donnerstag, möchte zwei Bands vergleichen"
    await admin_http.post(f"/admin/leads/{lead_id}/notes", data={"body": note, "csrf_token": csrf})

    page = (await admin_http.get(f"/admin/leads/{lead_id}")).text
    assert note in page and "Kontaktiert" in page
    assert [x["lead_id"] for x in await _listed(admin_http, status="contacted", email=email)]
    async with admin.engine.connect() as conn:
        stored = await conn.scalar(
            text("SELECT body_ct FROM admin.notes WHERE lead_id = :id"), {"id": lead_id}
        )
    assert note.encode() not in stored  # sealed with the lead's data key

    published = await stream_messages(
        nc,
        lambda subject, payload: (
            payload.get("lead_id") == lead_id
            and subject in ("lead.status_changed", "lead.assigned")
        ),
        expect=2,
    )
    assert {subject for subject, _, _ in published} == {"lead.status_changed", "lead.assigned"}
    status_event = next(p for s, p, _ in published if s == "lead.status_changed")
    assert (status_event["previous_status"], status_event["status"]) == ("new", "contacted")


async def test_an_admin_erases_a_lead_everywhere_and_sales_cannot(
    client: httpx.AsyncClient,
    scoring: ScoringService,
    admin_http: httpx.AsyncClient,
    admin_user: Staff,
    sales_user: Staff,
    nc: Client,
) -> None:
    email, _ = await submit_lead(client, activities=HOT_VISIT)
    await log_in(admin_http, sales_user.email, sales_user.password)
    lead_id = (await _scored(admin_http, email, 65))["lead_id"]
    csrf = await signed_in_csrf(admin_http)
    refused = await admin_http.post(f"/admin/leads/{lead_id}/erase", data={"csrf_token": csrf})
    assert refused.status_code == 403

    await log_in(admin_http, admin_user.email, admin_user.password)
    csrf = await signed_in_csrf(admin_http)
    erased = await admin_http.post(f"/admin/leads/{lead_id}/erase", data={"csrf_token": csrf})
    assert erased.headers["location"] == "/admin/leads?done=erased"
    assert await _listed(admin_http, email=email) == []
    assert (await admin_http.get(f"/admin/leads/{lead_id}")).status_code == 404
    requested = await stream_messages(
        nc,
        lambda subject, payload: (
            subject == "lead.erasure_requested" and payload["lead_id"] == lead_id
        ),
        expect=1,
    )
    assert len(requested) == 1
