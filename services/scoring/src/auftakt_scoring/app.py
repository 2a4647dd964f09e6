"""Composition root: settings → database, outbox relay, scorer, broker with handlers, and
the decay job. `ScoringService` runs them all; `__main__` runs it until a signal."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import structlog
from auftakt_common.catalogue import declare_published
from auftakt_common.consumers import Settler
from auftakt_common.db import create_engine
from auftakt_common.events import LeadScored, LeadStageChanged, utc_now
from auftakt_common.migrations import run_migrations
from auftakt_common.outbox import OutboxRelay
from auftakt_common.service_runtime import (
    RunningService,
    cancel_tasks,
    create_broker,
    start_broker,
    stop_broker,
)

from .handlers import SERVICE, register_handlers
from .models import SCHEMA, outbox
from .scorer import Scorer
from .settings import ScoringSettings

__all__ = ["Clock", "ScoringService", "migrate"]

_log = structlog.get_logger("auftakt.scoring")
MIGRATIONS = Path(__file__).parent / "migrations"

Clock = Callable[[], datetime]


def migrate(settings: ScoringSettings) -> None:
    run_migrations(settings.database_url, MIGRATIONS, SCHEMA)


class ScoringService(RunningService):
    """Scoring, running: consumes its events, publishes its outbox, decays quiet leads."""

    def __init__(
        self, settings: ScoringSettings, *, clock: Clock = utc_now, decay: bool = True
    ) -> None:
        self.settings = settings
        self.clock = clock
        self._decay_enabled = decay
        self.engine = create_engine(
            settings.database_url,
            pool_size=settings.database_pool_size,
            application_name=SERVICE,
        )
        self.relay = OutboxRelay.for_service(self.engine, outbox, settings, SERVICE)
        self.scorer = Scorer(self.relay, max_batch=settings.scoring_max_batch)
        self.broker = create_broker(settings, SERVICE)
        self.settler = Settler(
            self.broker, service=SERVICE, max_deliver=settings.scoring_max_deliver
        )
        self.broker.add_middleware(self.settler.middleware)
        register_handlers(self.broker, self.scorer, settings)
        declare_published(self.broker, SERVICE, (LeadScored, LeadStageChanged))
        self._tasks: list[asyncio.Task[None]] = []

    async def decay_due(self) -> int:
        """Apply the decay penalties due now (by the service's clock)."""
        return await self.scorer.decay_due(self.clock(), batch=self.settings.scoring_decay_batch)

    async def _decay_forever(self) -> None:
        while True:
            try:
                decayed = await self.decay_due()
                if decayed:
                    _log.info("decay applied", leads=decayed)
            except Exception as exc:  # the database may be away; try again next round
                _log.warning("decay failed, retrying next round", error=repr(exc))
            await asyncio.sleep(self.settings.scoring_decay_interval_seconds)

    async def start(self) -> None:
        self._tasks.append(asyncio.create_task(self.relay.run(), name="scoring-outbox-relay"))
        await start_broker(
            self.broker,
            self.settings,
            SERVICE,
            max_in_flight=self.settings.scoring_max_in_flight,
        )
        if self._decay_enabled:
            self._tasks.append(asyncio.create_task(self._decay_forever(), name="scoring-decay"))
        _log.info("scoring started")

    async def stop(self) -> None:
        await stop_broker(self.broker, self.settler, drain=lambda: self.scorer.drain(timeout=10))
        await cancel_tasks(self._tasks)
        await self.engine.dispose()
        _log.info("scoring stopped")
