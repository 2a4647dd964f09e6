"""NATS connections that survive the broker going away, and the headers we send."""

from __future__ import annotations

import nats
import structlog
from nats.aio.client import Client

__all__ = ["CORRELATION_HEADER", "MSG_ID_HEADER", "connect_nats"]

CORRELATION_HEADER = "X-Correlation-ID"
MSG_ID_HEADER = "Nats-Msg-Id"

_log = structlog.get_logger("auftakt.nats")


async def connect_nats(url: str, *, name: str) -> Client:
    """Connect to `url` (comma-separated for a cluster), and keep reconnecting forever once
    connected (publishes wait meanwhile)."""

    client: Client | None = None

    async def on_disconnect() -> None:
        if client is not None and client.is_closed:
            return  # closed on purpose (shutdown), not lost
        _log.warning("nats disconnected")

    async def on_reconnect() -> None:
        _log.info("nats reconnected")

    async def on_error(exc: Exception) -> None:
        _log.warning("nats error", error=str(exc))

    client = await nats.connect(
        servers=[server.strip() for server in url.split(",")],  # a cluster: any members
        name=name,
        connect_timeout=2,
        reconnect_time_wait=0.5,
        max_reconnect_attempts=-1,
        disconnected_cb=on_disconnect,
        reconnected_cb=on_reconnect,
        error_cb=on_error,
    )
    return client
