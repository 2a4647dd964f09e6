from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from auftakt_capture.app import create_app
from auftakt_capture.settings import CaptureSettings
from fastapi import FastAPI

WEBSITE = "https://www.musikfuerfirmen.de"


@pytest.fixture
async def capture_app(capture_settings: CaptureSettings) -> AsyncIterator[FastAPI]:
    app = create_app(capture_settings)
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
        yield app


@pytest.fixture
async def client(capture_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=capture_app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://capture.test") as http:
        yield http
