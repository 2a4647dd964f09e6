"""Commands and replies over NATS request/reply: how `admin-api` asks an owning service to
read or change its configuration. The owner validates and answers with field errors.

Subjects are not in the event stream: a command is answered once, by one replica (queue
group named after the owning service), or times out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Generic, Literal, TypeVar
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from .events import AccountTier, LeadAnalyzed
from .german_errors import SaidInGerman, german_error
from .storable import refuse_nul

__all__ = [
    "ActivityMapping",
    "AnalysisAnswer",
    "AnalyzeLead",
    "CompanyProfile",
    "CompanyTargeting",
    "ENRICHMENT_ANALYZE",
    "ENRICHMENT_COMPANY_GET",
    "ENRICHMENT_COMPANY_PUT",
    "FindCompany",
    "CommandReply",
    "DeleteActivityMapping",
    "EnrichmentFailure",
    "FieldError",
    "MAILER_SEQUENCES_LIST",
    "MAILER_SEQUENCE_PREVIEW",
    "MAILER_SEQUENCE_PUT",
    "MailPreview",
    "PreviewMail",
    "MailSequence",
    "MailSequences",
    "MailStep",
    "MailTrigger",
    "MAPPING_OPERATORS",
    "MappingOperator",
    "SCORING_MAPPING_DELETE",
    "SCORING_MAPPING_PUT",
    "SCORING_RULES_LIST",
    "SCORING_RULE_PUT",
    "ScoringConfiguration",
    "ScoringRule",
    "field_errors",
]

SCORING_RULES_LIST = "scoring.rules.list"
SCORING_RULE_PUT = "scoring.rules.put"
SCORING_MAPPING_PUT = "scoring.mappings.put"
SCORING_MAPPING_DELETE = "scoring.mappings.delete"
MAILER_SEQUENCES_LIST = "mailer.sequences.list"
MAILER_SEQUENCE_PUT = "mailer.sequences.put"
MAILER_SEQUENCE_PREVIEW = "mailer.sequences.preview"
ENRICHMENT_ANALYZE = "enrichment.analyze"
ENRICHMENT_COMPANY_GET = "enrichment.companies.get"
ENRICHMENT_COMPANY_PUT = "enrichment.companies.put"

_SLUG = r"^[a-z][a-z0-9_]{1,99}$"
# a row's BIGINT identity: a larger id names no row, and the database would refuse it
_MAX_ROW_ID = 2**63 - 1

MappingOperator = Literal["equals", "in", "not_in", "prefix", "contains", "regex", "gte", "lte"]
MAPPING_OPERATORS: tuple[MappingOperator, ...] = (
    "equals",
    "in",
    "not_in",
    "prefix",
    "contains",
    "regex",
    "gte",
    "lte",
)


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    # the owners store what the editors send
    _texts_storable = field_validator("*", mode="before")(refuse_nul)


class ScoringRule(_Command):
    """How many points an activity is worth, how often it may count per lead
    (`max_per_lead`), how far apart two counted occurrences must be (`cooldown_seconds`),
    and whether the website may send it by name (`website`; otherwise only mappings and
    Auftakt's own services can trigger it)."""

    activity: str = Field(pattern=_SLUG)
    points: int = Field(ge=-100, le=100)
    description: str = Field(min_length=1, max_length=255)
    max_per_lead: int | None = Field(default=None, ge=1, le=1000)
    cooldown_seconds: int | None = Field(default=None, ge=1, le=365 * 24 * 3600)
    website: bool = False
    active: bool = True


class ActivityMapping(_Command):
    """A raw event that looks like this counts as that activity: `field` of an
    `event_type` event compared with `value` by `operator`. Every matching mapping counts
    (each activity once per event). `id` None creates a mapping."""

    id: int | None = Field(default=None, ge=1, le=_MAX_ROW_ID)
    position: int = Field(default=100, ge=0, le=100_000)
    event_type: str = Field(pattern=_SLUG)
    field: str = Field(min_length=1, max_length=100)
    operator: MappingOperator
    value: str = Field(max_length=500)
    activity: str = Field(pattern=_SLUG)
    active: bool = True
    note: str | None = Field(default=None, max_length=255)


class DeleteActivityMapping(_Command):
    id: int = Field(ge=1, le=_MAX_ROW_ID)


class ScoringConfiguration(_Command):
    rules: list[ScoringRule]
    mappings: list[ActivityMapping]


class MailTrigger(_Command):
    """What enrols a lead: an event type, and values its fields must have (all of them),
    e.g. `lead.magnet_downloaded` with `{"magnet_type": "checklist_2025"}`."""

    event: str = Field(min_length=1, max_length=100)
    filter: dict[str, str] = Field(default_factory=dict, max_length=5)


class MailStep(_Command):
    """One mail of a sequence, `delay_hours` after enrolment. Texts are templates with
    placeholders like `{{ first_name }}`. `transactional`: content the lead asked for,
    which may go out without marketing consent (only ever the first step). `position`:
    the step's lasting id, as listed (keep it when editing a step; None for a new one); a
    step left out is removed, and leads standing at it go on with the next."""

    position: int | None = Field(default=None, ge=1, le=32_000)
    delay_hours: int = Field(ge=0, le=24 * 365)
    subject: str = Field(min_length=1, max_length=500)
    body_html: str = Field(min_length=1, max_length=100_000)
    body_text: str = Field(min_length=1, max_length=100_000)
    transactional: bool = False
    active: bool = True


class MailSequence(_Command):
    key: str = Field(pattern=_SLUG)
    name: str = Field(min_length=1, max_length=255)
    trigger: MailTrigger
    active: bool = True
    steps: list[MailStep] = Field(min_length=1, max_length=30)
    version: int | None = None  # in replies: bumped on every save


class MailSequences(_Command):
    sequences: list[MailSequence]


class PreviewMail(_Command):
    """Show a step as this lead would get it (`lead_id` None: with every fallback); the
    first step when `position` is None."""

    key: str = Field(pattern=_SLUG)
    position: int | None = Field(default=None, ge=1, le=32_000)
    lead_id: UUID | None = None


class MailPreview(_Command):
    """The mail as it would leave (without tracking): for staff, so with the lead's name."""

    to: str
    subject: str
    html: str
    text: str


class AnalyzeLead(_Command):
    """Analyse this lead now (the dashboard's "Mit Claude analysieren")."""

    lead_id: UUID


class AnalysisAnswer(_Command):
    """`done` with the analysis, or `running`: it is published as `lead.analyzed` (and
    shown on the lead's page) when it is ready."""

    status: Literal["done", "running"]
    analysis_id: UUID
    analyzed: LeadAnalyzed | None = None


class FindCompany(_Command):
    """A company by its id or by its web domain (`www.` and paths are ignored)."""

    company_id: UUID | None = None
    domain: str | None = Field(default=None, min_length=1, max_length=2048)

    @model_validator(mode="after")
    def _one_of_them(self) -> FindCompany:
        if self.company_id is None and self.domain is None:
            raise ValueError("company_id or domain is required")
        return self


class CompanyTargeting(FindCompany):
    """Sales mark an account for account-based marketing: a target account and its tier.
    A domain not known yet becomes a company (and is enriched)."""

    target_account: bool
    tier: AccountTier | None = None


# why enrichment failed for a company: its domain does not exist, its website did not
# answer, answered no readable page, was not fetched (a private or refused address), or
# the data provider failed; pages say it in German, the raw error is for ops
EnrichmentFailure = Literal["no_such_domain", "unreachable", "no_website", "refused", "provider"]


class CompanyProfile(_Command):
    """A company as enrichment knows it: facts from its providers (the imprint's legal
    details included), sales' targeting, and the roll-up of its leads."""

    company_id: UUID
    domain: str
    status: Literal["pending", "enriched", "failed"]
    name: str | None = None
    legal_form: str | None = None
    street: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None
    register_court: str | None = None
    register_number: str | None = None
    managing_directors: list[str] = []
    vat_id: str | None = None
    linkedin_url: str | None = None
    employee_count: int | None = None
    revenue_range: str | None = None
    industry: str | None = None
    description: str | None = None
    provider: str | None = None
    sources: list[str] = []
    target_account: bool = False
    tier: AccountTier | None = None
    contacts: int = 0
    engaged_contacts: int = 0
    highest_score: int = 0
    score_sum: int = 0
    last_activity_at: datetime | None = None
    enriched_at: datetime | None = None
    last_error: str | None = None  # enrichment's own words, for ops; pages show `failure`
    failure: EnrichmentFailure | None = None


class FieldError(BaseModel):
    field: str
    message: str


_Data = TypeVar("_Data")


class CommandReply(BaseModel, Generic[_Data]):
    ok: bool
    errors: list[FieldError] = []
    data: _Data | None = None


def field_errors(error: ValidationError) -> list[FieldError]:
    """A pydantic error as field errors a form can show next to its inputs, in German
    (a validator's own refusal as it words it)."""
    return [
        FieldError(
            field=".".join(str(part) for part in item["loc"]) or "body",
            message=_message(item),
        )
        for item in error.errors()
    ]


def _message(error: ErrorDetails) -> str:
    context = error.get("ctx") or {}
    if error["type"] == "value_error" and not isinstance(context.get("error"), SaidInGerman):
        return error["msg"].removeprefix("Value error, ")
    return german_error(error)
