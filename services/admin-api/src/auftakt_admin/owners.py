"""The editors' line to the services that own what is edited: scoring's rules and
mappings, the mailer's sequences. Requests over NATS; the owner validates and answers
with field errors; silence (the owner is down) becomes an error the form can show."""

from __future__ import annotations

from typing import Any, TypeVar

from auftakt_common.commands import (
    MAILER_SEQUENCE_PREVIEW,
    MAILER_SEQUENCE_PUT,
    MAILER_SEQUENCES_LIST,
    SCORING_MAPPING_DELETE,
    SCORING_MAPPING_PUT,
    SCORING_RULE_PUT,
    SCORING_RULES_LIST,
    ActivityMapping,
    CommandReply,
    FieldError,
    MailPreview,
    MailSequence,
    MailSequences,
    ScoringConfiguration,
    ScoringRule,
)
from nats.aio.client import Client
from nats.errors import ConnectionClosedError, NoRespondersError, TimeoutError
from pydantic import BaseModel, TypeAdapter

__all__ = ["Owners"]

_Data = TypeVar("_Data")

_SILENT = {
    "scoring": "Scoring antwortet nicht – läuft der Dienst? Nichts wurde geändert.",
    "mailer": "Der Mailer antwortet nicht – läuft der Dienst? Nichts wurde geändert.",
}


class Owners:
    def __init__(self, nc: Client, *, timeout: float) -> None:
        self._nc = nc
        self._timeout = timeout

    async def _ask(
        self, subject: str, body: BaseModel | dict[str, Any] | None, data: type[_Data]
    ) -> CommandReply[_Data]:
        payload = (
            b""
            if body is None
            else body.model_dump_json().encode()
            if isinstance(body, BaseModel)
            else TypeAdapter(dict[str, Any]).dump_json(body)
        )
        try:
            reply = await self._nc.request(subject, payload, timeout=self._timeout)
        except (TimeoutError, NoRespondersError, ConnectionClosedError):
            message = _SILENT[subject.split(".")[0]]
            return CommandReply[data](ok=False, errors=[FieldError(field="", message=message)])  # type: ignore[valid-type]
        return CommandReply[data].model_validate_json(reply.data)  # type: ignore[valid-type]

    async def scoring_configuration(self) -> CommandReply[ScoringConfiguration]:
        return await self._ask(SCORING_RULES_LIST, None, ScoringConfiguration)

    async def put_rule(self, rule: dict[str, Any]) -> CommandReply[ScoringRule]:
        return await self._ask(SCORING_RULE_PUT, rule, ScoringRule)

    async def put_mapping(self, mapping: dict[str, Any]) -> CommandReply[ActivityMapping]:
        return await self._ask(SCORING_MAPPING_PUT, mapping, ActivityMapping)

    async def delete_mapping(self, mapping_id: int) -> CommandReply[None]:
        return await self._ask(SCORING_MAPPING_DELETE, {"id": mapping_id}, type(None))

    async def sequences(self) -> CommandReply[MailSequences]:
        return await self._ask(MAILER_SEQUENCES_LIST, None, MailSequences)

    async def put_sequence(self, sequence: dict[str, Any]) -> CommandReply[MailSequence]:
        return await self._ask(MAILER_SEQUENCE_PUT, sequence, MailSequence)

    async def preview(self, request: dict[str, Any]) -> CommandReply[MailPreview]:
        return await self._ask(MAILER_SEQUENCE_PREVIEW, request, MailPreview)
