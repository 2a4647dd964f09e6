"""`auftakt demo`: fill a running Auftakt with demo leads through capture's public API,
as the website would send them: visits before the form (anonymous, by visitor id), the
form, then what the lead did next (by lead token)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import httpx
from auftakt_common.events import Stage

from .demo_data import DemoLead, demo_leads, occurred_at

__all__ = ["CaptureUnreachable", "DemoReport", "fill_demo", "run_demo_command", "send_leads"]

Clock = Callable[[], datetime]
Echo = Callable[[str], None]

_ATTEMPTS = 4  # per request, for errors that may pass (5xx, dropped connections)
_BACKOFF_SECONDS = 0.5  # doubled after each failed attempt
_PROGRESS_EVERY = 50  # leads


class CaptureUnreachable(Exception):
    """Capture does not answer at the address given; the message says where and why."""


@dataclass
class DemoReport:
    """What a demo run did, for its summary (and for tests)."""

    leads_sent: int = 0
    activities_recorded: int = 0
    anonymous_activities: int = 0  # of those, sent before the form by visitor id
    failures: Counter[str] = field(default_factory=Counter)
    waits: int = 0  # times capture asked us to slow down (429)
    seconds: float = 0.0
    expected_stages: Counter[Stage] = field(default_factory=Counter)
    lead_tokens: list[str] = field(default_factory=list)

    def summary(self, url: str) -> str:
        stages = ", ".join(
            f"{self.expected_stages[stage]} {stage}" for stage in ("cold", "warm", "hot", "burning")
        )
        minutes, seconds = divmod(round(self.seconds), 60)
        lines = [
            f"Sent to {url} in {minutes}m {seconds:02d}s:",
            f"  {self.leads_sent} leads, {self.activities_recorded} activities "
            f"({self.anonymous_activities} of them before the form, merged into their lead)",
            f"  stages their activity earns: {stages}",
            "  (enrichment then adds points for large companies and decision makers, so more",
            "  leads end up hot or burning once their companies' websites have been read)",
            f"  failed requests: {sum(self.failures.values())}",
        ]
        lines += [f"    {count} × {reason}" for reason, count in self.failures.most_common(5)]
        if self.waits:
            lines.append(f"  capture's rate limit made us wait {self.waits} times")
        return "\n".join(lines)


async def fill_demo(
    client: httpx.AsyncClient,
    *,
    leads: int = 300,
    seed: int = 1,
    concurrency: int = 8,
    clock: Clock = lambda: datetime.now(UTC),
    echo: Echo = print,
) -> DemoReport:
    """Check that capture answers at the client's base URL, then send `leads` demo leads."""
    await _check_ready(client)
    planned = demo_leads(leads, seed, clock().date())
    return await send_leads(client, planned, concurrency=concurrency, clock=clock, echo=echo)


async def send_leads(
    client: httpx.AsyncClient,
    leads: Sequence[DemoLead],
    *,
    concurrency: int = 8,
    clock: Clock = lambda: datetime.now(UTC),
    echo: Echo = print,
) -> DemoReport:
    """Send each lead's journey, `concurrency` leads at a time. Raises CaptureUnreachable
    if capture stops answering; other failures are counted in the report."""
    sender = _Sender(client, clock=clock, echo=echo)
    pending = iter(leads)
    started = time.monotonic()
    told = 0

    async def work() -> None:
        nonlocal told
        for lead in pending:  # one shared iterator: each lead is taken once
            await sender.send_lead(lead)
            sent = sender.report.leads_sent
            if sent // _PROGRESS_EVERY > told // _PROGRESS_EVERY:
                told = sent
                echo(f"{sent}/{len(leads)} leads sent")

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(max(1, concurrency)):
                group.create_task(work())
    except* CaptureUnreachable as failed:
        raise failed.exceptions[0] from None
    finally:
        sender.report.seconds = time.monotonic() - started
    return sender.report


def run_demo_command(url: str, leads: int, seed: int, echo: Echo) -> int:
    """`auftakt demo`: the exit code; a message, never a traceback, when capture is away."""

    async def run() -> DemoReport:
        timeout = httpx.Timeout(15.0, connect=5.0)
        async with httpx.AsyncClient(base_url=url, timeout=timeout) as client:
            return await fill_demo(client, leads=leads, seed=seed, echo=echo)

    echo(f"Sending {leads} demo leads (seed {seed}) to {url} …")
    try:
        report = asyncio.run(run())
    except CaptureUnreachable as exc:
        echo(str(exc))
        return 1
    echo(report.summary(url))
    return 1 if report.failures else 0


