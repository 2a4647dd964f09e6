"""What a request handler needs, built once in `app.py` and kept on `app.state.capture`."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from auftakt_common.outbox import OutboxRelay
from auftakt_common.tokens import MailLinks
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter
from sqlalchemy.ext.asyncio import AsyncEngine

from .content_store import ContentCache
from .intake import Intake
from .settings import CaptureSettings
from .wording import Words, words

__all__ = ["Capture", "RateLimits"]


class RateLimits:
    """Per-client moving-window limits, per process (each replica counts its own share)."""

    def __init__(self, limits: dict[str, str], *, enabled: bool = True) -> None:
        self._items: dict[str, RateLimitItem] = {
            scope: parse(rule) for scope, rule in limits.items()
        }
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._enabled = enabled

    async def retry_after(self, scope: str, client: str) -> int | None:
        """None if the request may pass, else the seconds until it may."""
        if not self._enabled:
            return None
        item = self._items[scope]
        if await self._limiter.hit(item, scope, client):
            return None
        stats = await self._limiter.get_window_stats(item, scope, client)
        return max(1, math.ceil(stats.reset_time - time.time()))


@dataclass(frozen=True, slots=True)
class Capture:
    settings: CaptureSettings
    engine: AsyncEngine
    intake: Intake
    mail_links: MailLinks
    rate_limits: RateLimits
    relay: OutboxRelay
    content: ContentCache

    @property
    def words(self) -> Words:
        """What capture says to visitors, in the configured form of address."""
        return words(self.settings.address_form)
