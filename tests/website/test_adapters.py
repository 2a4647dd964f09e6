"""The consent managers German sites use, as they signal a decision (their documented
window events and JavaScript objects): consent for the "Auftakt" service, or the
marketing category, turns tracking on; a refusal or a withdrawal keeps it off."""

from __future__ import annotations

import pytest
from playwright.async_api import BrowserContext

from tests.website.conftest import Traffic
from tests.website.helpers import NOTHING_STORED, QUIET_MS, open_page, stored, visitor_cookie
from tests.website.site import Site

_USERCENTRICS_V3 = """(given) => {
    window.dispatchEvent(new CustomEvent('UC_CONSENT', {detail: {
        consent: {status: given ? 'SOME_ACCEPTED' : 'ALL_DENIED', type: 'EXPLICIT',
                  updatedBy: given ? 'onUpdateServices' : 'onDenyAllServices'},
        services: {
            H1Vl5NidjWX: {name: 'Usercentrics Consent Management Platform',
                          consent: {given: true, type: 'EXPLICIT'}, essential: true},
            x7Rk2Lm9Q: {name: 'Auftakt', category: 'marketing', essential: false,
                        consent: {given: given, type: 'EXPLICIT'}},
        },
        categories: {marketing: {state: given ? 'ALL_ACCEPTED' : 'ALL_DENIED'}},
    }}))
}"""

_USERCENTRICS_V2 = """(given) => {
    window.dispatchEvent(new CustomEvent('ucEvent', {detail: {
        event: 'consent_status', type: 'explicit',
        action: given ? 'onAcceptAllServices' : 'onDenyAllServices',
        'Usercentrics Consent Management Platform': true, 'Auftakt': given,
        ucCategory: {essential: true, marketing: given},
    }}))
}"""

_COOKIEBOT = """(given) => {
    window.Cookiebot = {consent: {necessary: true, preferences: true, statistics: true,
                                  marketing: given, method: 'explicit'},
                        consented: given, declined: !given, hasResponse: true};
    window.dispatchEvent(new Event(given ? 'CookiebotOnAccept' : 'CookiebotOnDecline'));
}"""

_BORLABS_3 = """(given) => {
    window.BorlabsCookie = {Consents: {hasConsent: (service) => service === 'auftakt' && given}};
    window.dispatchEvent(new CustomEvent('borlabs-cookie-consent-saved'));
}"""

_BORLABS_2 = """(given) => {
    window.BorlabsCookie = {checkCookieConsent: (cookie) => cookie === 'auftakt' && given};
    document.dispatchEvent(new CustomEvent('borlabs-cookie-consent-saved'));
}"""

_MANAGERS = {
    "usercentrics-v3": _USERCENTRICS_V3,
    "usercentrics-v2": _USERCENTRICS_V2,
    "cookiebot": _COOKIEBOT,
    "borlabs-3": _BORLABS_3,
    "borlabs-2": _BORLABS_2,
}


@pytest.mark.parametrize("manager", _MANAGERS)
async def test_a_consent_managers_yes_turns_tracking_on_and_its_no_turns_it_off(
    context: BrowserContext, traffic: Traffic, site: Site, manager: str
) -> None:
    page = await open_page(context, site.url("/preise"))
    async with page.expect_request(traffic.url) as sent:
        await page.evaluate(_MANAGERS[manager], True)
    visitor = await visitor_cookie(context)
    assert visitor is not None
    assert (await sent.value).post_data_json == [
        {"visitor_id": visitor, "type": "page_view", "page_url": site.url("/preise")}
    ]

    await page.evaluate(_MANAGERS[manager], False)
    assert await stored(page) == NOTHING_STORED
    await page.get_by_role("link", name="040 123 456 789").click()
    await page.wait_for_timeout(QUIET_MS)
    assert len(traffic.requests) == 1


async def test_a_refusal_of_the_category_in_cookiebot_keeps_tracking_off(
    context: BrowserContext, traffic: Traffic, site: Site
) -> None:
    page = await open_page(context, site.url("/preise"))
    await page.evaluate(_COOKIEBOT, False)  # statistics and preferences, not marketing
    await page.get_by_role("link", name="040 123 456 789").click()
    await page.wait_for_timeout(QUIET_MS)
    assert await context.cookies() == []
    assert traffic.requests == []


async def test_consent_a_manager_already_holds_when_the_snippet_starts_is_used(
    context: BrowserContext, traffic: Traffic, site: Site
) -> None:
    await context.add_init_script(
        "window.Cookiebot = {consent: {marketing: true}, consented: true, hasResponse: true}"
    )
    page = await context.new_page()
    async with page.expect_request(traffic.url):
        await page.goto(site.url("/referenzen"))
    assert await visitor_cookie(context) is not None


async def test_a_consent_manager_still_starting_does_not_withdraw_remembered_consent(
    context: BrowserContext, traffic: Traffic, site: Site
) -> None:
    remembered = "bekannt0123456789"
    await context.add_cookies([{"name": "auftakt_vid", "value": remembered, "url": site.origin}])
    # Borlabs before its init event: nothing read from its storage yet
    await context.add_init_script("window.BorlabsCookie = {Consents: {hasConsent: () => false}}")
    page = await context.new_page()
    async with page.expect_request(traffic.url) as sent:
        await page.goto(site.url("/referenzen"))
    assert (await sent.value).post_data_json == [
        {"visitor_id": remembered, "type": "page_view", "page_url": site.url("/referenzen")}
    ]
    assert await visitor_cookie(context) == remembered
