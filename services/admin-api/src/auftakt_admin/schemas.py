"""The JSON API's bodies: what it returns and what it accepts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from auftakt_common.commands import CompanyProfile
from auftakt_common.events import AccountTier, AnalysisMethod, IntentLevel, PipelineStatus, Stage
from pydantic import BaseModel, ConfigDict, Field


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ContactRead(_Read):
    email: str | None
    first_name: str | None
    last_name: str | None
    phone: str | None


class LeadListItemRead(_Read):
    lead_id: UUID
    stage: Stage
    score: int
    contact: ContactRead
    company_name: str | None
    event_type: str | None
    event_date: date | None
    guest_count: int | None
    source: str
    status: PipelineStatus
    assignee: str | None
    last_activity_at: datetime


class LeadPageRead(_Read):
    items: list[LeadListItemRead]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page")
    total: int | None = Field(description="on the first page: how many leads match")
    total_capped: bool = Field(description="true: there are more than `total`")


class TimelineEntryRead(_Read):
    at: datetime
    kind: str
    title: str
    detail: dict[str, Any] | None


class ScoreEntryRead(_Read):
    at: datetime
    score: int
    activity: str
    points: int
    delta: int
    reason: str


class EmailEntryRead(_Read):
    at: datetime
    kind: str
    sequence_key: str | None
    step: int | None
    url: str | None
    title: str | None = Field(
        description="the mail's sequence and step as the mailer names them (\"Checkliste "
        "2025 – Mail 1: Ihre Checkliste\"), or the double-opt-in mail; null: the mail's "
        "sending is not in the lead's timeline"
    )
    note: str | None = Field(
        default=None,
        description="a held mail (kind `held`): the figures it waits for, in German",
    )


class AlertRead(_Read):
    at: datetime
    channel: str = Field(description="email, slack or whatsapp")
    recipient: str | None = Field(description="the staff address or number; null: Slack")
    stage: Stage
    score: int


class NoteRead(_Read):
    id: UUID
    at: datetime
    author: str | None
    body: str


class StatusEntryRead(_Read):
    at: datetime
    previous_status: str | None
    status: str
    deal_value: Decimal | None
    by: str | None


class CompanyRead(_Read):
    """A company as admin's read model knows it: enrichment's facts and the roll-up of
    its leads (engaged: a score above zero)."""

    company_id: UUID
    domain: str
    name: str | None
    legal_form: str | None
    city: str | None
    country: str | None
    employee_count: int | None
    revenue_range: str | None
    industry: str | None
    register_number: str | None
    linkedin_url: str | None
    target_account: bool
    tier: AccountTier | None
    contacts: int
    engaged_contacts: int
    highest_score: int
    score_sum: int
    last_activity_at: datetime | None


class CompanyPageRead(_Read):
    items: list[CompanyRead]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page")
    total: int | None = Field(description="on the first page: how many companies match")
    total_capped: bool = Field(description="true: there are more than `total`")


class CompanyDetailRead(BaseModel):
    profile: CompanyProfile | None = Field(
        description="live from enrichment (imprint details, sources, status); null when "
        "enrichment did not answer"
    )
    summary: CompanyRead | None = Field(description="admin's read model (null: not yet)")
    notice: str | None = Field(description="why `profile` is missing")
    leads: list[LeadListItemRead] = Field(description="its leads, highest score first (50)")


class TargetingUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target_account: bool
    tier: AccountTier | None = None


class AnalysisRead(_Read):
    analysis_id: UUID
    at: datetime
    intent_level: IntentLevel
    buying_signals: list[str]
    recommended_approach: str
    qualification_score: int = Field(ge=0, le=100)
    next_best_action: str
    method: AnalysisMethod = Field(description="`claude`, or `regelbasiert` (rule-based)")
    model: str | None
    trigger: Literal["stage_changed", "requested"]
    fallback_reason: str | None = Field(description="why not Claude, if it was not")


class AnalysisRequested(BaseModel):
    status: Literal["done", "running"] = Field(
        description="running: the result appears on the lead when it is ready"
    )
    analysis_id: UUID
    analysis: AnalysisRead | None


class LeadDetailRead(_Read):
    lead_id: UUID
    contact: ContactRead
    profile: dict[str, Any]
    first_touch: dict[str, Any]
    last_touch: dict[str, Any]
    score: int
    stage: Stage
    status: PipelineStatus
    assignee_id: UUID | None
    assignee: str | None
    deal_value: Decimal | None
    consent_state: str
    consent_at: datetime | None
    mail_state: str
    emails: dict[str, int]
    created_at: datetime
    last_activity_at: datetime
    company_id: UUID | None
    decision_maker: bool | None
    employee_count: int | None
    company: CompanyRead | None = Field(description="enrichment's company (null: not yet)")
    analysis: AnalysisRead | None = Field(description="the newest analysis")
    activities: list[TimelineEntryRead]
    score_history: list[ScoreEntryRead]
    email_events: list[EmailEntryRead]
    alerts: list[AlertRead] = Field(description="how sales were alerted about the lead")
    notes: list[NoteRead]
    status_history: list[StatusEntryRead]


class SourceConversion(BaseModel):
    source: str
    leads: int
    won: int
    rate: float


class DashboardRead(BaseModel):
    new_today: int
    new_week: int
    total: int
    by_stage: dict[str, int]
    by_status: dict[str, int]
    burning_waiting: int
    burning_leads: list[LeadListItemRead]
    conversion: list[SourceConversion]
    funnel: dict[str, dict[str, int]]
    daily_new: list[tuple[date, int]]


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: PipelineStatus
    deal_value: Decimal | None = Field(default=None, gt=0, lt=10_000_000_000)


class Assignment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assignee_id: UUID | None


class NoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: str = Field(min_length=1, max_length=10_000)


class Changed(BaseModel):
    changed: bool


class Created(BaseModel):
    id: UUID


class UserRead(_Read):
    id: UUID
    email: str
    name: str
    role: Literal["admin", "sales"]
    active: bool
    must_change_password: bool


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(max_length=254)
    name: str = Field(min_length=1, max_length=200)
    role: Literal["admin", "sales"]


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Literal["admin", "sales"] | None = None
    active: bool | None = None


class UserCreated(BaseModel):
    user: UserRead
    one_time_password: str


class TokenRead(_Read):
    id: UUID
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)


class TokenCreated(BaseModel):
    token: TokenRead
    secret: str = Field(description="shown once; send as `Authorization: Bearer …`")
