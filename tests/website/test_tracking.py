"""What the snippet records once the visitor consented: single-page navigation, video
progress, contact and download links, named and custom events; the visitor id for the
site's own scripts; a capture address of the page's choosing."""

from __future__ import annotations

from typing import Any

from playwright.async_api import BrowserContext, Page
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.admin.helpers import wait_for
from tests.website.conftest import Traffic
from tests.website.helpers import open_page, recorded, summary, visit, visitor_cookie
from tests.website.site import PHONE, WHATSAPP, Site


async def _sent(traffic: Traffic, count: int) -> list[dict[str, Any]]:
    """The activities sent so far, once there are `count`; each batch accepted (202)."""
    activities = await wait_for(
        lambda: _accepted(traffic), lambda found: len(found) >= count, timeout=10
    )
    assert len(activities) == count, activities
    return activities


async def _accepted(traffic: Traffic) -> list[dict[str, Any]]:
    for request in traffic.requests:
        answer = await request.response()
        assert answer is not None and answer.status == 202, request.post_data
    return traffic.activities


async def _play(page: Page, seconds: float, *, ended: bool = False) -> None:
    """The showreel (2 minutes) at `seconds`, as a playing video reports its position."""
    await page.evaluate(
        """([seconds, ended]) => {
            const video = document.getElementById('showreel');
            Object.defineProperty(video, 'duration', {value: 120, configurable: true});
            Object.defineProperty(video, 'currentTime', {value: seconds, configurable: true});
            video.dispatchEvent(new Event(ended ? 'ended' : 'timeupdate'));
        }""",
        [seconds, ended],
    )


async def test_single_page_navigation_counts_new_paths_and_queries_as_page_views(
    context: BrowserContext, traffic: Traffic, site: Site
) -> None:
    page = await open_page(context, site.url("/app"))
    await page.get_by_role("button", name="Alle akzeptieren").click()
    await page.get_by_role("button", name="Bands ansehen").click()
    await page.get_by_role("button", name="Nur Jazz").click()  # replaceState, same path
    await page.go_back()

    sent = await _sent(traffic, 3)
    assert [(a["type"], a["page_url"], a.get("referrer")) for a in sent] == [
        ("page_view", site.url("/app"), None),
        ("page_view", site.url("/app/bands"), site.url("/app")),
        ("page_view", site.url("/app"), site.url("/app/bands?stil=jazz")),
    ]


async def test_video_progress_is_recorded_once_per_quarter(
    context: BrowserContext, traffic: Traffic, site: Site
) -> None:
    page = await open_page(context, site.url("/referenzen"))
    await page.get_by_role("button", name="Alle akzeptieren").click()
    await _play(page, 20)
    await _play(page, 31)  # 25 %
    await _play(page, 100)  # past 50 % and 75 % at once (the visitor skipped ahead)
    await _play(page, 100)
    await _play(page, 10)  # back to the start: nothing again
    await _play(page, 120, ended=True)

    sent = await _sent(traffic, 5)
    video = site.url("/media/showreel.webm")
    assert [(a["type"], a.get("target"), a.get("detail")) for a in sent[1:]] == [
        ("video_progress", video, {"percent": 25}),
        ("video_progress", video, {"percent": 50}),
        ("video_progress", video, {"percent": 75}),
        ("video_progress", video, {"percent": 100}),
    ]


async def test_contact_and_download_links_named_elements_and_custom_events_are_recorded(
    context: BrowserContext, traffic: Traffic, site: Site, db: AsyncEngine
) -> None:
    await context.route(
        "https://wa.me/**", lambda route: route.fulfill(body="WhatsApp", content_type="text/plain")
    )
    page = await open_page(context, site.url("/preise"))
    await page.get_by_role("button", name="Alle akzeptieren").click()
    await page.get_by_role("link", name="040 123 456 789").click()
    async with context.expect_page() as whatsapp:
        await page.get_by_role("link", name="Per WhatsApp schreiben").click()
    await (await whatsapp.value).close()
    await page.get_by_role("link", name="E-Mail an uns").click()
    async with context.expect_page() as pdf:
        await page.get_by_role("link", name="Preisliste (PDF)").click()
    await (await pdf.value).close()
    async with page.expect_download():
        await page.get_by_role("link", name="Checkliste").click()
    await page.get_by_role("button", name="Beratungstermin buchen").click()
    await page.evaluate(
        """() => {
            auftakt('track', 'Budget_Calculator_Used', {gaeste: 120, format: 'Band'});
            auftakt('track', 'kein gültiger Name', {});
            auftakt('track', 'zu_gross', {text: 'x'.repeat(5000)});
        }"""
    )

    visitor = await visitor_cookie(context)
    assert visitor is not None
    rows = await recorded(db, visitor, 8)
    assert summary(rows, site.origin) == [
        ("budget_calculator_used", "{'format': 'Band', 'gaeste': 120}"),
        ("calendar_booking_started", "{}"),
        ("click", site.url("/downloads/checkliste")),
        ("click", site.url("/downloads/preisliste.pdf")),
        ("click", WHATSAPP),
        ("click", "mailto:[email]"),  # capture keeps no address in clear text
        ("click", PHONE),
        ("page_view", "/preise"),
    ]


async def test_the_site_gets_the_visitor_id_once_consent_is_given(
    context: BrowserContext, site: Site
) -> None:
    page = await open_page(context, site.url("/anfrage"))
    await page.evaluate("auftakt('ready', (id) => { window.besucher = id })")
    assert await page.evaluate("window.besucher") is None

    await page.get_by_role("button", name="Alle akzeptieren").click()
    visitor = await visitor_cookie(context)
    assert visitor is not None and len(visitor) == 32
    assert await page.evaluate("window.besucher") == visitor
    assert await page.evaluate("auftakt('visitor')") == visitor
    assert await page.locator('input[name="visitor_id"]').input_value() == visitor

    await visit(page, site.url("/anfrage"))  # the next page: the form is filled at once
    assert await page.locator('input[name="visitor_id"]').input_value() == visitor


async def test_data_endpoint_sends_the_activities_where_the_page_says(
    context: BrowserContext, site: Site
) -> None:
    elsewhere = site.capture.replace("127.0.0.1", "localhost")
    page = await open_page(context, site.url(f"/preise?endpoint={elsewhere}/"))
    async with page.expect_request(f"{elsewhere}/v1/activities") as sent:
        await page.get_by_role("button", name="Alle akzeptieren").click()
    answer = await (await sent.value).response()
    assert answer is not None and answer.status == 202
