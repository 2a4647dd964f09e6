"""Composition root: the FastAPI app with the dashboard and the JSON API around the
running `AdminService` (service.py: database, vault, outbox relay, projector with its
consumers, the owners' command line)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from auftakt_common.http import RequestContextMiddleware
from auftakt_common.service_runtime import (
    lifespan_of,
)
from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from .api import router as api_router
from .api_companies import router as companies_api_router
from .api_website import router as website_api_router
from .pages import STATIC, install_error_pages
from .service import SERVICE, AdminService, migrate
from .settings import AdminSettings
from .web import router as web_router
from .web_accounts import router as accounts_router
from .web_companies import router as companies_router
from .web_editors import router as editors_router
from .web_website import router as website_router

__all__ = ["AdminService", "SERVICE", "create_app", "migrate"]

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
