"""Every event Auftakt publishes: one frozen pydantic model each, with its subject.

Events evolve additively: new fields are optional, none is renamed or reused; a breaking
change is a new event. Personal data travels only as ciphertext (`Sealed`: base64 of a
vault ciphertext bound to the lead and field).
"""

from __future__ import annotations

import datetime as dt
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar, Literal
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ALL_EVENTS",
    "ActivityRecorded",
    "Attribution",
    "AccountTier",
    "AnalysisMethod",
    "CompanyEngagementChanged",
    "CompanyEnriched",
    "CompanyInfo",
    "ConsentConfirmed",
    "ConsentRequested",
    "EmailBounced",
    "EmailClicked",
    "EmailComplained",
    "EmailHeld",
    "EmailOpened",
    "EmailReplied",
    "EmailSent",
    "EncryptedContact",
    "Event",
    "EventDetails",
    "IntentLevel",
    "LeadAnalysis",
    "LeadAnalyzed",
    "LeadAssigned",
    "LeadCreated",
    "LeadEnriched",
    "LeadErasureRequested",
    "LeadMagnetDownloaded",
    "LeadOptedOut",
    "LeadScored",
    "LeadSnapshot",
    "LeadStageChanged",
    "LeadStatusChanged",
    "LeadUpdated",
    "NO_CLAUDE_KEY",
    "NotificationSent",
    "PipelineStatus",
    "STAGES",
    "ScoreChange",
    "Sealed",
    "Stage",
    "event_for_subject",
    "utc_now",
]

Sealed = str
"""A vault ciphertext as URL-safe base64; opens only with the lead's data key."""


def utc_now() -> datetime:
    return datetime.now(UTC)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Event(_Frozen):
    """What every event carries. `event_id` doubles as the JetStream `Nats-Msg-Id`."""

    subject: ClassVar[str]
    schema_version: int = 1
    event_id: UUID = Field(default_factory=uuid4)
    occurred_at: datetime = Field(default_factory=utc_now)


class EncryptedContact(_Frozen):
    email: Sealed
    first_name: Sealed | None = None
    last_name: Sealed | None = None
    phone: Sealed | None = None


class CompanyInfo(_Frozen):
    name: str | None = None
    size: str | None = None
    industry: str | None = None
    domain: str | None = None


class EventDetails(_Frozen):
    """The customer's event (Weihnachtsfeier, Sommerfest …), not a message event."""

    type: str | None = None
    date: dt.date | None = None
    guest_count: int | None = None
    budget_min: int | None = None
    budget_max: int | None = None
    location: str | None = None


class Attribution(_Frozen):
    source: str | None = None
    medium: str | None = None
    campaign: str | None = None
    referrer: str | None = None
    landing_page: str | None = None
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    utm_content: str | None = None
    utm_term: str | None = None


class LeadSnapshot(_Frozen):
    """A lead's current state, as projections need it."""

    contact: EncryptedContact
    company: CompanyInfo
    event: EventDetails
    first_touch: Attribution
    consent_marketing: bool
    created_at: datetime


class LeadCreated(Event):
    subject: ClassVar[str] = "lead.created"
    lead_id: UUID
    lead: LeadSnapshot
    visitor_id: str | None = None


class LeadUpdated(Event):
    """A known address submitted again: empty fields filled, the new touch recorded."""

    subject: ClassVar[str] = "lead.updated"
    lead_id: UUID
    lead: LeadSnapshot
    changed_fields: list[str]
    touch: Attribution
    visitor_id: str | None = None


class LeadMagnetDownloaded(Event):
    subject: ClassVar[str] = "lead.magnet_downloaded"
    lead_id: UUID
    download_id: UUID
    magnet_type: str
    magnet_name: str | None = None
    quiz_results: dict[str, Any] | None = None


class ActivityRecorded(Event):
    """One thing a visitor or lead did. Anonymous until `lead_id` is known; when a visitor
    becomes a lead, its earlier activities are recorded again with `lead_id` set and
    `attributed_later` true (same `activity_id`)."""

    subject: ClassVar[str] = "activity.recorded"
    activity_id: UUID
    lead_id: UUID | None = None
    visitor_id: str | None = None
    activity_type: str
    page_url: str | None = None
    target: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict)
    attributed_later: bool = False


Stage = Literal["cold", "warm", "hot", "burning"]
STAGES: tuple[Stage, ...] = ("cold", "warm", "hot", "burning")


