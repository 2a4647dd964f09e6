"""Website-kit fixtures: capture served over real HTTP on loopback (its allowed origins
naming the test website), the German test website embedding the snippet from it, and
Debian's headless Chromium (the admin tests' fixture) with a fresh context per test that
records what went to capture's /v1/activities."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from auftakt_capture.app import create_app
from auftakt_capture.settings import CaptureSettings
from auftakt_common.embedded import free_port
from playwright.async_api import Browser, BrowserContext, Request

from tests.admin.conftest import browser  # noqa: F401
from tests.website.site import Site


@contextlib.asynccontextmanager
async def _serving(app: Any, port: int) -> AsyncIterator[None]:
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="auto"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # startup failed: raise its error
        await asyncio.sleep(0.02)
    try:
        yield
    finally:
        server.should_exit = True
        await task


@pytest.fixture(scope="session")
async def site(capture_settings: CaptureSettings) -> AsyncIterator[Site]:
    """The website at http://localhost:<port>, capture at http://127.0.0.1:<port>."""
    capture_port = free_port()
    website = Site(capture=f"http://127.0.0.1:{capture_port}")
    settings = capture_settings.model_copy(update={"capture_allowed_origins": [website.origin]})
    async with _serving(create_app(settings), capture_port), _serving(website.app(), website.port):
        yield website


@dataclass
class Traffic:
    """Every request the browser sent to capture's /v1/activities, in order."""

    url: str
    requests: list[Request] = field(default_factory=list)

    def observe(self, request: Request) -> None:
        if request.url == self.url:
            self.requests.append(request)

    @property
    def activities(self) -> list[dict[str, Any]]:
        sent: list[dict[str, Any]] = []
        for request in self.requests:
            sent.extend(json.loads(request.post_data or "[]"))
        return sent


# Headless Chromium has no phone or mail app; its attempt to launch one for a tel: or
# mailto: link breaks the tab's later navigations. The page cancels that default action
# after the click went through every listener (the snippet's included).
_NO_EXTERNAL_APPS = """window.addEventListener('click', (e) => {
  const app = e.target.closest && e.target.closest('a[href^="tel:"], a[href^="mailto:"]')
  if (app) e.preventDefault()
})"""


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:  # noqa: F811
    opened = await browser.new_context(locale="de-DE")
    await opened.add_init_script(_NO_EXTERNAL_APPS)
    yield opened
    await opened.close()


@pytest.fixture
async def traffic(context: BrowserContext, site: Site) -> Traffic:
    # async: the listener needs the event loop, which a plain fixture may run outside
    observed = Traffic(f"{site.capture}/v1/activities")
    context.on("request", observed.observe)
    return observed
