"""Signing in through the real login form, reading a page's CSRF token, sending a lead
through capture, and waiting for the read model."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from uuid import uuid4

import httpx

_T = TypeVar("_T")

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "page has no CSRF field"
    return found.group(1)


async def log_in(http: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    page = await http.get("/admin/login")
    return await http.post(
        "/admin/login",
        data={"email": email, "password": password, "csrf_token": csrf_of(page.text)},
    )


async def signed_in_csrf(http: httpx.AsyncClient) -> str:
    """The session's CSRF token, read from a page as a browser would."""
    return csrf_of((await http.get("/admin")).text)


async def wait_for(
    check: Callable[[], Awaitable[_T | None]],
    until: Callable[[_T], bool] = lambda _: True,
    *,
    timeout: float = 20.0,
) -> _T:
    """Poll `check` until it returns something `until` accepts."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        found = await check()
        if found is not None and until(found):
            return found
        if loop.time() > deadline:
            raise AssertionError(f"not reached in {timeout}s: {found}")
        await asyncio.sleep(0.1)


async def submit_lead(
    capture: httpx.AsyncClient, *, activities: list[dict[str, Any]], **fields: Any
) -> tuple[str, str]:
    """A website lead through capture, then its activities; (email, lead token)."""
    email = fields.pop("email", f"lead.{uuid4().hex[:10]}@firma-{uuid4().hex[:6]}.de")
    response = await capture.post("/v1/leads", json={"email": email, **fields})
    assert response.status_code == 201, response.text
    token: str = response.json()["lead_token"]
    if activities:
        batch = [{**activity, "lead_token": token} for activity in activities]
        assert (await capture.post("/v1/activities", json=batch)).status_code == 202
    return email, token