class ScoreChange(_Frozen):
    """One rule applied: `points` as the rule says, `delta` as applied after clamping."""

    activity: str
    points: int
    delta: int
    reason: str


class LeadScored(Event):
    """A lead's score moved (or a rule counted at the 0/100 bounds). `cause_event_id` is the
    event that caused it; None for decay, which no event causes."""

    subject: ClassVar[str] = "lead.scored"
    lead_id: UUID
    score: int
    previous_score: int
    stage: Stage
    changes: list[ScoreChange]
    cause_event_id: UUID | None = None
    activity_id: UUID | None = None


class LeadStageChanged(Event):
    subject: ClassVar[str] = "lead.stage_changed"
    lead_id: UUID
    previous_stage: Stage
    stage: Stage
    score: int


class LeadEnriched(Event):
    """Firmographic facts about a lead, from whichever provider knew them (None: unknown)."""

    subject: ClassVar[str] = "lead.enriched"
    lead_id: UUID
    company_id: UUID | None = None
    company_domain: str | None = None
    employee_count: int | None = None
    decision_maker: bool | None = None
    premium: bool | None = None
    provider: str | None = None


AccountTier = Literal["tier_1", "tier_2", "tier_3"]


class CompanyEnriched(Event):
    """What is known about a company (by its web domain) changed: firmographics from a
    provider, or sales' target-account flag and tier."""

    subject: ClassVar[str] = "company.enriched"
    company_id: UUID
    domain: str
    name: str | None = None
    legal_form: str | None = None
    city: str | None = None
    employee_count: int | None = None
    industry: str | None = None
    register_number: str | None = None
    linkedin_url: str | None = None
    target_account: bool = False
    tier: AccountTier | None = None
    provider: str | None = None
    revenue_range: str | None = None
    country: str | None = None


class CompanyEngagementChanged(Event):
    """The roll-up of a company's leads moved: a buying committee forming shows here
    before any single lead is hot. Engaged: a lead with a score above zero."""

    subject: ClassVar[str] = "company.engagement_changed"
    company_id: UUID
    domain: str
    contacts: int
    engaged_contacts: int
    highest_score: int
    score_sum: int
    last_activity_at: datetime | None = None


IntentLevel = Literal["low", "medium", "high"]
AnalysisMethod = Literal["claude", "regelbasiert"]
# `LeadAnalyzed.fallback_reason` when enrichment has no Anthropic key: every analysis is
# the rule-based one (the dashboard then offers "Regelbasiert analysieren", not Claude)
NO_CLAUDE_KEY = "kein Claude-API-Schlüssel eingerichtet"


class LeadAnalysis(_Frozen):
    """What a lead's behaviour and firmographics say about buying intent, in German, for
    sales: the shape the AI analysis must answer in, and the rule-based one too."""

    intent_level: IntentLevel
    buying_signals: list[str] = Field(max_length=10)
    recommended_approach: str = Field(min_length=1, max_length=1500)
    qualification_score: int = Field(ge=0, le=100)
    next_best_action: str = Field(min_length=1, max_length=800)


class LeadAnalyzed(Event):
    """An analysis of the lead: by Claude (`model` says which), or `regelbasiert` (no key:
    `NO_CLAUDE_KEY`, budget used up, or Claude failed: `fallback_reason` says why; none in
    analyses made before no key was said so). `input_hash` identifies
    what it was given (behaviour and firmographics only, never contact data)."""

    subject: ClassVar[str] = "lead.analyzed"
    lead_id: UUID
    analysis_id: UUID
    analysis: LeadAnalysis
    method: AnalysisMethod
    model: str | None = None
    input_hash: str
    trigger: Literal["stage_changed", "requested"]
    fallback_reason: str | None = None


class EmailOpened(Event):
    subject: ClassVar[str] = "email.opened"
    lead_id: UUID
    send_id: UUID


class EmailClicked(Event):
    subject: ClassVar[str] = "email.clicked"
    lead_id: UUID
    send_id: UUID
    url: str | None = None


class EmailBounced(Event):
    """`permanent`: a hard bounce (the address does not exist); soft bounces may recover."""

    subject: ClassVar[str] = "email.bounced"
    lead_id: UUID
    send_id: UUID | None = None
    permanent: bool
    reason: str | None = None


