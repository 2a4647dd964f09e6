"""The owner's side of a command over NATS: parse the raw body, carry it out, reply — an
error reply rather than silence when it fails. Apart from the command contracts
(`commands.py`), which pure domain code may use without the database glue this needs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog
from pydantic import BaseModel, ValidationError

from .commands import CommandReply, FieldError, field_errors
from .db import is_database_unavailable

__all__ = ["answer", "answer_command"]

_Data = TypeVar("_Data")
_log = structlog.get_logger("auftakt.commands")
_Parsed = TypeVar("_Parsed", bound=BaseModel)


async def answer(work: Awaitable[CommandReply[_Data]]) -> CommandReply[_Data]:
    """The owner's reply; an error reply rather than silence when it fails, so the editor
    shows why instead of waiting for a timeout."""
    try:
        return await work
    except Exception as exc:
        if is_database_unavailable(exc):
            message = "Datenbank nicht erreichbar, bitte gleich noch einmal versuchen"
        else:
            _log.exception("command failed")
            message = "interner Fehler, nichts wurde geändert"
        return CommandReply(ok=False, errors=[FieldError(field="", message=message)])


async def answer_command(
    model: type[_Parsed],
    body: bytes,
    carry_out: Callable[[_Parsed], Awaitable[CommandReply[_Data]]],
) -> CommandReply[_Data]:
    """Parse a command's raw body and carry it out; a reply naming the wrong fields if it
    does not parse."""
    try:
        command = model.model_validate_json(body)
    except ValidationError as exc:
        return CommandReply(ok=False, errors=field_errors(exc))
    return await answer(carry_out(command))
