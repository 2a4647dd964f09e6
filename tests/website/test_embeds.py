"""The embeddable form, the plain form, the budget calculator and the quiz in headless
Chromium, on the demo company website capture serves (the README's run command serves
the same): errors announced and fixed, the lead stored with the magnet's results, the
visitor's history joined to it, and the plain form without JavaScript."""

from __future__ import annotations

from typing import Any

from auftakt_capture.settings import CaptureSettings
from auftakt_scoring.app import ScoringService
from playwright.async_api import Browser, BrowserContext, expect
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.admin.conftest import browser  # noqa: F401
from tests.admin.helpers import wait_for
from tests.capture.helpers import query, unique_email
from tests.scoring.helpers import eventually, scorecard
from tests.website.site import Site


async def _newest_lead(settings: CaptureSettings, since: int) -> dict[str, Any] | None:
    rows = await query(
        settings.database_url,
        "SELECT l.id, l.event_type, l.guest_count, l.budget_min, l.budget_max, "
        "m.magnet_type, m.quiz_results, (SELECT count(*) FROM capture.leads) AS leads "
        "FROM capture.leads l LEFT JOIN capture.lead_magnets m ON m.lead_id = l.id "
        "ORDER BY l.created_at DESC LIMIT 1",
    )
    return rows[0] if rows and rows[0]["leads"] > since else None


async def _lead_count(settings: CaptureSettings) -> int:
    rows = await query(settings.database_url, "SELECT count(*) AS n FROM capture.leads")
    return int(rows[0]["n"])


async def test_the_enquiry_form_says_what_is_missing_then_sends_with_the_visit_joined(
    context: BrowserContext, site: Site, capture_settings: CaptureSettings
) -> None:
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(f"{site.capture}/demo/preise")
    await page.get_by_role("button", name="Einverstanden").click()
    await page.wait_for_function("document.cookie.indexOf('auftakt_vid=') >= 0")
    await page.get_by_role("link", name="Anfrage", exact=True).click()
    form = page.locator("form.auftakt-form")
    await expect(form).to_be_visible()
    await page.get_by_role("button", name="Anfrage senden").click()
    await expect(page.get_by_role("alert")).to_have_text(
        "Bitte prüfen Sie eine Angabe: Bitte füllen Sie „E-Mail“ aus."
    )
    email_field = page.get_by_role("textbox", name="E-Mail", exact=True)
    await expect(email_field).to_be_focused()
    await expect(email_field).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#af-anfrage-email-error")).to_have_text(
        "Bitte füllen Sie „E-Mail“ aus."
    )
    await email_field.fill(unique_email("jana"))
    await page.get_by_label("Anzahl Gäste").fill("0")
    await page.get_by_label("Anzahl Gäste").press("Enter")  # the keyboard submits too
    await expect(page.locator("#af-anfrage-guest_count-error")).to_have_text(
        "„Anzahl Gäste“ muss eine ganze Zahl von 1 bis 10.000 sein."
    )
    before = await _lead_count(capture_settings)
    await page.get_by_label("Anzahl Gäste").fill("120")
    await page.get_by_label("Anlass").select_option("weihnachtsfeier")
    await page.get_by_role("button", name="Anfrage senden").click()
    await expect(page.get_by_role("status")).to_have_text(
        "Vielen Dank! Wir melden uns innerhalb eines Werktags bei Ihnen."
    )
    lead = await wait_for(lambda: _newest_lead(capture_settings, before))
    assert (lead["event_type"], lead["guest_count"]) == ("weihnachtsfeier", 120)
    visited = await query(
        capture_settings.database_url,
        "SELECT page_url FROM capture.activities WHERE lead_id = :id AND activity_type = "
        "'page_view'",
        id=lead["id"],
    )
    assert any(row["page_url"].endswith("/demo/preise") for row in visited)  # joined
    assert errors == []


async def test_the_plain_checklist_form_works_without_javascript(
    browser: Browser,  # noqa: F811
    site: Site,
    capture_settings: CaptureSettings,
) -> None:
    context = await browser.new_context(locale="de-DE", java_script_enabled=False)
    try:
        page = await context.new_page()
        await page.goto(f"{site.capture}/demo/checkliste")
        await page.get_by_role("button", name="Checkliste anfordern").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "Bitte prüfen Sie Ihre Angaben"
        )
        await expect(page.get_by_role("alert")).to_contain_text("Bitte füllen Sie „E-Mail“ aus.")
        await page.get_by_role("link", name="Zurück zum Formular").click()
        before = await _lead_count(capture_settings)
        await page.get_by_role("textbox", name="E-Mail", exact=True).fill(unique_email("ohne.js"))
        await page.get_by_label("Vorname").fill("Paul")
        await page.get_by_role("button", name="Checkliste anfordern").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Vielen Dank!")
        lead = await wait_for(lambda: _newest_lead(capture_settings, before))
        assert lead["magnet_type"] == "checklist_2025"
    finally:
        await context.close()


