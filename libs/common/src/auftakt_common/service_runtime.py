"""What every consuming service does the same way: build its broker, bind its durable
consumers once NATS answers, and stop in order (no new messages, settle what was received,
close the connection)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Self

import structlog
from faststream.nats import NatsBroker
from tenacity import AsyncRetrying, wait_exponential_jitter

from .consumers import Settler, update_consumers
from .messaging import connect_nats
from .settings import BaseServiceSettings
from .streams import ensure_streams

__all__ = [
    "RunningService",
    "cancel_tasks",
    "create_broker",
    "lifespan_of",
    "start_broker",
    "stop_broker",
]

_log = structlog.get_logger("auftakt.service")


def create_broker(settings: BaseServiceSettings, service: str) -> NatsBroker:
    return NatsBroker(
        [server.strip() for server in settings.nats_url.split(",")],
        name=service,
        connect_timeout=2,
        reconnect_time_wait=1,
        max_reconnect_attempts=-1,
        graceful_timeout=10,
        log_level=logging.DEBUG,  # one line per message is too many at INFO
        # handlers get their decoded event or raw command: no injection per message
        apply_types=False,
    )


async def start_broker(
    broker: NatsBroker, settings: BaseServiceSettings, service: str, *, max_in_flight: int
) -> None:
    """Declare the streams, bring the service's existing durable consumers to the current
    settings, and start consuming; retried until NATS answers. Replicas starting together
    race to create each durable consumer; the loser binds to the winner's on the next
    attempt."""
    async for attempt in AsyncRetrying(
        wait=wait_exponential_jitter(multiplier=0.2, max=5),
        before_sleep=lambda state: _log.warning(
            "nats not ready, retrying", service=service, attempt=state.attempt_number
        ),
    ):
        with attempt:
            nc = await connect_nats(settings.nats_url, name=f"{service}-setup")
            try:
                await ensure_streams(nc.jetstream(), settings.stream_replicas)
                await update_consumers(nc.jetstream(), service, max_in_flight=max_in_flight)
            finally:
                await nc.close()
            await broker.start()


async def stop_broker(
    broker: NatsBroker,
    settler: Settler,
    *,
    drain: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """No new messages; what was received is committed (`drain`) and acknowledged while the
    connection is still open; then the broker closes it."""
    for subscriber in broker.subscribers:
        with contextlib.suppress(Exception):
            await subscriber.stop()
    if drain is not None:
        await drain()
    await settler.settled(timeout=5)
    with contextlib.suppress(Exception):
        await broker.stop()


class RunningService:
    """`async with service:` starts it and stops it, whatever happens in between."""

    async def start(self) -> None:
        raise NotImplementedError

    async def stop(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


async def cancel_tasks(tasks: list[asyncio.Task[None]], *, timeout: float = 10.0) -> None:
    """Cancel background tasks and wait for them, bounded (a hung one is abandoned)."""
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=timeout)
    tasks.clear()


def lifespan_of(
    service: RunningService, *, owned: bool
) -> Callable[[object], AbstractAsyncContextManager[None]]:
    """An ASGI lifespan that runs `service` while the app serves, if the app owns it (a
    service handed in by a test or another runner is left to its owner)."""

    @contextlib.asynccontextmanager
    async def lifespan(_: object) -> AsyncIterator[None]:
        if owned:
            await service.start()
        try:
            yield
        finally:
            if owned:
                await service.stop()

    return lifespan
