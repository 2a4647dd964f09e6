"""ASGI glue every HTTP service shares: correlation ids and an access log without PII."""

from __future__ import annotations

import re
import time
import uuid

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .messaging import CORRELATION_HEADER

__all__ = ["RequestContextMiddleware", "correlation_id_of"]

_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_MAX_LOGGED_SEGMENT = 32
_log = structlog.get_logger("auftakt.http")


def _loggable_path(scope: Scope) -> str:
    """The matched route's template (`/v1/e/o/{token}`), else the path with long segments
    cut: paths may carry signed tokens, which are working links and stay out of logs."""
    template = getattr(scope.get("route"), "path", None)
    if isinstance(template, str) and template:
        return template
    return "/".join(
        f"{segment[:8]}…" if len(segment) > _MAX_LOGGED_SEGMENT else segment
        for segment in str(scope["path"]).split("/")
    )


def correlation_id_of(scope: Scope) -> str | None:
    state = scope.get("state") or {}
    value = state.get("correlation_id")
    return str(value) if value else None


class RequestContextMiddleware:
    """Takes the caller's `X-Correlation-ID` (or makes one), binds it to every log line of
    the request, returns it, and logs one access line: method, route (no query string and
    no token, they may carry personal data), status and duration. Never the client's
    address."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = (
            dict(scope["headers"]).get(CORRELATION_HEADER.lower().encode(), b"").decode("latin-1")
        )
        correlation_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["correlation_id"] = correlation_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(correlation_id=correlation_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (CORRELATION_HEADER.lower().encode(), correlation_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _log.info(
                "request",
                method=scope["method"],
                path=_loggable_path(scope),
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
            )
