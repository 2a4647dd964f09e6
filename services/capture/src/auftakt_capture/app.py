"""Composition root: settings → database, vault, outbox relay, routes, middleware."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import sqlalchemy.exc
import structlog
from auftakt_common.consumers import Settler
from auftakt_common.db import create_engine, is_database_unavailable
from auftakt_common.http import RequestContextMiddleware
from auftakt_common.migrations import migrate_vault, run_migrations
from auftakt_common.outbox import OutboxRelay
from auftakt_common.service_runtime import create_broker, start_broker, stop_broker
from auftakt_common.settings import load_settings
from auftakt_common.tokens import LeadTokens, MailLinks
from auftakt_common.vault_store import KeyStore
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import Response
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from .content_store import ContentCache
from .context import Capture, RateLimits
from .demo_site import router as demo_site_router
from .downloads import router as downloads_router
from .embeds import router as embeds_router
from .handlers import SERVICE, register_handlers
from .intake import Intake
from .mail_links import router as mail_links_router
from .models import SCHEMA, outbox
from .openapi import documented_models
from .problems import problem
from .routes import BODY_MODELS, router
from .settings import CaptureSettings
from .website import router as website_router

__all__ = ["create_app", "create_app_from_env", "migrate"]

_log = structlog.get_logger("auftakt.capture")
MIGRATIONS = Path(__file__).parent / "migrations"


def migrate(settings: CaptureSettings) -> None:
    migrate_vault(settings.database_url)
    run_migrations(settings.database_url, MIGRATIONS, SCHEMA)


async def _on_database_error(request: Request, exc: Exception) -> Response:
    if is_database_unavailable(exc):
        _log.warning("database unavailable", error=type(exc).__name__)
        return problem(
            request, 503, "database unavailable, nothing was stored", headers={"Retry-After": "5"}
        )
    _log.exception("database error")
    return problem(request, 500, "internal error")


def _log_relay_end(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        _log.error("outbox relay stopped", error=repr(task.exception()))


def create_app(settings: CaptureSettings) -> FastAPI:
    engine = create_engine(
        settings.database_url, pool_size=settings.database_pool_size, application_name="capture"
    )
    vault = settings.vault()
    relay = OutboxRelay.for_service(engine, outbox, settings, "capture")
    capture = Capture(
        settings=settings,
        engine=engine,
        intake=Intake(KeyStore(vault), LeadTokens(settings.signing_key_bytes, "lead")),
        mail_links=MailLinks(settings.signing_key_bytes),
        rate_limits=RateLimits(
            {
                "lead": settings.capture_lead_rate_limit,
                "activity": settings.capture_activity_rate_limit,
            },
            enabled=settings.capture_rate_limit_enabled,
        ),
        relay=relay,
        content=ContentCache(engine),
    )

    broker = create_broker(settings, SERVICE)
    settler = Settler(broker, service=SERVICE)
    broker.add_middleware(settler.middleware)
    register_handlers(broker, capture)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        relay_task = asyncio.create_task(relay.run(), name="capture-outbox-relay")
        relay_task.add_done_callback(_log_relay_end)
        await start_broker(broker, settings, SERVICE, max_in_flight=256)
        _log.info("capture started", allowed_origins=settings.capture_allowed_origins)
        try:
            yield
        finally:
            await stop_broker(broker, settler)
            relay_task.cancel()
            # bounded: shutdown must not hang on a broker or database that stopped answering
            await asyncio.wait({relay_task}, timeout=10)
            await engine.dispose()

    app = FastAPI(
        title="Auftakt capture",
        summary="The public front door: website leads and activity.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.capture = capture
    # FastAPI's documented way to extend the document is to replace this method
    app.openapi = documented_models(app, BODY_MODELS)  # type: ignore[method-assign]
    app.include_router(router)
    app.include_router(mail_links_router)
    app.include_router(downloads_router)
    app.include_router(embeds_router)
    if settings.serves_demo_site:
        app.include_router(demo_site_router)
    app.include_router(website_router)
    for error in (sqlalchemy.exc.SQLAlchemyError, psycopg.Error, OSError):
        app.add_exception_handler(error, _on_database_error)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.capture_allowed_origins,
        allow_methods=["POST"],
        allow_headers=["Content-Type", "X-Correlation-ID"],
        expose_headers=["X-Correlation-ID"],
        max_age=600,
    )
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.capture_trusted_proxies)
    app.add_middleware(RequestContextMiddleware)
    return app


def create_app_from_env() -> FastAPI:
    """Factory for uvicorn workers: each process reads the environment and logs alike."""
    return create_app(load_settings(CaptureSettings, "capture"))
