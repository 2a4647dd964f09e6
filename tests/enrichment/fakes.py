"""Fake third-party APIs on loopback, standing in for the internet: Anthropic's Messages
API (answers through the forced tool, or invalid ones, or errors) and People Data Labs'
company and person enrichment (latency, a rate limit it enforces with 429, answers by
domain and address). Each keeps what it was asked."""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from auftakt_common.embedded import free_port
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

VALID_ANALYSIS: dict[str, Any] = {
    "intent_level": "high",
    "buying_signals": [
        "Mehrfach die Preisseite besucht",
        "Telefonnummer angeklickt",
        "Kalender-Buchung begonnen",
    ],
    "recommended_approach": "Heute anrufen und ein Angebot mit zwei Bands vorbereiten.",
    "qualification_score": 88,
    "next_best_action": "Innerhalb von 24 Stunden anrufen.",
}


@dataclass
class FakeAnthropic:
    """POST /v1/messages. `answers` are tool inputs served in turn (the last repeats);
    a dict with `"status"` is an HTTP error instead."""

    port: int = field(default_factory=free_port)
    answers: list[dict[str, Any]] = field(default_factory=lambda: [VALID_ANALYSIS])
    received: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    delay: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def messages(self, request: Request) -> Response:
        body = await request.json()
        self.received.append(body)
        self.headers.append(dict(request.headers))
        if self.delay:
            await asyncio.sleep(self.delay)
        answer = self.answers[min(len(self.received) - 1, len(self.answers) - 1)]
        if "status" in answer:
            error = {"type": "error", "error": {"type": "api_error", "message": "kaputt"}}
            return JSONResponse(error, status_code=answer["status"])
        tool = body["tool_choice"]["name"]
        return JSONResponse(
            {
                "id": f"msg_{len(self.received)}",
                "type": "message",
                "role": "assistant",
                "model": body["model"],
                "content": [
                    {"type": "tool_use", "id": f"toolu_{len(self.received)}", "name": tool,
                     "input": answer}
                ],
                "stop_reason": "tool_use",
                "stop_sequence": None,
                "usage": {"input_tokens": 900, "output_tokens": 200},
            }
        )  # fmt: skip

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/v1/messages", self.messages, methods=["POST"])])

    def sent_text(self) -> str:
        """Everything every request carried, as one string to search."""
        return json.dumps(self.received, ensure_ascii=False)


@dataclass
class FakePdl:
    """GET /v5/company/enrich?website=… and /v5/person/enrich?email=…, with a latency per
    call and a limit of `rate_limit` calls in any second (more: 429 with Retry-After)."""

    port: int = field(default_factory=free_port)
    latency: float = 0.0
    rate_limit: int | None = None
    companies: dict[str, dict[str, Any]] = field(default_factory=dict)
    people: dict[str, dict[str, Any]] = field(default_factory=dict)
    failing: dict[str, int] = field(default_factory=dict)  # key → HTTP status
    calls: list[tuple[float, str, str]] = field(default_factory=list)  # (time, path, key)
    refused: int = 0
    api_keys: set[str] = field(default_factory=set)
    _window: deque[float] = field(default_factory=deque)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v5"

    def most_in_any_second(self) -> int:
        times = sorted(at for at, _, _ in self.calls)
        most, start = 0, 0
        for end, at in enumerate(times):
            while at - times[start] >= 1.0:
                start += 1
            most = max(most, end - start + 1)
        return most

    def _over_limit(self, now: float) -> bool:
        while self._window and now - self._window[0] >= 1.0:
            self._window.popleft()
        if self.rate_limit is not None and len(self._window) >= self.rate_limit:
            return True
        self._window.append(now)
        return False

    async def _answer(self, request: Request, key: str, found: dict[str, Any] | None) -> Response:
        now = time.monotonic()
        self.api_keys.add(request.headers.get("x-api-key", ""))
        if self._over_limit(now):
            self.refused += 1
            return JSONResponse({"status": 429}, status_code=429, headers={"Retry-After": "1"})
        self.calls.append((now, request.url.path, key))
        if self.latency:
            await asyncio.sleep(self.latency)
        if key in self.failing:
            return JSONResponse({"status": self.failing[key]}, status_code=self.failing[key])
        if found is None:
            return JSONResponse({"status": 404, "error": {"type": "not_found"}}, status_code=404)
        return JSONResponse({"status": 200, "likelihood": 9, **found})

    async def company(self, request: Request) -> Response:
        website = request.query_params.get("website", "")
        return await self._answer(request, website, self.companies.get(website))

    async def person(self, request: Request) -> Response:
        email = request.query_params.get("email", "")
        found = self.people.get(email)
        return await self._answer(request, email, None if found is None else {"data": found})

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v5/company/enrich", self.company),
                Route("/v5/person/enrich", self.person),
            ]
        )


async def serve(app: Starlette, port: int) -> tuple[uvicorn.Server, asyncio.Task[None]]:
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    return server, task
