"""Recording what happened to claimed mails and alerts, with their events, after they
left: retried for half the lease, since they cannot be taken back; if it never succeeds,
the rows stay claimed and recovery takes over."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from auftakt_common.outbox import OutboxRelay, add_events
from tenacity import AsyncRetrying, stop_after_delay, wait_exponential_jitter

from .models import outbox

__all__ = ["record_outcomes", "retry_at"]

Recorder = Callable[[Any, list[dict[str, Any]]], Awaitable[set[UUID]]]


def retry_at(now: datetime, attempts: int) -> datetime:
    """When a failed delivery is tried again: 30 s, doubling, at most an hour."""
    return now + timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


async def record_outcomes(
    relay: OutboxRelay, lease: timedelta, record: Recorder, results: list[dict[str, Any]]
) -> None:
    """Store outcomes, and the events of those still ours to record (recovery may have
    taken a row over)."""
    events = {result["id"]: result.pop("event") for result in results if "event" in result}
    async for attempt in AsyncRetrying(
        wait=wait_exponential_jitter(multiplier=0.2, max=5),
        stop=stop_after_delay(lease.total_seconds() / 2),
        reraise=True,
    ):
        with attempt:
            async with relay.transaction() as conn:
                recorded = await record(conn, results)
                await add_events(
                    conn, outbox, [event for id_, event in events.items() if id_ in recorded]
                )
