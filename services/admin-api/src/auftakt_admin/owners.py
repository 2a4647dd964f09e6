"""The dashboard's line to the services that own what it edits or asks for: scoring's
rules and mappings, the mailer's sequences, enrichment's companies and analyses,
capture's website content (forms, the price table, quizzes). Requests
over NATS; the owner validates and answers with field errors; silence (the owner is down)
becomes an error the form can show."""

from __future__ import annotations

from typing import Any, TypeVar
from uuid import UUID

from auftakt_common.commands import (
    ENRICHMENT_ANALYZE,
    ENRICHMENT_COMPANY_GET,
    ENRICHMENT_COMPANY_PUT,
    MAILER_SEQUENCE_PREVIEW,
    MAILER_SEQUENCE_PUT,
    MAILER_SEQUENCES_LIST,
    SCORING_MAPPING_DELETE,
    SCORING_MAPPING_PUT,
    SCORING_RULE_PUT,
    SCORING_RULES_LIST,
    ActivityMapping,
    AnalysisAnswer,
    AnalyzeLead,
    CommandReply,
    CompanyProfile,
    FieldError,
    MailPreview,
    MailSequence,
    MailSequences,
    ScoringConfiguration,
    ScoringRule,
)
from auftakt_common.content import (
    CAPTURE_FORM_PUT,
    CAPTURE_FORMS_LIST,
    CAPTURE_PRICES_GET,
    CAPTURE_PRICES_PUT,
    CAPTURE_QUIZ_PUT,
    CAPTURE_QUIZZES_LIST,
    FormDefinition,
    FormDefinitions,
    PriceTable,
    QuizDefinition,
    QuizDefinitions,
)
from nats.aio.client import Client
from nats.errors import ConnectionClosedError, NoRespondersError, TimeoutError
from pydantic import BaseModel, TypeAdapter

__all__ = ["Owners", "is_silent"]

_Data = TypeVar("_Data")

_SILENT = {
    "scoring": "Scoring antwortet nicht – läuft der Dienst? Nichts wurde geändert.",
    "mailer": "Der Mailer antwortet nicht – läuft der Dienst? Nichts wurde geändert.",
    "enrichment": "Enrichment antwortet nicht – läuft der Dienst?",
    "capture": "Capture antwortet nicht – läuft der Dienst? Nichts wurde geändert.",
}


def is_silent(reply: CommandReply[Any]) -> bool:
    """Whether the owner did not answer (or could not do anything: its database is
    away), as opposed to refusing the input: an error that names no field."""
    return any(error.field == "" for error in reply.errors)


class Owners:
    def __init__(self, nc: Client, *, timeout: float, analysis_timeout: float) -> None:
        self._nc = nc
        self._timeout = timeout
        self._analysis_timeout = analysis_timeout

    async def _ask(
        self,
        subject: str,
        body: BaseModel | dict[str, Any] | None,
        data: type[_Data],
        *,
        timeout: float | None = None,
    ) -> CommandReply[_Data]:
        payload = (
            b""
            if body is None
            else body.model_dump_json().encode()
            if isinstance(body, BaseModel)
            else TypeAdapter(dict[str, Any]).dump_json(body)
        )
        try:
            reply = await self._nc.request(subject, payload, timeout=timeout or self._timeout)
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

    async def sequences(self, *, timeout: float | None = None) -> CommandReply[MailSequences]:
        return await self._ask(MAILER_SEQUENCES_LIST, None, MailSequences, timeout=timeout)

    async def put_sequence(self, sequence: dict[str, Any]) -> CommandReply[MailSequence]:
        return await self._ask(MAILER_SEQUENCE_PUT, sequence, MailSequence)

    async def preview(self, request: dict[str, Any]) -> CommandReply[MailPreview]:
        return await self._ask(MAILER_SEQUENCE_PREVIEW, request, MailPreview)

    async def analyze(self, lead_id: UUID) -> CommandReply[AnalysisAnswer]:
        """Enrichment analyses the lead; it answers within its own limit (done, or
        running: the result follows as `lead.analyzed`), so we wait a little longer."""
        return await self._ask(
            ENRICHMENT_ANALYZE,
            AnalyzeLead(lead_id=lead_id),
            AnalysisAnswer,
            timeout=self._analysis_timeout,
        )

    async def company(
        self, wanted: dict[str, Any], *, timeout: float | None = None
    ) -> CommandReply[CompanyProfile]:
        """The company's live profile; `wanted`: its `company_id` or `domain`."""
        return await self._ask(ENRICHMENT_COMPANY_GET, wanted, CompanyProfile, timeout=timeout)

    async def put_targeting(self, targeting: dict[str, Any]) -> CommandReply[CompanyProfile]:
        return await self._ask(ENRICHMENT_COMPANY_PUT, targeting, CompanyProfile)

    async def forms(self) -> CommandReply[FormDefinitions]:
        return await self._ask(CAPTURE_FORMS_LIST, None, FormDefinitions)

    async def put_form(self, form: dict[str, Any]) -> CommandReply[FormDefinition]:
        return await self._ask(CAPTURE_FORM_PUT, form, FormDefinition)

    async def prices(self) -> CommandReply[PriceTable]:
        return await self._ask(CAPTURE_PRICES_GET, None, PriceTable)

    async def put_prices(self, table: dict[str, Any]) -> CommandReply[PriceTable]:
        return await self._ask(CAPTURE_PRICES_PUT, table, PriceTable)

    async def quizzes(self) -> CommandReply[QuizDefinitions]:
        return await self._ask(CAPTURE_QUIZZES_LIST, None, QuizDefinitions)

    async def put_quiz(self, quiz: dict[str, Any]) -> CommandReply[QuizDefinition]:
        return await self._ask(CAPTURE_QUIZ_PUT, quiz, QuizDefinition)
