"""Reading what really went through JetStream, for assertions."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from auftakt_common.streams import EVENTS_STREAM
from nats.aio.client import Client
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy


async def stream_messages(
    nc: Client,
    matches: Callable[[str, dict[str, Any]], bool],
    *,
    expect: int,
    timeout: float = 10.0,
    settle: float = 0.3,
) -> list[tuple[str, dict[str, Any], dict[str, str]]]:
    """Every message in the events stream that `matches` (subject, payload): waits until
    `expect` arrived (or `timeout`), then `settle` seconds more to catch duplicates."""
    js = nc.jetstream()
    sub = await js.subscribe(
        ">",
        stream=EVENTS_STREAM,
        ordered_consumer=True,
        config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE),
    )
    found: list[tuple[str, dict[str, Any], dict[str, str]]] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    settle_until: float | None = None
    try:
        while True:
            now = loop.time()
            if settle_until is None and len(found) >= expect:
                settle_until = now + settle
            limit = settle_until if settle_until is not None else deadline
            if now >= limit:
                break
            try:
                msg = await sub.next_msg(timeout=max(0.01, min(0.2, limit - now)))
            except TimeoutError:
                continue
            payload = json.loads(msg.data)
            if matches(msg.subject, payload):
                found.append((msg.subject, payload, dict(msg.headers or {})))
    finally:
        await sub.unsubscribe()
    return found


def for_lead(lead_id: str) -> Callable[[str, dict[str, Any]], bool]:
    return lambda _subject, payload: payload.get("lead_id") == lead_id
