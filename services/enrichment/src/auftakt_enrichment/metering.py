"""How fast and how often an outside provider may be called: a pace (calls spaced
evenly, so no second ever sees more than the rate), a number of calls at once, and a
budget per period (a month for data providers, a day for Claude) counted in PostgreSQL
so restarts and replicas share it. The pace and the calls at once are per process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from aiolimiter import AsyncLimiter
from sqlalchemy.ext.asyncio import AsyncConnection

from . import repository as repo

__all__ = ["Gate", "Period"]

Period = Literal["month", "day"]

# calls are spaced a little wider than 1/rate: the time from here to the provider varies
# by tens of milliseconds on a busy machine, and the provider counts arrivals
_JITTER_MARGIN = 1.05


class Gate:
    """One provider's limits. `aiolimiter` with a bucket of one call gives even spacing
    (a larger bucket would let a burst of `rate` calls through at once, then `rate` more
    within the same second)."""

    def __init__(
        self,
        name: str,
        *,
        rate_per_second: float,
        concurrency: int,
        budget: int,
        period: Period,
    ) -> None:
        self.name = name
        self.budget = budget
        self.period = period
        self._pace = AsyncLimiter(1, _JITTER_MARGIN / rate_per_second)
        self._slots = asyncio.Semaphore(concurrency)
        self._resume_at = 0.0  # loop time before which no call goes out (after a 429)

    def hold(self, seconds: float) -> None:
        """The provider asked us to wait (429 with Retry-After): no call of this process
        goes out before then."""
        resume_at = asyncio.get_running_loop().time() + seconds
        self._resume_at = max(self._resume_at, resume_at)

    def period_of(self, now: datetime) -> date:
        today = now.astimezone(UTC).date()
        return today.replace(day=1) if self.period == "month" else today

    def next_period(self, now: datetime) -> datetime:
        """When the budget is fresh again."""
        start = self.period_of(now)
        if self.period == "day":
            following = start + timedelta(days=1)
        else:
            following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        return datetime.combine(following, time(), tzinfo=UTC)

    async def spend(self, conn: AsyncConnection, now: datetime) -> bool:
        """Count one call against the budget (in the caller's transaction); False if it
        is used up."""
        return await repo.spend_call(conn, self.name, self.period_of(now), budget=self.budget)

    @asynccontextmanager
    async def call(self) -> AsyncIterator[None]:
        """Hold a slot and wait for the pace; the call goes out in the block."""
        async with self._slots:
            loop = asyncio.get_running_loop()
            while (wait := self._resume_at - loop.time()) > 0:
                await asyncio.sleep(wait)
            await self._pace.acquire()
            yield
