"""Looking at a visit the way a privacy auditor would: what the browser stores, what it
sent, what capture recorded, what scoring made of it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from playwright.async_api import BrowserContext, ConsoleMessage, Page
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.admin.helpers import wait_for

# Longer than the snippet's one-second batching delay: to show that nothing was sent,
# there is no event to wait for.
QUIET_MS = 1500

_LOADED = "window.auftakt && window.auftakt.loaded === true"

# What a browser can enable (Chromium offers neither switch to automation).
DO_NOT_TRACK = "Object.defineProperty(Navigator.prototype, 'doNotTrack', {get: () => '1'})"
GLOBAL_PRIVACY_CONTROL = (
    "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true})"
)


async def open_page(context: BrowserContext, url: str) -> Page:
    """A page of the website, once the snippet (loaded async) is running."""
    page = await context.new_page()
    await visit(page, url)
    return page


async def visit(page: Page, url: str) -> None:
    await page.goto(url)
    await page.wait_for_function(_LOADED)


async def follow(page: Page, link: str, url: str) -> None:
    """Click a navigation link, as a visitor does (the browser sends a referrer)."""
    await page.get_by_role("link", name=link, exact=True).click()
    await page.wait_for_url(url, wait_until="commit")
    await page.wait_for_function(_LOADED)


async def stored(page: Page) -> dict[str, Any]:
    """Everything the page can see on the device: cookies and both storages."""
    result: dict[str, Any] = await page.evaluate(
        "({cookie: document.cookie, local: localStorage.length, session: sessionStorage.length})"
    )
    return result


NOTHING_STORED = {"cookie": "", "local": 0, "session": 0}


async def visitor_cookie(context: BrowserContext) -> str | None:
    for cookie in await context.cookies():
        if cookie.get("name") == "auftakt_vid":
            return cookie.get("value")
    return None


@dataclass
class Problems:
    """Uncaught errors and console errors of a page (the host page must see none of ours)."""

    errors: list[str] = field(default_factory=list)
    console: list[ConsoleMessage] = field(default_factory=list)

    @classmethod
    def watch(cls, page: Page) -> Problems:
        problems = cls()
        page.on("pageerror", lambda error: problems.errors.append(str(error)))
        page.on(
            "console",
            lambda message: problems.console.append(message) if message.type == "error" else None,
        )
        return problems

    def console_except(self, failed_load: Callable[[str], bool]) -> list[str]:
        """Console errors other than the browser's own "Failed to load resource" lines for
        addresses `failed_load` accepts (Chromium logs those; no script can prevent it)."""
        return [
            message.text
            for message in self.console
            if not (
                message.text.startswith("Failed to load resource")
                and failed_load(message.location.get("url", ""))
            )
        ]


async def recorded(db: AsyncEngine, visitor: str, count: int) -> list[dict[str, Any]]:
    """Capture's activity rows of a visitor, once there are `count` of them."""

    async def rows() -> list[dict[str, Any]]:
        async with db.connect() as conn:
            result = await conn.execute(
                text(
                    "SELECT activity_type, page_url, referrer, target, detail, lead_id, ip_prefix"
                    " FROM capture.activities WHERE visitor_id = :visitor"
                    " ORDER BY occurred_at, activity_type"
                ),
                {"visitor": visitor},
            )
            return [dict(row) for row in result.mappings()]

    return await wait_for(rows, lambda found: len(found) >= count)


async def lead_of(db: AsyncEngine, visitor: str) -> UUID:
    """The lead a visitor became (capture links them when the form carries the id)."""

    async def linked() -> UUID | None:
        async with db.connect() as conn:
            lead: UUID | None = await conn.scalar(
                text("SELECT lead_id FROM capture.visitors WHERE visitor_id = :visitor"),
                {"visitor": visitor},
            )
        return lead

    return await wait_for(linked)


def summary(rows: list[dict[str, Any]], origin: str) -> list[tuple[str, str]]:
    """Activities as (type, what): the page path, the click target or the detail."""
    found = []
    for row in rows:
        if row["activity_type"] == "page_view":
            what = row["page_url"].removeprefix(origin)
        elif row["target"]:
            what = row["target"]
        else:
            what = str(row["detail"])
        found.append((row["activity_type"], what))
    return sorted(found)