async def _check_ready(client: httpx.AsyncClient) -> None:
    url = str(client.base_url).rstrip("/")
    try:
        response = await client.get("/readyz")
    except httpx.HTTPError as exc:
        raise CaptureUnreachable(
            f"cannot reach capture at {url} ({_describe(exc)}); "
            "start Auftakt with `auftakt run`, or pass --url"
        ) from None
    if response.status_code != 200:
        raise CaptureUnreachable(
            f"capture at {url} is not ready (HTTP {response.status_code} from /readyz); "
            "is its database up?"
        )


def _describe(exc: httpx.HTTPError) -> str:
    return str(exc) or type(exc).__name__


def _retry_after(response: httpx.Response, default: float) -> float:
    try:
        return max(0.0, float(response.headers.get("retry-after", default)))
    except ValueError:
        return default


class _Sender:
    """Posts as the website does, waits when capture asks, retries what may pass."""

    def __init__(self, client: httpx.AsyncClient, *, clock: Clock, echo: Echo) -> None:
        self.report = DemoReport()
        self._client = client
        self._clock = clock
        self._echo = echo
        self._resume_at = 0.0  # monotonic: when capture said we may send again

    async def send_lead(self, lead: DemoLead) -> None:
        visitor_id = uuid4().hex  # a new browser each run, so runs never share visitors
        now = self._clock()
        for visit in lead.journey.visits:
            anonymous = [
                step.activity
                | {
                    "visitor_id": visitor_id,
                    "occurred_at": occurred_at(visit.days_ago, step.minute, now).isoformat(),
                }
                for step in visit.steps
            ]
            if anonymous and (answer := await self._post("/v1/activities", anonymous)):
                self.report.activities_recorded += answer["accepted"]
                self.report.anonymous_activities += answer["accepted"]
        submitted = await self._post("/v1/leads", lead.form | {"visitor_id": visitor_id})
        if submitted is None:
            return
        self.report.leads_sent += 1
        self.report.expected_stages[lead.stage] += 1
        self.report.lead_tokens.append(submitted["lead_token"])
        token = {"lead_token": submitted["lead_token"]}
        later = [step.activity | token for step in lead.journey.after_form]
        if later and (answer := await self._post("/v1/activities", later)):
            self.report.activities_recorded += answer["accepted"]

    async def _post(self, path: str, body: Any) -> dict[str, Any] | None:
        """The answer's JSON, or None once the request failed for good (counted)."""
        attempt = 0
        while True:
            await self._wait_if_asked()
            try:
                response = await self._client.post(path, json=body)
            except httpx.TransportError as exc:
                attempt += 1
                if attempt < _ATTEMPTS:
                    await asyncio.sleep(_BACKOFF_SECONDS * 2 ** (attempt - 1))
                    continue
                if isinstance(exc, httpx.ConnectError):
                    raise CaptureUnreachable(
                        f"capture at {str(self._client.base_url).rstrip('/')} stopped "
                        f"answering ({_describe(exc)}); sent so far: "
                        f"{self.report.leads_sent} leads"
                    ) from None
                self.report.failures[f"{path}: {_describe(exc)}"] += 1
                return None
            if response.status_code == 429:  # not a failure: capture says when to come back
                self._asked_to_wait(_retry_after(response, 5.0), path)
                continue
            if response.status_code >= 500:
                attempt += 1
                if attempt < _ATTEMPTS:
                    backoff = _BACKOFF_SECONDS * 2 ** (attempt - 1)
                    await asyncio.sleep(_retry_after(response, backoff))
                    continue
            if response.is_success:
                answer: dict[str, Any] = response.json()
                return answer
            self.report.failures[f"{path}: HTTP {response.status_code} {_problem(response)}"] += 1
            return None

    def _asked_to_wait(self, seconds: float, path: str) -> None:
        if self.report.waits == 0 and path == "/v1/leads":
            self._echo(
                "capture limits how many leads one address may send a minute "
                "(AUFTAKT_CAPTURE_LEAD_RATE_LIMIT, 20/minute by default): waiting as it asks. "
                "For a quicker demo, start Auftakt with AUFTAKT_CAPTURE_RATE_LIMIT_ENABLED=false."
            )
        self.report.waits += 1
        self._resume_at = max(self._resume_at, time.monotonic() + seconds)

    async def _wait_if_asked(self) -> None:
        # every worker waits, not only the one that was told: no stampede on the limit
        while (delay := self._resume_at - time.monotonic()) > 0:
            await asyncio.sleep(delay)


def _problem(response: httpx.Response) -> str:
    """Capture's `detail` and the fields it names, short enough for a summary line."""
    try:
        problem = response.json()
    except ValueError:
        return response.reason_phrase
    fields = ", ".join(sorted({error.get("field", "?") for error in problem.get("errors", [])}))
    return f"{problem.get('detail', '')}" + (f" ({fields})" if fields else "")
