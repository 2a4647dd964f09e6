"""The dashboard in a real browser, as sales use it: log in, read the KPIs, filter,
open a lead, work it, edit a rule, log out; find the target accounts among the
companies; copy the website's code and change a price of the budget calculator."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import httpx
from auftakt_admin.app import AdminService
from auftakt_scoring.app import ScoringService
from nats.aio.client import Client
from playwright.async_api import Browser, expect

from tests.admin.conftest import Staff
from tests.admin.helpers import log_in, signed_in_csrf, submit_lead
from tests.admin.test_companies import _company, _project
from tests.admin.test_leads import HOT_VISIT, _scored


async def test_sales_work_a_lead_from_login_to_logout(
    browser: Browser,
    admin_url: str,
    admin_http: httpx.AsyncClient,
    admin_user: Staff,
    client: httpx.AsyncClient,
    scoring: ScoringService,
) -> None:
    company = f"Browser {uuid4().hex[:6]}"
    hot_email, _ = await submit_lead(
        client,
        activities=HOT_VISIT,
        first_name="Jonas",
        last_name="Becker",
        company_name=f"{company} Events GmbH",
        event_type="sommerfest",
    )
    await submit_lead(client, activities=[], company_name=f"{company} Kalt AG")
    await log_in(admin_http, admin_user.email, admin_user.password)
    await _scored(admin_http, hot_email, 65)

    errors: list[str] = []
    page = await (await browser.new_context(locale="de-DE")).new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))

    await page.goto(f"{admin_url}/admin/leads")
    await expect(page).to_have_url(f"{admin_url}/admin/login?next=%2Fadmin%2Fleads")
    await page.get_by_label("E-Mail-Adresse").fill(admin_user.email)
    await page.get_by_label("Passwort").fill(admin_user.password)
    await page.get_by_role("button", name="Anmelden").click()
    await expect(page).to_have_url(f"{admin_url}/admin/leads")

    await page.get_by_role("link", name="Dashboard").click()
    new_today = await page.locator('[data-kpi="new_today"]').inner_text()
    assert int(new_today.replace(".", "")) >= 2  # the two leads of this test at least
    await expect(page.get_by_text("Burning-Leads warten auf Anruf")).to_be_visible()
    await expect(page.locator('[data-stage="hot"]')).to_be_visible()

    await page.get_by_role("link", name="Leads", exact=True).click()
    await page.locator('select[name="stage"]').select_option("hot")
    await page.locator('select[name="score"]').select_option("61-80")
    await page.locator('input[name="company"]').fill(company)
    await page.get_by_role("button", name="Filter anwenden").click()
    await expect(page).to_have_url(
        f"{admin_url}/admin/leads?stage=hot&score=61-80&company={company.replace(' ', '+')}"
    )
    rows = page.locator("table.leads tbody tr")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text(f"{company} Events GmbH")

    await page.get_by_role("link", name="Jonas Becker").click()
    await expect(page.locator("#timeline")).to_contain_text("Klick")
    await expect(page.locator("#timeline")).to_contain_text("/preise")
    await expect(page.locator(".score-value")).to_have_text("65")
    await expect(page.locator(".score-history li")).to_have_count(3)

    await page.locator('select[name="status"]').select_option("qualified")
    await page.get_by_role("button", name="Status speichern").click()
    await expect(page.get_by_role("status")).to_have_text("Status gespeichert.")
    await expect(page.locator(".status").first).to_have_text("Qualifiziert")
    await page.get_by_label("Neue Notiz").fill("Budget passt, Angebot bis Freitag")
    await page.get_by_role("button", name="Notiz speichern").click()
    await expect(page.locator("ul.notes")).to_contain_text("Budget passt, Angebot bis Freitag")

    await page.get_by_role("link", name="Scoring-Regeln").click()
    rule = page.locator('form[data-rule="pricing_page_visited"]')
    description = rule.get_by_label("Beschreibung")
    original = await description.input_value()
    await description.fill(f"{original} (geprüft)")
    await rule.get_by_role("button", name="Speichern").click()
    await expect(page.get_by_role("status")).to_contain_text("Gespeichert")
    await expect(
        page.locator('form[data-rule="pricing_page_visited"]').get_by_label("Beschreibung")
    ).to_have_value(f"{original} (geprüft)")
    restored = page.locator('form[data-rule="pricing_page_visited"]')
    await restored.get_by_label("Beschreibung").fill(original)  # other tests read reasons
    await restored.get_by_role("button", name="Speichern").click()
    await expect(page.get_by_role("status")).to_contain_text("Gespeichert")

    await page.get_by_role("button", name="Abmelden").click()
    await expect(page).to_have_url(f"{admin_url}/admin/login")
    await page.goto(f"{admin_url}/admin")
    await expect(page).to_have_url(f"{admin_url}/admin/login?next=%2Fadmin")
    assert errors == []


async def test_a_sales_user_sees_no_user_management(
    browser: Browser, admin_url: str, sales_user: Staff
) -> None:
    page = await (await browser.new_context()).new_page()
    await page.goto(f"{admin_url}/admin/login")
    await page.get_by_label("E-Mail-Adresse").fill(sales_user.email)
    await page.get_by_label("Passwort").fill(sales_user.password)
    await page.get_by_role("button", name="Anmelden").click()
    await expect(page.get_by_role("link", name="Leads", exact=True)).to_be_visible()
    await expect(page.get_by_role("link", name="Benutzer")).to_have_count(0)
    response = await page.goto(f"{admin_url}/admin/users")
    assert response is not None and response.status == 403
    await expect(page.get_by_role("alert")).to_have_text("Nur für Administratoren")


async def test_sales_find_their_target_accounts_in_the_companies_list(
    browser: Browser, admin_url: str, admin: AdminService, sales_user: Staff, nc: Client
) -> None:
    marker = uuid4().hex[:8]
    now = datetime.now(UTC)
    target = _company(f"Ziel {marker} GmbH", now, target=True, tier="tier_2", highest=64)
    other = _company(f"Andere {marker} AG", now, highest=90)
    await _project(admin, nc, *target.events, *other.events)

    page = await (await browser.new_context(locale="de-DE")).new_page()
    await page.goto(f"{admin_url}/admin/login")
    await page.get_by_label("E-Mail-Adresse").fill(sales_user.email)
    await page.get_by_label("Passwort").fill(sales_user.password)
    await page.get_by_role("button", name="Anmelden").click()
    await page.get_by_role("link", name="Firmen").click()
    await page.get_by_label("nur Zielkunden").check()
    await page.get_by_label("Name oder Domain").fill(marker)
    await page.get_by_role("button", name="Filter anwenden").click()
    await expect(page).to_have_url(f"{admin_url}/admin/companies?target=1&search={marker}")
    rows = page.locator("table.companies tbody tr")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("Zielkunde · Tier 2")

    await rows.first.get_by_role("link", name=f"Ziel {marker} GmbH").click()
    await expect(page).to_have_url(f"{admin_url}/admin/companies/{target.company_id}")
    await expect(page.locator("#rollup")).to_contain_text("64")
    await expect(page.get_by_role("alert")).to_contain_text("Enrichment antwortet nicht")
    await expect(page.get_by_label("Zielkunde (Account-based Marketing)")).to_be_checked()


async def test_sales_copy_the_snippet_and_change_a_price_of_the_calculator(
    browser: Browser,
    admin_url: str,
    admin_http: httpx.AsyncClient,
    sales_user: Staff,
    client: httpx.AsyncClient,
) -> None:
    await log_in(admin_http, sales_user.email, sales_user.password)
    original = (await admin_http.get("/api/v1/website/prices")).json()
    context = await browser.new_context(locale="de-DE")
    await context.grant_permissions(["clipboard-read", "clipboard-write"], origin=admin_url)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        await page.goto(f"{admin_url}/admin/login")
        await page.get_by_label("E-Mail-Adresse").fill(sales_user.email)
        await page.get_by_label("Passwort").fill(sales_user.password)
        await page.get_by_role("button", name="Anmelden").click()
        await page.get_by_role("link", name="Website", exact=True).click()
        copy = page.locator('button[data-copy="embed-tracking"]')
        await copy.click()
        await expect(copy).to_have_text("Kopiert")
        copied = await page.evaluate("navigator.clipboard.readText()")
        assert copied.startswith("<script>window.auftakt=window.auftakt||function(){")
        assert copied.endswith('/t.js" async></script>')

        await (
            page.get_by_role("navigation", name="Website")
            .get_by_role("link", name="Preistabelle")
            .click()
        )
        party = page.locator("tr", has=page.locator('input[value="partyband"]'))
        await party.get_by_label("Grundpreis von").fill("4100")
        await page.get_by_role("button", name="Preistabelle speichern").click()
        await expect(page.get_by_role("status")).to_have_text("Preistabelle gespeichert.")
        await expect(party.get_by_label("Grundpreis von")).to_have_value("4100")
    finally:
        await context.close()
        back = {key: value for key, value in original.items() if key != "version"}
        csrf = {"X-CSRF-Token": await signed_in_csrf(admin_http)}
        assert (await admin_http.put("/api/v1/website/prices", json=back, headers=csrf)).is_success
    assert errors == []