class EmailComplained(Event):
    """The recipient marked a mail as spam: nothing more is sent to them."""

    subject: ClassVar[str] = "email.complained"
    lead_id: UUID
    send_id: UUID | None = None


class EmailReplied(Event):
    """The lead answered a mail: a person takes over, the sequences stop."""

    subject: ClassVar[str] = "email.replied"
    lead_id: UUID
    send_id: UUID | None = None


class EmailSent(Event):
    """A mail left Auftakt: a sequence step (`sequence_key`, `step`) or the double-opt-in
    mail (`kind`). The subject line is not included: it may carry the lead's name."""

    subject: ClassVar[str] = "email.sent"
    lead_id: UUID
    send_id: UUID
    kind: Literal["sequence", "double_opt_in"]
    sequence_key: str | None = None
    step: int | None = None
    marketing: bool


class EmailHeld(Event):
    """A sequence step was not sent to the lead: it needs figures the lead has not given
    (`missing`, their German names). Mails never go out with invented figures; sales sees
    the held step on the lead."""

    subject: ClassVar[str] = "email.held"
    lead_id: UUID
    send_id: UUID
    sequence_key: str | None = None
    sequence_name: str | None = None
    step: int | None = None
    missing: list[str] = Field(default_factory=list)


class ConsentRequested(Event):
    """A form was submitted with marketing consent ticked by a lead whose consent is not
    confirmed: the double-opt-in mail goes out (again, for a new request)."""

    subject: ClassVar[str] = "consent.requested"
    lead_id: UUID
    purpose: Literal["marketing_email"] = "marketing_email"


class ConsentConfirmed(Event):
    """The lead confirmed the double-opt-in link: marketing mail is allowed from now on."""

    subject: ClassVar[str] = "consent.confirmed"
    lead_id: UUID
    purpose: Literal["marketing_email"] = "marketing_email"


class LeadOptedOut(Event):
    """The lead unsubscribed (one-click POST or the unsubscribe page): no marketing mail."""

    subject: ClassVar[str] = "lead.opted_out"
    lead_id: UUID
    send_id: UUID | None = None
    method: Literal["one_click", "page"]


PipelineStatus = Literal["new", "contacted", "qualified", "opportunity", "won", "lost"]


class LeadStatusChanged(Event):
    """Sales moved the lead in the pipeline (`admin-api`); `deal_value` (EUR) when won."""

    subject: ClassVar[str] = "lead.status_changed"
    lead_id: UUID
    previous_status: PipelineStatus | None = None
    status: PipelineStatus
    deal_value: Decimal | None = None


class LeadAssigned(Event):
    """Sales gave the lead to a colleague (`assignee_id` None: to nobody). The colleague's
    work address travels along: alerts about the lead go to them."""

    subject: ClassVar[str] = "lead.assigned"
    lead_id: UUID
    assignee_id: UUID | None = None
    previous_assignee_id: UUID | None = None
    assignee_email: str | None = None


class NotificationSent(Event):
    """Sales were alerted (e-mail, Slack, WhatsApp) that a lead entered `stage`;
    `recipient`: the staff address or number it went to (None for a Slack channel)."""

    subject: ClassVar[str] = "notification.sent"
    lead_id: UUID
    notification_id: UUID
    channel: Literal["email", "slack", "whatsapp"]
    stage: Stage
    score: int
    recipient: str | None = None


class LeadErasureRequested(Event):
    """Art. 17: every service deletes what it holds of the lead, and keeps deleting what
    still arrives for it (events already in the stream)."""

    subject: ClassVar[str] = "lead.erasure_requested"
    lead_id: UUID


ALL_EVENTS: tuple[type[Event], ...] = (
    LeadCreated,
    LeadUpdated,
    LeadMagnetDownloaded,
    ActivityRecorded,
    LeadScored,
    LeadStageChanged,
    LeadEnriched,
    CompanyEnriched,
    CompanyEngagementChanged,
    LeadAnalyzed,
    EmailOpened,
    EmailClicked,
    EmailBounced,
    EmailComplained,
    EmailReplied,
    EmailSent,
    EmailHeld,
    ConsentRequested,
    ConsentConfirmed,
    LeadOptedOut,
    LeadStatusChanged,
    LeadAssigned,
    NotificationSent,
    LeadErasureRequested,
)

_BY_SUBJECT = {event.subject: event for event in ALL_EVENTS}


def event_for_subject(subject: str) -> type[Event]:
    return _BY_SUBJECT[subject]
