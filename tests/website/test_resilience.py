"""A capture that answers 503 or cannot be reached never troubles the host page: no
uncaught error, no unhandled rejection, no console output of the snippet's own; each batch
is tried twice, then dropped."""

from __future__ import annotations

from collections import Counter

import pytest
from playwright.async_api import BrowserContext, Route, expect

from tests.admin.helpers import wait_for
from tests.website.conftest import Traffic
from tests.website.helpers import Problems, visit
from tests.website.site import Site

_COUNT_REJECTIONS = """window.unbehandelt = 0;
window.addEventListener('unhandledrejection', () => { window.unbehandelt += 1 })"""


@pytest.mark.parametrize("failure", ["503", "unreachable"])
async def test_a_failing_capture_never_breaks_the_host_page(
    context: BrowserContext, traffic: Traffic, site: Site, failure: str
) -> None:
    async def fail(route: Route) -> None:
        if failure == "unreachable":
            await route.abort("connectionrefused")
        else:  # as capture answers with its database down (CORS headers included)
            await route.fulfill(
                status=503,
                json={"detail": "database unavailable, nothing was stored"},
                headers={"Retry-After": "5", "Access-Control-Allow-Origin": site.origin},
            )

    await context.route(traffic.url, fail)
    await context.add_init_script(_COUNT_REJECTIONS)
    page = await context.new_page()
    problems = Problems.watch(page)
    await visit(page, site.url("/preise"))

    await page.get_by_role("button", name="Alle akzeptieren").click()
    await page.get_by_role("link", name="040 123 456 789").click()
    await page.get_by_role("button", name="Angebot merken").click()
    await page.get_by_role("button", name="Gemerkt (1)").click()
    await expect(page.get_by_role("button", name="Gemerkt (2)")).to_be_visible()

    # the page view (sent at consent) and the click (a second later), each tried twice
    await wait_for(lambda: _count(traffic), lambda sent: sent >= 4, timeout=10)
    await page.wait_for_timeout(2500)  # longer than the retry delay: no third attempt
    assert sorted(Counter(r.post_data for r in traffic.requests).values()) == [2, 2]
    assert problems.errors == []
    assert problems.console_except(lambda url: url == traffic.url) == []
    assert await page.evaluate("window.unbehandelt") == 0
    await page.get_by_role("button", name="Gemerkt (2)").click()
    await expect(page.get_by_role("button", name="Gemerkt (3)")).to_be_visible()


async def _count(traffic: Traffic) -> int:
    return len(traffic.requests)
