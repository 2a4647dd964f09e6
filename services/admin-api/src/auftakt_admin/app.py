"""Composition root: settings → database, vault, outbox relay, projector with its
consumers, the owners' command line, and the FastAPI app with the dashboard and the
JSON API. `AdminService` runs the background parts; `create_app` serves it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
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
from auftakt_common.http import RequestContextMiddleware
from auftakt_common.messaging import connect_nats
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
from auftakt_common.vault_store import KeyStore
from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from nats.aio.client import Client

from .api import router as api_router
from .api_companies import router as companies_api_router
from .api_website import router as website_api_router
from .lead_detail import is_known_lead
from .models import SCHEMA, outbox
from .owners import Owners
from .pages import STATIC, install_error_pages
from .pipeline import LeadNotFound
from .projection import PROJECTED_EVENTS, Projector
from .settings import AdminSettings
from .timeline_titles import SequenceTitles
from .web import router as web_router
from .web_accounts import router as accounts_router
from .web_companies import router as companies_router
from .web_editors import router as editors_router
from .web_website import router as website_router

__all__ = ["AdminService", "SERVICE", "create_app", "migrate"]

SERVICE = "admin"
_log = structlog.get_logger("auftakt.admin")
MIGRATIONS = Path(__file__).parent / "migrations"

Clock = Callable[[], datetime]
_Next = Callable[[Request], Awaitable[Response]]
# every asset is our own; inline styles only as attributes (the score bar); no framing
_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


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


def create_app(settings: AdminSettings, service: AdminService | None = None) -> FastAPI:
    """The dashboard and the JSON API; the lifespan runs the service (a given one is left
    to its owner)."""
    admin = service or AdminService(settings)

    app = FastAPI(
        title="Auftakt admin-api",
        summary=(
            "The sales dashboard and its JSON API: leads, pipeline, notes, companies, "
            "analyses, editors."
        ),
        version="0.1.0",
        lifespan=lifespan_of(admin, owned=service is None),
        # the document is served to signed-in staff only (api.py); no docs UI: it would
        # load its scripts from a CDN
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.admin = admin

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        """Liveness for the orchestrator: says nothing about anyone's data."""
        return {"status": "ok"}

    app.include_router(web_router)
    app.include_router(editors_router)
    app.include_router(companies_router)
    app.include_router(website_router)
    app.include_router(accounts_router)
    app.include_router(api_router)
    app.include_router(companies_api_router)
    app.include_router(website_api_router)
    app.mount("/admin/static", StaticFiles(directory=STATIC), name="static")
    install_error_pages(app)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: _Next) -> Response:
        response = await call_next(request)
        response.headers.update(_SECURITY_HEADERS)
        return response

    app.add_middleware(RequestContextMiddleware)
    return app
