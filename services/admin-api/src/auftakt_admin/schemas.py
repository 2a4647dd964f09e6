"""The JSON API's bodies: what it returns and what it accepts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from auftakt_common.events import PipelineStatus, Stage
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
    activities: list[TimelineEntryRead]
    score_history: list[ScoreEntryRead]
    email_events: list[EmailEntryRead]
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
