"""What the website may send capture, and what it answers. Flat, so an HTML form maps 1:1."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Annotated, Any, Literal
from uuid import UUID

from auftakt_common.content import CompanySize
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

__all__ = [
    "ActivityAccepted",
    "ActivityBatch",
    "ActivityCreate",
    "CompanySize",
    "LeadAccepted",
    "LeadCreate",
    "loads_json",
]

MAX_GUESTS = 10_000
MAX_BUDGET_EUR = 10_000_000
MAX_DETAIL_BYTES = 4096

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.:-]{0,49}$")]
VisitorId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{8,64}$")]


def _blank_is_none(value: Any) -> Any:
    """HTML forms send empty strings for untouched fields; they mean 'not given'."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text} is too large a number")
    return value


def loads_json(text: str | bytes) -> Any:
    """JSON as PostgreSQL can store it: no NaN or Infinity, no overflowing floats.
    Raises ValueError (incl. `json.JSONDecodeError`) or RecursionError."""
    return json.loads(text, parse_constant=_no_constants, parse_float=_finite_float)


def _blank_is_none_lower(value: Any) -> Any:
    value = _blank_is_none(value)
    return value.lower() if isinstance(value, str) else value


# Optional form fields: blank means not given, then the column's limits apply (to the
# text only: constraints on `str | None` are applied to None too, a TypeError).
Text100 = Annotated[
    Annotated[str, StringConstraints(max_length=100)] | None, BeforeValidator(_blank_is_none)
]
Text255 = Annotated[
    Annotated[str, StringConstraints(max_length=255)] | None, BeforeValidator(_blank_is_none)
]
Text2000 = Annotated[
    Annotated[str, StringConstraints(max_length=2000)] | None, BeforeValidator(_blank_is_none)
]
GuestCount = Annotated[
    Annotated[int, Field(ge=1, le=MAX_GUESTS)] | None, BeforeValidator(_blank_is_none)
]
BudgetEur = Annotated[
    Annotated[int, Field(ge=0, le=MAX_BUDGET_EUR)] | None, BeforeValidator(_blank_is_none)
]
OptionalSlug = Annotated[Slug | None, BeforeValidator(_blank_is_none_lower)]


class LeadCreate(BaseModel):
    """A form submission: contact, company, event details, attribution, consent, magnet."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    email: EmailStr = Field(max_length=254)
    first_name: Text100 = None
    last_name: Text100 = None
    phone: Annotated[
        Annotated[str, StringConstraints(max_length=50, pattern=r"^\+?[0-9 ()/.\-]{5,50}$")] | None,
        BeforeValidator(_blank_is_none),
    ] = None

    company_name: Text255 = None
    company_size: Annotated[CompanySize | None, BeforeValidator(_blank_is_none)] = None
    company_industry: Text100 = None
    company_domain: Annotated[
        Annotated[
            str,
            StringConstraints(
                max_length=255, pattern=r"^(?:https?://)?[A-Za-z0-9.-]+\.[A-Za-z]{2,}/?$"
            ),
        ]
        | None,
        BeforeValidator(_blank_is_none),
    ] = None

    event_type: OptionalSlug = None
    event_date: Annotated[dt.date | None, BeforeValidator(_blank_is_none)] = None
    guest_count: GuestCount = None
    budget_min: BudgetEur = None
    budget_max: BudgetEur = None
    location: Text255 = None

    source: Text100 = None
    medium: Text100 = None
    campaign: Text255 = None
    referrer: Text2000 = None
    landing_page: Text2000 = None
    utm_source: Text255 = None
    utm_medium: Text255 = None
    utm_campaign: Text255 = None
    utm_content: Text255 = None
    utm_term: Text255 = None

    consent_marketing: Annotated[bool, BeforeValidator(lambda v: _blank_is_none(v) or False)] = (
        False
    )
    consent_text: Text2000 = None

    lead_magnet: OptionalSlug = None
    magnet_name: Text255 = None
    quiz_results: dict[str, Any] | None = None

    visitor_id: Annotated[VisitorId | None, BeforeValidator(_blank_is_none)] = None
    form_id: Text100 = None
    thank_you_url: Text2000 = None
    homepage: Text2000 = Field(
        default=None, description="Honeypot: leave empty. Humans never see this field."
    )

    @field_validator("quiz_results", mode="before")
    @classmethod
    def _quiz_results_from_form(cls, value: Any) -> Any:
        value = _blank_is_none(value)
        if isinstance(value, str):  # an HTML form sends the answers as a JSON string
            if "\\u0000" in value:
                raise ValueError("must not contain NUL characters")
            try:
                value = loads_json(value)
            except (ValueError, RecursionError) as exc:
                raise ValueError("must be a JSON object of finite numbers") from exc
        if value is not None and len(json.dumps(value)) > MAX_DETAIL_BYTES:
            raise ValueError(f"must be at most {MAX_DETAIL_BYTES} bytes as JSON")
        return value

    @field_validator("company_domain")
    @classmethod
    def _bare_domain(cls, value: str | None) -> str | None:
        if value is None:
            return None
        domain = value.lower().removeprefix("https://").removeprefix("http://").rstrip("/")
        return domain.removeprefix("www.")

    @field_validator("budget_max")
    @classmethod
    def _budget_range(cls, value: int | None, info: ValidationInfo) -> int | None:
        budget_min = info.data.get("budget_min")
        if value is not None and budget_min is not None and budget_min > value:
            raise ValueError("must not be less than budget_min")
        return value

    @property
    def is_bot(self) -> bool:
        return self.homepage is not None


class LeadAccepted(BaseModel):
    """The submission is durable. Deliberately silent on whether the address was already
    known, so the public endpoint cannot be used to probe who is in the CRM."""

    status: Literal["accepted"] = "accepted"
    submission_id: UUID
    lead_token: str = Field(description="Signed reference for later activities of this lead")


class ActivityCreate(BaseModel):
    """One website event (`page_view`, `click`, `video_progress` …) or named activity
    (`budget_calculator_used`, `phone_clicked` …). Unknown types are stored as sent."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    type: Annotated[Slug, BeforeValidator(lambda v: v.lower() if isinstance(v, str) else v)]
    lead_token: Annotated[str | None, StringConstraints(max_length=200)] = None
    visitor_id: VisitorId | None = None
    occurred_at: dt.datetime | None = None
    page_url: Annotated[str | None, StringConstraints(max_length=2000)] = None
    referrer: Annotated[str | None, StringConstraints(max_length=2000)] = None
    target: Annotated[str | None, StringConstraints(max_length=2000)] = None
    detail: dict[str, Any] = Field(default_factory=dict)

    @field_validator("detail")
    @classmethod
    def _detail_size(cls, value: dict[str, Any]) -> dict[str, Any]:
        if len(json.dumps(value)) > MAX_DETAIL_BYTES:
            raise ValueError(f"must be at most {MAX_DETAIL_BYTES} bytes as JSON")
        return value

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("must carry a time zone (ISO 8601 with offset or Z)")
        return value

    @model_validator(mode="after")
    def _someone(self) -> ActivityCreate:
        if self.lead_token is None and self.visitor_id is None:
            raise ValueError("either lead_token or visitor_id is required")
        return self


class ActivityBatch(BaseModel):
    activities: list[ActivityCreate] = Field(min_length=1, max_length=100)


class ActivityAccepted(BaseModel):
    accepted: int
    ignored: int = Field(description="Activities of leads that no longer exist (erased)")
