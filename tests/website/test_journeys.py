"""Visitors who consent: their pages, clicks and half-filled form reach capture (the page
they consented on included), and once they send the enquiry form the anonymous history
joins the lead and scoring rates it."""

from __future__ import annotations

import httpx
from auftakt_scoring.app import ScoringService
from playwright.async_api import BrowserContext, expect
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.scoring.helpers import eventually, scorecard
from tests.website.helpers import (
    follow,
    lead_of,
    open_page,
    recorded,
    summary,
    visit,
    visitor_cookie,
)
from tests.website.site import PHONE, Site


async def test_a_consenting_visitors_pages_clicks_and_half_form_are_recorded_and_scored(
    context: BrowserContext, site: Site, db: AsyncEngine, scoring: ScoringService
) -> None:
    landing = "/?utm_source=linkedin&utm_campaign=sommerfest"
    page = await open_page(context, site.url(landing))
    await page.get_by_role("button", name="Alle akzeptieren").click()
    await follow(page, "Preise", site.url("/preise"))  # consent remembered: no banner click
    await page.get_by_role("link", name="040 123 456 789").click()
    await follow(page, "Referenzen", site.url("/referenzen"))
    await follow(page, "Anfrage", site.url("/anfrage"))
    await page.get_by_label("E-Mail-Adresse").fill("lea.sommer@example-firma.de")
    await page.get_by_label("Vorname").fill("Lea")
    await page.get_by_label("Firma").fill("Sommer Events GmbH")  # 3 of 6 fields

    visitor = await visitor_cookie(context)
    assert visitor is not None
    rows = await recorded(db, visitor, 6)
    assert summary(rows, site.origin) == [
        ("click", PHONE),
        ("form_50_percent_filled", "{'form': 'anfrage'}"),
        ("page_view", landing),
        ("page_view", "/anfrage"),
        ("page_view", "/preise"),
        ("page_view", "/referenzen"),
    ]
    assert {row["ip_prefix"] for row in rows} == {"127.0.0.0/24"}  # never the full address
    referrers = {row["page_url"]: row["referrer"] for row in rows if row["referrer"]}
    assert referrers == {
        site.url("/preise"): site.url(landing),
        site.url("/referenzen"): site.url("/preise"),
        site.url("/anfrage"): site.url("/referenzen"),
    }

    await page.get_by_role("button", name="Anfrage senden").click()
    await expect(page.get_by_role("heading", name="Vielen Dank!")).to_be_visible()
    lead_id = await lead_of(db, visitor)
    card = await eventually(
        lambda: scorecard(db, lead_id), lambda c: len(c.history) == 5, timeout=20, settle=1.0
    )
    assert (card.score, card.stage) == (100, "burning")
    assert sorted(row["activity"] for row in card.history) == [
        "case_study_viewed",
        "form_50_percent_filled",
        "multiple_pages_viewed",
        "phone_clicked",
        "pricing_page_visited",
    ]


async def test_the_enquiry_form_carries_the_visitor_id_and_the_lead_gets_the_history(
    context: BrowserContext, site: Site, db: AsyncEngine, scoring: ScoringService
) -> None:
    page = await open_page(context, site.url("/preise"))
    await page.get_by_role("button", name="Alle akzeptieren").click()
    await page.get_by_role("link", name="040 123 456 789").click()
    await visit(page, site.url("/anfrage"))
    visitor = await visitor_cookie(context)
    assert visitor is not None
    await expect(page.locator('#anfrage input[name="visitor_id"]')).to_have_value(visitor)

    await page.get_by_label("E-Mail-Adresse").fill("max.berger@example-firma.de")
    await page.get_by_label("Vorname").fill("Max")
    await page.get_by_label("Nachname").fill("Berger")
    await page.get_by_role("button", name="Anfrage senden").click()
    await expect(page.get_by_role("heading", name="Vielen Dank!")).to_be_visible()

    lead_id = await lead_of(db, visitor)
    rows = await recorded(db, visitor, 4)
    assert summary(rows, site.origin) == [
        ("click", PHONE),
        ("form_50_percent_filled", "{'form': 'anfrage'}"),
        ("page_view", "/anfrage"),
        ("page_view", "/preise"),
    ]
    assert {row["lead_id"] for row in rows} == {lead_id}

    card = await eventually(
        lambda: scorecard(db, lead_id), lambda c: len(c.history) == 3, timeout=20, settle=1.0
    )
    assert (card.score, card.stage) == (20 + 30 + 35, "burning")
    assert sorted(card.reasons) == [
        "Formular zu 50% ausgefüllt",
        "Preise-Seite besucht",
        "Telefonnummer geklickt",
    ]


async def test_a_plain_form_with_blank_fields_and_the_empty_honeypot_is_accepted(
    client: httpx.AsyncClient,
) -> None:
    fields = {
        "email": "ida.leer@example-firma.de",
        "first_name": "Ida",
        "visitor_id": "leer0123456789",
    }
    blank = ["last_name", "company_name", "phone", "company_domain", "guest_count", "homepage"]
    response = await client.post("/v1/leads", data={**fields, **dict.fromkeys(blank, "")})
    assert response.status_code == 303, response.text
