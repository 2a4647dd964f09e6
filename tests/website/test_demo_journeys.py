"""The demo website clicked through as a visitor would, with capture, scoring and the
mailer running (mails as files, read in the development mail viewer like a newcomer):
the calculator alone never makes a lead hot, its result comes by mail only when asked
for and with the calculator's own figures, and a burning lead reaches sales by mail."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import pytest
from auftakt_capture.app import create_app as capture_app
from auftakt_capture.settings import CaptureSettings
from auftakt_common.embedded import free_port
from auftakt_mailer.app import MailerService
from auftakt_mailer.app import create_app as mailer_app
from auftakt_mailer.settings import MailerSettings
from auftakt_scoring.app import ScoringService
from playwright.async_api import BrowserContext, Page, expect
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.admin.helpers import wait_for
from tests.mailer.conftest import mailer_settings, providers, smtp  # noqa: F401
from tests.scoring.helpers import eventually, scorecard
from tests.website.conftest import _serving
from tests.website.helpers import lead_of, visit, visitor_cookie


@dataclass(frozen=True)
class Demo:
    capture: str  # capture, serving the demo website at /demo/
    viewer: str  # the mailer's development mail viewer
    mail_dir: Path


@pytest.fixture
async def demo(
    capture_settings: CaptureSettings,
    mailer_settings: MailerSettings,  # noqa: F811
    tmp_path: Path,
) -> AsyncIterator[Demo]:
    capture_port, mailer_port = free_port(), free_port()
    origin = f"http://127.0.0.1:{capture_port}"
    captured = capture_settings.model_copy(
        update={"capture_allowed_origins": [origin], "capture_demo_site": True}
    )
    mail = mailer_settings.model_copy(
        update={"mailer_transport": "files", "mailer_files_dir": tmp_path, "env": "development"}
    )
    async with MailerService(mail) as mailer, _serving(capture_app(captured), capture_port):
        async with _serving(mailer_app(mail, mailer), mailer_port):
            yield Demo(f"{origin}/demo", f"http://127.0.0.1:{mailer_port}/dev/mail", tmp_path)


async def _consenting_on(context: BrowserContext, url: str) -> Page:
    page = await context.new_page()
    await visit(page, url)
    await page.get_by_role("button", name="Einverstanden").click()
    return page


async def _calculate(page: Page, guests: str) -> str:
    calculator = page.locator("form[data-auftakt-calculator]")
    await calculator.get_by_label("Anlass").select_option("weihnachtsfeier")
    await calculator.get_by_label("Anzahl Gäste").fill(guests)
    await calculator.get_by_label("Spieldauer").select_option("4")
    await calculator.get_by_label("Besetzung").select_option("solo")
    await calculator.get_by_role("button", name="Budget berechnen").click()
    await expect(page.locator(".af-detail").first).to_contain_text(f"{guests} Gäste")
    answer = await page.locator(".af-answer").inner_text()
    return answer.removeprefix("Ihr Budgetrahmen:").strip()


async def _mails(viewer: Page, url: str, to: str) -> list[str]:
    """The subjects of the mails to `to`, as the development mail viewer lists them."""
    await viewer.goto(url)
    rows = viewer.locator("tr", has_text=to)
    return [re.sub(r"\s+", " ", text).strip() for text in await rows.all_inner_texts()]


async def _activity_types(db: AsyncEngine, lead_id: UUID) -> list[str]:
    async with db.connect() as conn:
        result = await conn.execute(
            text("SELECT activity_type FROM capture.activities WHERE lead_id = :id"),
            {"id": lead_id},
        )
        return sorted(row.activity_type for row in result)


async def test_the_calculator_alone_is_not_hot_and_its_result_mail_shows_its_own_figures(
    context: BrowserContext, demo: Demo, db: AsyncEngine, scoring: ScoringService
) -> None:
    page = await _consenting_on(context, f"{demo.capture}/preise")
    await _calculate(page, "100")
    shown = await _calculate(page, "120")  # and again, with other numbers
    address = "maria.rechner@hansen-logistik.de"
    result_form = page.locator("form[data-auftakt-magnet]")
    await result_form.get_by_role("textbox", name="E-Mail", exact=True).fill(address)
    await result_form.get_by_label("Vorname").fill("Maria")
    await page.get_by_role("button", name="Ergebnis zusenden").click()
    await expect(page.get_by_role("status")).to_contain_text("Danke")

    visitor = await visitor_cookie(context)
    assert visitor is not None
    lead_id = await lead_of(db, visitor)
    card = await eventually(lambda: scorecard(db, lead_id), lambda c: bool(c.history), settle=2)
    assert card.score < 61 and card.stage in ("cold", "warm"), card
    types = await _activity_types(db, lead_id)
    assert types.count("budget_calculator_used") == 1  # two calculations, one signal
    assert "form_50_percent_filled" not in types

    viewer = await context.new_page()
    listed = await wait_for(lambda: _mails(viewer, demo.viewer, address))
    assert len(listed) == 1
    assert f"Ihr Ergebnis aus dem Budget-Rechner: {shown}" in listed[0]
    await viewer.get_by_role("link", name=re.compile("Budget-Rechner")).click()
    mail = viewer.locator("body")
    await expect(mail).to_contain_text(f"{shown} für 120 Gäste")
    await expect(mail).to_contain_text("Solo-Musiker:in, 4 Stunden, Weihnachtsfeier, 120 Gäste")
    assert "4.500" not in await mail.inner_text()

    quiz = await context.new_page()
    await visit(quiz, f"{demo.capture}/event-typ-finder")
    form = quiz.locator("form").first
    for _ in range(await form.locator("fieldset[data-question]").count()):
        await form.locator("fieldset:not([hidden])").locator("input").first.check()
        await form.locator(".af-submit").click()
    await expect(quiz.locator(".af-answer")).to_be_visible()
    await expect(form.locator(".af-submit")).to_be_hidden()  # done: no second completion


async def test_an_enquiry_after_the_calculator_gets_no_quote_mail_and_burning_alerts_by_mail(
    context: BrowserContext, demo: Demo, db: AsyncEngine, scoring: ScoringService
) -> None:
    page = await _consenting_on(context, f"{demo.capture}/preise")
    await _calculate(page, "120")
    await page.get_by_role("link", name="040 123 456 789").click()
    await page.get_by_role("link", name="Anfrage", exact=True).click()
    await page.wait_for_url(f"{demo.capture}/anfrage")
    address = "jonas.anfrage@brandt-maschinenbau.de"
    form = page.locator("form").first
    await form.get_by_role("textbox", name="E-Mail", exact=True).fill(address)
    await form.get_by_label("Vorname").fill("Jonas")
    await form.get_by_label("Nachname").fill("Brandt")
    await form.get_by_label("Firma").fill("Brandt Maschinenbau GmbH")
    await form.get_by_label("Anzahl Gäste").fill("180")
    await form.get_by_label("Budget für Musik (EUR, bis)").fill("8000")
    await form.get_by_role("button", name="Anfrage senden").click()
    await expect(page.get_by_role("status")).to_be_visible()

    visitor = await visitor_cookie(context)
    assert visitor is not None
    lead_id = await lead_of(db, visitor)
    card = await eventually(lambda: scorecard(db, lead_id), lambda c: c.stage == "burning")
    assert card.score >= 81

    viewer = await context.new_page()
    alerts = await wait_for(lambda: _mails(viewer, demo.viewer, "BURNING Lead"))
    assert any("Brandt Maschinenbau GmbH" in row for row in alerts), alerts
    assert await _mails(viewer, demo.viewer, address) == []  # never asked for the result
