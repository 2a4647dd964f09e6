"""admin-api fixtures: its settings on the session's servers, the running service, an
HTTP client on its app, staff accounts with known passwords; for the browser tests the
app on a real loopback port and headless Chromium (Debian's, installed by
`auftakt browser`) driven by Playwright. Enrichment's fixtures (the running service and
its fake websites) for the pages that ask it."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from uuid import uuid4

import httpx
import pytest
import uvicorn
from auftakt_admin import accounts
from auftakt_admin.app import AdminService, create_app, migrate
from auftakt_admin.settings import AdminSettings
from auftakt_common.embedded import free_port
from auftakt_common.testing import Servers
from playwright.async_api import Browser, async_playwright

from tests.enrichment.conftest import enrichment, enrichment_settings, sites  # noqa: F401
from tests.scoring.helpers import MovableClock


@pytest.fixture(scope="session")
def admin_settings(servers: Servers, secrets: dict[str, str]) -> AdminSettings:
    settings = AdminSettings(
        env="test",
        database_url=servers.database_url,
        nats_url=servers.nats_url,
        admin_command_timeout_seconds=2.0,
        **secrets,  # type: ignore[arg-type]
    )
    migrate(settings)
    return settings


@pytest.fixture
async def admin(admin_settings: AdminSettings, clock: MovableClock) -> AsyncIterator[AdminService]:
    async with AdminService(admin_settings, clock=clock) as service:
        yield service


@pytest.fixture
async def admin_http(admin: AdminService) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(
        app=create_app(admin.settings, admin), client=("198.51.100.9", 1)
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://admin.test") as http:
        yield http


@dataclass(frozen=True)
class Staff:
    email: str
    password: str
    user: accounts.User


async def _staff(admin: AdminService, role: str) -> Staff:
    email = f"{role}.{uuid4().hex[:8]}@musikfuerfirmen.example"
    password = f"Geheim-{uuid4().hex[:10]}"
    async with admin.engine.begin() as conn:
        user, _ = await accounts.create_user(
            conn, email=email, name=f"{role.title()} Mitarbeiterin", role=role, password=password
        )
    return Staff(email, password, user)


@pytest.fixture
async def admin_user(admin: AdminService) -> Staff:
    return await _staff(admin, "admin")


@pytest.fixture
async def sales_user(admin: AdminService) -> Staff:
    return await _staff(admin, "sales")


_CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("Chromium is missing: run `.venv/bin/auftakt browser` (installs Debian's)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=executable, args=_CHROMIUM_FLAGS
        )
        yield launched
        await launched.close()


@pytest.fixture
async def admin_url(admin: AdminService) -> AsyncIterator[str]:
    port = free_port()
    config = uvicorn.Config(
        create_app(admin.settings, admin),
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task
