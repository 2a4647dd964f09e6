"""Composition root: settings → database, outbox relay, vault, transport, sequence book,
broker with handlers, dispatcher, and the HTTP app for webhooks. `MailerService` runs
them; `create_app` serves it over HTTP (what `__main__` runs)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import structlog
from auftakt_common.catalogue import declare_published
from auftakt_common.consumers import Settler
from auftakt_common.db import create_engine
from auftakt_common.events import (
    EmailBounced,
    EmailComplained,
    EmailHeld,
    EmailSent,
    NotificationSent,
    utc_now,
)
from auftakt_common.http import RequestContextMiddleware
from auftakt_common.migrations import migrate_vault, run_migrations
from auftakt_common.outbox import OutboxRelay
from auftakt_common.service_runtime import (
    RunningService,
    cancel_tasks,
    create_broker,
    lifespan_of,
    start_broker,
    stop_broker,
)
from auftakt_common.tokens import MailLinks
from auftakt_common.vault_store import KeyStore
from fastapi import FastAPI

from .alert_rounds import AlertRounds
from .alerts import AlertSender
from .composer import Composer
from .dispatcher import Dispatcher
from .handlers import MAX_IN_FLIGHT as _MAX_IN_FLIGHT
from .handlers import SERVICE, register_handlers
from .http import router
from .messages import LinkMaker
from .models import SCHEMA, outbox
from .previews import Previews
from .reactions import Reactions
from .sequences import SequenceBook
from .settings import MailerSettings
from .shipped import align_shipped_texts
from .transports import Transport, create_transport

__all__ = ["MailerService", "create_app", "migrate"]

_log = structlog.get_logger("auftakt.mailer")
MIGRATIONS = Path(__file__).parent / "migrations"

Clock = Callable[[], datetime]
_ROUND_GRACE_SECONDS = 30.0


def migrate(settings: MailerSettings) -> None:
    """The schema to head, and the shipped texts nobody edited in the configured form of
    address."""
    migrate_vault(settings.database_url)
    run_migrations(
        settings.database_url,
        MIGRATIONS,
        SCHEMA,
        then=lambda conn: align_shipped_texts(conn, settings.address_form),
    )


class MailerService(RunningService):
    """The mailer, running: consumes lead events, sends what is due, alerts sales."""

    def __init__(
        self,
        settings: MailerSettings,
        *,
        clock: Clock = utc_now,
        transport: Transport | None = None,
        dispatch: bool = True,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self._dispatch_enabled = dispatch
        self.engine = create_engine(
            settings.database_url, pool_size=settings.database_pool_size, application_name=SERVICE
        )
        self.relay = OutboxRelay.for_service(self.engine, outbox, settings, SERVICE)
        vault = settings.vault()
        self.transport = transport or create_transport(settings)
        self.alerts = AlertSender(settings, self.transport)
        self.book = SequenceBook(self.engine)
        links = LinkMaker(MailLinks(settings.signing_key_bytes), settings.public_url)
        composer = Composer(self.book, links, settings)
        keys = KeyStore(vault)
        self.dispatcher = Dispatcher(
            relay=self.relay,
            keys=keys,
            book=self.book,
            transport=self.transport,
            alerts=AlertRounds(
                relay=self.relay, sender=self.alerts, settings=settings, clock=clock
            ),
            composer=composer,
            settings=settings,
            clock=clock,
        )
        previews = Previews(
            relay=self.relay, keys=keys, book=self.book, composer=composer, clock=clock
        )
        self.broker = create_broker(settings, SERVICE)
        self.settler = Settler(self.broker, service=SERVICE, max_deliver=8)
        self.broker.add_middleware(self.settler.middleware)
        reactions = Reactions(self.relay, self.book, self.alerts, settings, clock)
        register_handlers(
            self.broker,
            reactions,
            self.book,
            self.relay,
            settings,
            self.dispatcher.wake,
            previews.preview,
        )
        declare_published(
            self.broker,
            SERVICE,
            (EmailSent, EmailHeld, EmailBounced, EmailComplained, NotificationSent),
        )
        self._tasks: list[asyncio.Task[None]] = []
        self._dispatching: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._tasks.append(asyncio.create_task(self.relay.run(), name="mailer-outbox-relay"))
        await start_broker(self.broker, self.settings, SERVICE, max_in_flight=_MAX_IN_FLIGHT)
        if self._dispatch_enabled:
            self._dispatching = asyncio.create_task(self.dispatcher.run(), name="mailer-dispatch")
        _log.info("mailer started", transport=self.settings.mailer_transport)

    async def stop(self) -> None:
        await stop_broker(self.broker, self.settler)
        if self._dispatching is not None:
            # mails under way are handed over and recorded; cut short only if it hangs
            self.dispatcher.stop_after_round()
            await asyncio.wait({self._dispatching}, timeout=_ROUND_GRACE_SECONDS)
            self._tasks.append(self._dispatching)
            self._dispatching = None
        await cancel_tasks(self._tasks)
        await self.transport.close()
        await self.alerts.close()
        await self.engine.dispose()
        _log.info("mailer stopped")


def create_app(settings: MailerSettings, service: MailerService | None = None) -> FastAPI:
    """The HTTP app; its lifespan runs the service (a given one is left to its owner)."""
    mailer = service or MailerService(settings)

    app = FastAPI(
        title="Auftakt mailer",
        summary="Provider webhooks (bounces, complaints); development mail viewer.",
        version="0.1.0",
        lifespan=lifespan_of(mailer, owned=service is None),
    )
    app.state.mailer = mailer
    app.include_router(router)
    app.add_middleware(RequestContextMiddleware)
    return app
