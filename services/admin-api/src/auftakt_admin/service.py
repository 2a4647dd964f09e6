"""admin-api's running parts apart from HTTP: the read model's consumers, the outbox
relay, and the NATS connection the editors ask the owners through. Routes reach it through
the typed `AdminDep` (deps.py); `app.py` serves it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from uuid import UUID

import structlog
from auftakt_common.catalogue import declare_published
from auftakt_common.commands import AnalysisAnswer, CommandReply
from auftakt_common.consumers import Settler, event_subscriber
from auftakt_common.db import create_engine
from auftakt_common.events import (
    Event,
    LeadAssigned,
    LeadErasureRequested,
    LeadStatusChanged,
    utc_now,
)
from auftakt_common.messaging import connect_nats
from auftakt_common.migrations import migrate_vault, run_migrations
from auftakt_common.outbox import OutboxRelay
from auftakt_common.service_runtime import (
    RunningService,
    cancel_tasks,
    create_broker,
    start_broker,
    stop_broker,
)
from auftakt_common.vault_store import KeyStore
from nats.aio.client import Client

from .lead_detail import is_known_lead
from .models import SCHEMA, outbox
from .owners import Owners
from .pipeline import LeadNotFound
from .projection import PROJECTED_EVENTS, Projector
from .settings import AdminSettings
from .timeline_titles import SequenceTitles

__all__ = ["AdminService", "SERVICE", "migrate"]

SERVICE = "admin"
_log = structlog.get_logger("auftakt.admin")
MIGRATIONS = Path(__file__).parent / "migrations"

Clock = Callable[[], datetime]


def migrate(settings: AdminSettings) -> None:
    migrate_vault(settings.database_url)
    run_migrations(settings.database_url, MIGRATIONS, SCHEMA)


class AdminService(RunningService):
    """admin-api's background: the read model's consumers, the outbox relay, and the NATS
    connection the editors ask the owners through."""

    def __init__(self, settings: AdminSettings, *, clock: Clock = utc_now) -> None:
        self.settings = settings
        self.clock = clock
        self.engine = create_engine(
            settings.database_url, pool_size=settings.database_pool_size, application_name=SERVICE
        )
        self.keys = KeyStore(settings.vault())
        self.relay = OutboxRelay.for_service(self.engine, outbox, settings, SERVICE)
        self.projector = Projector(
            self.engine, self.keys, max_batch=settings.admin_projection_batch
        )
        self.broker = create_broker(settings, SERVICE)
        self.settler = Settler(self.broker, service=SERVICE, max_deliver=settings.admin_max_deliver)
        self.broker.add_middleware(self.settler.middleware)
        for event in PROJECTED_EVENTS:
            self._subscribe(event)
        declare_published(
            self.broker, SERVICE, (LeadStatusChanged, LeadAssigned, LeadErasureRequested)
        )
        self._nc: Client | None = None
        self._tasks: list[asyncio.Task[None]] = []
        # the lead page names mails by the mailer's titles; it waits a second for them
        self.sequence_titles = SequenceTitles(
            ttl=60, timeout=min(1.0, settings.admin_command_timeout_seconds)
        )

    def _subscribe(self, event: type[Event]) -> None:
        @event_subscriber(
            self.broker, event, service=SERVICE, max_in_flight=self.settings.admin_max_in_flight
        )
        async def on_event(received: Event) -> asyncio.Future[None]:
            return self.projector.add(received)

    @property
    def owners(self) -> Owners:
        if self._nc is None:
            raise RuntimeError("admin service not started")
        return Owners(
            self._nc,
            timeout=self.settings.admin_command_timeout_seconds,
            analysis_timeout=self.settings.admin_analysis_timeout_seconds,
        )

    async def analyze_lead(self, lead_id: UUID) -> CommandReply[AnalysisAnswer]:
        """Ask enrichment to analyse a lead now. A finished analysis goes into the read
        model at once, the way its event would (the page shows it before the event comes;
        the event then changes nothing)."""
        async with self.engine.connect() as conn:
            if not await is_known_lead(conn, lead_id):
                raise LeadNotFound(str(lead_id))
        reply = await self.owners.analyze(lead_id)
        if reply.data is not None and reply.data.analyzed is not None:
            await self.projector.add(reply.data.analyzed)
        return reply

    async def start(self) -> None:
        self._tasks.append(asyncio.create_task(self.relay.run(), name="admin-outbox-relay"))
        self._nc = await connect_nats(self.settings.nats_url, name=f"{SERVICE}-commands")
        await start_broker(
            self.broker, self.settings, SERVICE, max_in_flight=self.settings.admin_max_in_flight
        )
        _log.info("admin-api started")

    async def stop(self) -> None:
        await stop_broker(self.broker, self.settler, drain=lambda: self.projector.drain(timeout=10))
        await cancel_tasks(self._tasks)
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await self._nc.close()
        await self.engine.dispose()
        _log.info("admin-api stopped")
