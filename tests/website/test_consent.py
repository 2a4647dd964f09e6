"""Consent first: before consent nothing is stored on the device and nothing leaves it;
Do Not Track and Global Privacy Control win over consent; withdrawing deletes the id."""

from __future__ import annotations

import pytest
from playwright.async_api import BrowserContext

from tests.website.conftest import Traffic
from tests.website.helpers import (
    DO_NOT_TRACK,
    GLOBAL_PRIVACY_CONTROL,
    NOTHING_STORED,
    QUIET_MS,
    open_page,
    stored,
    visit,
    visitor_cookie,
)
from tests.website.site import PHONE, Site


async def test_without_consent_nothing_is_stored_and_nothing_is_sent(
    context: BrowserContext, traffic: Traffic, site: Site
) -> None:
    page = await open_page(context, site.url("/?utm_source=linkedin"))
    assert await stored(page) == NOTHING_STORED

    await visit(page, site.url("/preise"))
    await page.get_by_role("link", name="040 123 456 789").click()
    await page.get_by_role("button", name="Beratungstermin buchen").click()
    await page.evaluate("auftakt('track', 'budget_calculator_used', {gaeste: 120})")
    assert await stored(page) == NOTHING_STORED

    await visit(page, site.url("/anfrage"))
    await page.get_by_label("E-Mail-Adresse").fill("jana.kurz@example-firma.de")
    await page.get_by_label("Vorname").fill("Jana")
    await page.get_by_label("Firma").fill("Kurz Logistik GmbH")
    await page.get_by_role("button", name="Ablehnen").click()
    assert await stored(page) == NOTHING_STORED
    assert await page.locator('input[name="visitor_id"]').count() == 0
    assert await page.evaluate("auftakt('visitor')") is None

    await visit(page, site.url("/referenzen"))  # leaving /anfrage: nothing to send at pagehide
    await page.wait_for_timeout(QUIET_MS)
    assert await context.cookies() == []
    assert traffic.requests == []


async def test_withdrawing_consent_deletes_the_id_and_stops_sending(
    context: BrowserContext, traffic: Traffic, site: Site
) -> None:
    page = await open_page(context, site.url("/preise"))
    async with page.expect_request(traffic.url):
        await page.get_by_role("button", name="Alle akzeptieren").click()
    assert await visitor_cookie(context) is not None

    await page.get_by_role("link", name="040 123 456 789").click()  # not sent yet (batched)
    await page.get_by_role("button", name="Einwilligung widerrufen").click()
    assert await stored(page) == NOTHING_STORED
    assert await context.cookies() == []
    assert await page.evaluate("auftakt('visitor')") is None

    await visit(page, site.url("/anfrage"))
    assert await page.locator('input[name="visitor_id"]').count() == 0
    await page.get_by_label("E-Mail-Adresse").fill("tom.weg@example-firma.de")
    await page.get_by_label("Vorname").fill("Tom")
    await page.get_by_label("Firma").fill("Weg AG")
    await page.wait_for_timeout(QUIET_MS)
    assert [a["type"] for a in traffic.activities] == ["page_view"]
    assert PHONE not in str(traffic.activities)
    assert await context.cookies() == []


@pytest.mark.parametrize(
    "signal", [DO_NOT_TRACK, GLOBAL_PRIVACY_CONTROL], ids=["do-not-track", "gpc"]
)
async def test_do_not_track_and_global_privacy_control_win_over_consent(
    context: BrowserContext, traffic: Traffic, site: Site, signal: str
) -> None:
    await context.add_cookies(
        [{"name": "auftakt_vid", "value": "frueher0123456789", "url": site.origin}]
    )
    await context.add_init_script(signal)

    page = await open_page(context, site.url("/preise"))
    assert await context.cookies() == []  # an id from before the signal is deleted
    await page.get_by_role("button", name="Alle akzeptieren").click()
    await page.get_by_role("link", name="040 123 456 789").click()
    await visit(page, site.url("/anfrage"))
    await page.evaluate("auftakt('consent', true)")
    await page.get_by_label("E-Mail-Adresse").fill("nina.still@example-firma.de")
    await page.get_by_label("Vorname").fill("Nina")
    await page.get_by_label("Firma").fill("Still GmbH")

    await page.wait_for_timeout(QUIET_MS)
    assert await stored(page) == NOTHING_STORED
    assert await context.cookies() == []
    assert await page.evaluate("auftakt('visitor')") is None
    assert await page.locator('input[name="visitor_id"]').count() == 0
    assert traffic.requests == []
