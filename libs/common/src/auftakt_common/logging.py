"""Structured logging: JSON in production, readable in development, never plaintext PII.

`redact_personal_data` runs on every line, ours and the libraries' (stdlib logging goes
through the same processors): keys that name personal data are masked, and e-mail
addresses and phone numbers are scrubbed out of every string value.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any, Literal, TextIO

import structlog
from structlog.types import EventDict, Processor, WrappedLogger

from .pii import scrub

__all__ = ["configure_logging", "redact_personal_data", "scrub"]

_PII_KEYS = frozenset(
    {
        "email",
        "e_mail",
        "first_name",
        "last_name",
        "name",
        "full_name",
        "phone",
        "telephone",
        "ip",
        "ip_address",
        "client_ip",
        "address",
        "notes",
        "note",
        "password",
        "authorization",
        "cookie",
    }
)
_MASK = "[redacted]"


def _redact(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, Mapping):
        return {
            key: (_MASK if str(key).lower() in _PII_KEYS and val is not None else _redact(val))
            for key, val in value.items()
        }
    if isinstance(value, list | tuple):
        return [_redact(item) for item in value]
    return value


def redact_personal_data(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    redacted: MutableMapping[str, Any] = _redact(event_dict)
    return dict(redacted)


def configure_logging(
    *,
    service: str,
    fmt: Literal["json", "console"],
    level: str = "INFO",
    stream: TextIO | None = None,
) -> None:
    """Configure structlog and route stdlib logging through the same processors."""
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        lambda _, __, event_dict: {"service": service, **event_dict},
        redact_personal_data,
    ]
    renderer: Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=(stream or sys.stderr).isatty())
    )
    structlog.configure(
        # filter first: below-level calls must not pay for timestamps and redaction
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("uvicorn.access", "nats"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