async def test_the_calculator_shows_the_range_and_its_lead_counts_as_calculator_used(
    context: BrowserContext,
    site: Site,
    capture_settings: CaptureSettings,
    scoring: ScoringService,
    db: AsyncEngine,
) -> None:
    page = await context.new_page()
    await page.goto(f"{site.capture}/demo/")
    await page.get_by_role("button", name="Ablehnen").click()  # no tracking needed
    calculator = page.locator("form[data-auftakt-calculator]")
    await calculator.get_by_label("Anlass").select_option("weihnachtsfeier")
    await calculator.get_by_label("Anzahl Gäste").fill("180")
    await calculator.get_by_label("Spieldauer").select_option("5")
    await calculator.get_by_label("Besetzung").select_option("partyband")
    await calculator.get_by_role("button", name="Budget berechnen").click()
    await expect(page.locator(".af-answer")).to_have_text("Ihr Budgetrahmen: 5.500 – 8.000 €")
    before = await _lead_count(capture_settings)
    await (
        page.locator("form[data-auftakt-magnet]")
        .get_by_role("textbox", name="E-Mail", exact=True)
        .fill(unique_email("rechner"))
    )
    await page.get_by_role("button", name="Ergebnis zusenden").click()
    await expect(page.get_by_role("status")).to_have_text(
        "Danke! Ihr Ergebnis ist auf dem Weg in Ihr Postfach."
    )
    lead = await wait_for(lambda: _newest_lead(capture_settings, before))
    assert lead["magnet_type"] == "budget_calculator"
    assert lead["quiz_results"]["inputs"] == {
        "event_type": "weihnachtsfeier", "guests": 180, "hours": 5, "band_format": "partyband",
    }  # fmt: skip
    assert (lead["quiz_results"]["quote"]["min"], lead["quiz_results"]["quote"]["max"]) == (
        5500,
        8000,
    )
    assert (lead["budget_min"], lead["budget_max"]) == (None, None)  # no budget she gave
    card = await eventually(
        lambda: scorecard(db, lead["id"]),
        lambda c: "budget_calculator_used" in str(c.history),
    )
    assert card.score >= 25


async def test_the_quiz_asks_one_question_at_a_time_and_stores_the_answers(
    context: BrowserContext, site: Site, capture_settings: CaptureSettings
) -> None:
    page = await context.new_page()
    await page.goto(f"{site.capture}/demo/event-typ-finder")
    await page.get_by_role("button", name="Ablehnen").click()
    quiz = page.locator("form[data-auftakt-quiz]")
    await expect(quiz.get_by_role("group")).to_have_count(1)  # one question at a time
    await expect(quiz.get_by_role("group")).to_contain_text("(Frage 1 von 4)")
    await quiz.get_by_role("button", name="Weiter").click()
    await expect(page.get_by_role("alert")).to_have_text("Bitte wählen Sie eine Antwort.")
    for answer in ("Ein Jubiläum oder eine Gala", "Gute Gespräche, Musik im Hintergrund",
                   "50 bis 200"):  # fmt: skip
        await quiz.get_by_label(answer).check()
        await quiz.get_by_role("button", name="Weiter").click()
    await quiz.get_by_label("2.000 bis 5.000 €").check()
    await quiz.get_by_role("button", name="Empfehlung anzeigen").click()
    await expect(page.locator(".af-answer")).to_have_text("Ihre Empfehlung: ein Jazz-Trio")
    before = await _lead_count(capture_settings)
    await (
        page.locator("form[data-auftakt-magnet]")
        .get_by_role("textbox", name="E-Mail", exact=True)
        .fill(unique_email("quiz"))
    )
    await page.get_by_role("button", name="Empfehlung zusenden").click()
    await expect(page.get_by_role("status")).to_be_visible()
    lead = await wait_for(lambda: _newest_lead(capture_settings, before))
    assert lead["magnet_type"] == "quiz" and lead["event_type"] == "gala"
    assert lead["quiz_results"]["answers"] == {
        "anlass": "jubilaeum", "stimmung": "gespraech", "gaeste": "mittel", "budget": "bis5000",
    }  # fmt: skip
    assert lead["quiz_results"]["outcome"] == "jazz-trio"


async def test_the_embeds_work_on_another_websites_origin(
    context: BrowserContext, site: Site, capture_settings: CaptureSettings
) -> None:
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(site.url("/buchen"))  # http://localhost:…, capture on 127.0.0.1
    await page.get_by_role("button", name="Ablehnen").click()
    await page.get_by_role("button", name="Budget berechnen").click()
    await expect(page.locator(".af-answer")).to_contain_text("Ihr Budgetrahmen:")
    form = page.locator("form[data-auftakt-form-id=anfrage]")
    before = await _lead_count(capture_settings)
    await form.get_by_role("textbox", name="E-Mail", exact=True).fill(unique_email("fremd"))
    await form.get_by_role("button", name="Anfrage senden").click()
    await expect(page.get_by_role("status")).to_have_text(
        "Vielen Dank! Wir melden uns innerhalb eines Werktags bei Ihnen."
    )
    assert await wait_for(lambda: _newest_lead(capture_settings, before))
    assert errors == []
