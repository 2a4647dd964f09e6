"""The mailer's rules, as pure functions: which event enrols a lead in which sequence,
whether a lead may receive a mail now, when the next step is due, and what the
placeholders say. No database, broker, clock or settings here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal
from uuid import UUID

from auftakt_common.event_types import event_type_title
from auftakt_common.german import euro_range, thousands
from auftakt_common.settings import AddressForm

__all__ = [
    "CALCULATOR",
    "CALCULATOR_PLACEHOLDERS",
    "DOWNLOAD_URL",
    "GERMAN_MONTHS",
    "LEAD_PLACEHOLDERS",
    "LeadFacts",
    "LeadProfile",
    "PLACEHOLDERS",
    "PLACEHOLDER_TITLES",
    "STAND_INS",
    "SequenceDefinition",
    "StepDefinition",
    "TRIGGER_FIELDS",
    "Trigger",
    "Verdict",
    "magnet_context",
    "missing_for",
    "next_step",
    "personalisation",
    "verdict_for",
]

GERMAN_MONTHS = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)

# the lead's facts a text may use. Words stand in for a few when the lead left them empty
# (a greeting, a generic noun); figures never do: a step that needs a figure the lead has
# not given is held and shown to sales, never sent with an invented one
LEAD_PLACEHOLDERS = (
    "first_name",
    "company",
    "event_type",
    "guests",
    "budget",
    "month",
    "slots_left",
)
# the budget calculator's own result, kept with the request that started the sequence
# (only in sequences the calculator's request starts)
CALCULATOR_PLACEHOLDERS = (
    "calculator_range",
    "calculator_guests",
    "calculator_details",
    "calculator_note",
)
PLACEHOLDERS = LEAD_PLACEHOLDERS + CALCULATOR_PLACEHOLDERS
STAND_INS: dict[AddressForm, dict[str, str]] = {
    "sie": {"first_name": "zusammen", "company": "Ihr Team", "event_type": "Firmenevent"},
    "du": {"first_name": "zusammen", "company": "euer Team", "event_type": "Firmenevent"},
}
# what a missing placeholder is called where sales sees a held mail
PLACEHOLDER_TITLES: dict[str, str] = {
    "guests": "Gästezahl",
    "budget": "Budget",
    "month": "Eventdatum",
    "slots_left": "freie Termine im Eventmonat",
    "calculator_range": "Ergebnis des Budget-Rechners",
    "calculator_guests": "Ergebnis des Budget-Rechners",
    "calculator_details": "Ergebnis des Budget-Rechners",
    "calculator_note": "Ergebnis des Budget-Rechners",
}
CALCULATOR = "budget_calculator"  # the lead magnet whose result the calculator placeholders show
# the placeholder for the personal link to the file of the lead magnet that started the
# sequence (made per send, never empty; only in sequences a magnet's request starts)
DOWNLOAD_URL = "download_url"

# what a sequence may be triggered by, and the event fields its filter may compare
TRIGGER_FIELDS: dict[str, tuple[str, ...]] = {
    "lead.magnet_downloaded": ("magnet_type", "magnet_name"),
    "activity.recorded": ("activity_type", "page_url", "target"),
    "lead.created": ("source",),
    "consent.confirmed": (),
}


@dataclass(frozen=True, slots=True)
class Trigger:
    """An event type, and field values its events must have (all of them)."""

    event: str
    filter: Mapping[str, str] = field(default_factory=dict)

    def matches(self, subject: str, fields: Mapping[str, Any]) -> bool:
        return subject == self.event and all(
            str(fields.get(name) or "") == value for name, value in self.filter.items()
        )

    @property
    def magnet(self) -> str | None:
        """The lead magnet whose request starts the sequence (its mails may link its file)."""
        if self.event != "lead.magnet_downloaded":
            return None
        return self.filter.get("magnet_type") or None


@dataclass(frozen=True, slots=True)
class StepDefinition:
    """One mail of a sequence. `position` is the step's lasting id within its sequence
    (enrolments and sends refer to it; editing never renumbers); steps run in order of
    `delay_hours`. A `removed` step is kept, switched off, for the enrolments that stand
    at it, and no longer shown."""

    position: int
    delay_hours: int
    subject: str
    body_html: str
    body_text: str
    # requested content (the checklist itself): may go out without marketing consent
    transactional: bool = False
    active: bool = True
    removed: bool = False


@dataclass(frozen=True, slots=True)
class SequenceDefinition:
    id: UUID
    key: str
    name: str
    trigger: Trigger
    active: bool
    steps: tuple[StepDefinition, ...]
    version: int = 1

    def by_position(self, position: int) -> StepDefinition | None:
        return next((step for step in self.steps if step.position == position), None)

    def _index(self, position: int) -> int | None:
        return next((i for i, step in enumerate(self.steps) if step.position == position), None)

    def step_at(self, position: int) -> StepDefinition | None:
        """The step at `position` if it is on, else the next one that is (a step switched
        off or removed is passed over; an unknown position ends the sequence)."""
        index = self._index(position)
        if index is None:
            return None
        return next((step for step in self.steps[index:] if step.active), None)

    def step_after(self, position: int | None) -> StepDefinition | None:
        """The next step that is on after `position` (None: the first)."""
        index = -1 if position is None else self._index(position)
        if index is None:
            return None
        return next((step for step in self.steps[index + 1 :] if step.active), None)


@dataclass(frozen=True, slots=True)
class LeadFacts:
    """What the mailer knows about a lead's consent and state (no personal data)."""

    known: bool  # lead.created has arrived (its address is stored)
    consent_requested_at: datetime | None = None
    consent_confirmed_at: datetime | None = None
    opted_out_at: datetime | None = None
    bounced_at: datetime | None = None
    complained_at: datetime | None = None
    replied_at: datetime | None = None
    status: str | None = None

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> LeadFacts:
        """From a stored lead (a row with these fields and more)."""
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})

    @property
    def marketing_allowed(self) -> bool:
        confirmed = self.consent_confirmed_at
        return confirmed is not None and (
            self.opted_out_at is None or confirmed > self.opted_out_at
        )

    @property
    def undeliverable_reason(self) -> str | None:
        """Why no mail at all may reach this lead (not even one it asked for)."""
        if self.bounced_at is not None:
            return "bounced"
        if self.complained_at is not None:
            return "complained"
        return None

    @property
    def stop_reason(self) -> str | None:
        """Why this lead leaves its sequences, if it does: a person has taken over (won,
        lost, replied) or the address is undeliverable. Content it asks for still goes."""
        if (reason := self.undeliverable_reason) is not None:
            return reason
        if self.replied_at is not None:
            return "replied"
        if self.status in ("won", "lost"):
            return self.status
        return None

    @property
    def consent_pending(self) -> bool:
        """Consent was asked for after the last opt-out, and not confirmed since."""
        requested = self.consent_requested_at
        return requested is not None and (
            self.opted_out_at is None or requested > self.opted_out_at
        )


Action = Literal["send", "hold", "stop", "wait_for_lead"]


@dataclass(frozen=True, slots=True)
class Verdict:
    action: Action
    reason: str | None = None


def verdict_for(
    lead: LeadFacts | None,
    *,
    marketing: bool,
    now: datetime,
    consent_wait: timedelta,
    enrolled_at: datetime,
) -> Verdict:
    """May this lead get a mail now? Transactional mail needs a deliverable address;
    marketing mail also needs confirmed consent (held while a confirmation may still come,
    for `consent_wait` after it was requested)."""
    if lead is None or not lead.known:
        # lead.created may still be on its way; after a day it is not coming
        if now - enrolled_at > timedelta(days=1):
            return Verdict("stop", "lead_unknown")
        return Verdict("wait_for_lead")
    if not marketing:
        reason = lead.undeliverable_reason
        return Verdict("stop", reason) if reason else Verdict("send")
    if (reason := lead.stop_reason) is not None:
        return Verdict("stop", reason)
    if lead.marketing_allowed:
        return Verdict("send")
    requested = lead.consent_requested_at
    if lead.consent_pending and requested is not None and now - requested < consent_wait:
        return Verdict("hold", "awaiting_consent")
    return Verdict("stop", "opted_out" if lead.opted_out_at else "no_consent")


def next_step(
    sequence: SequenceDefinition, after_position: int | None, sent_at: datetime
) -> tuple[int, datetime] | None:
    """The step after `after_position` and when it is due: the delays are relative to
    enrolment, so the gap to the next step is the difference of the delays, counted from
    when this step went out (`sent_at`: a step held for consent, or sent late after an
    outage or a paused sequence, moves the later ones with it, so they never pile up)."""
    following = sequence.step_after(after_position)
    if following is None:
        return None
    current = next((s for s in sequence.steps if s.position == after_position), None)
    gap = following.delay_hours - (current.delay_hours if current else 0)
    return following.position, sent_at + timedelta(hours=max(0, gap))


def first_step(sequence: SequenceDefinition, enrolled_at: datetime) -> tuple[int, datetime] | None:
    return next_step(sequence, None, enrolled_at)


def magnet_context(magnet_type: str, results: Mapping[str, Any] | None) -> dict[str, Any]:
    """What an enrolment keeps of the request that started it: the calculator's own result
    as capture computed it from the price table (range, guests, the line of items the page
    showed), so its mails repeat exactly that. Nothing personal; nothing from the browser."""
    if magnet_type != CALCULATOR or not results:
        return {}
    quote, inputs = results.get("quote"), results.get("inputs")
    if not isinstance(quote, Mapping) or not isinstance(inputs, Mapping):
        return {}
    low, high, guests = quote.get("min"), quote.get("max"), inputs.get("guests")
    if not all(_whole(value) for value in (low, high, guests)):
        return {}
    lines = quote.get("details")
    if not isinstance(lines, list) or not lines:  # a result stored before they were kept
        lines = [quote.get("band"), quote.get("event"), *(quote.get("extras") or [])]
    details = ", ".join(str(line) for line in lines if line)
    note = quote.get("note") if isinstance(quote.get("note"), str) else ""
    return {
        "calculator": {
            "low": low,
            "high": high,
            "guests": guests,
            "details": details,
            "note": note,
        }
    }


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10_000_000


def _month_key(day: dt.date) -> dt.date:
    return day.replace(day=1)


@dataclass(frozen=True, slots=True)
class LeadProfile:
    """The lead's facts a mail is personalised with, as the mailer stored them."""

    first_name: str | None = None
    company: str | None = None
    guest_count: int | None = None
    budget_min: int | None = None
    budget_max: int | None = None
    event_date: dt.date | None = None
    event_type: str | None = None


def personalisation(
    lead: LeadProfile,
    *,
    context: Mapping[str, Any],
    slots_left: Mapping[dt.date, int],
    address_form: AddressForm,
) -> dict[str, str | None]:
    """Every placeholder's value for one lead: words stand in where the lead left a word
    empty; a figure it has not given is None (a step that uses it is held)."""
    month = _month_key(lead.event_date) if lead.event_date else None
    values: dict[str, str | None] = {
        "first_name": (lead.first_name or "").strip() or None,
        "company": (lead.company or "").strip() or None,
        "event_type": event_type_title((lead.event_type or "").lower() or None),
        "guests": thousands(lead.guest_count) if lead.guest_count else None,
        "budget": euro_range(lead.budget_min, lead.budget_max),
        "month": GERMAN_MONTHS[month.month - 1] if month else None,
        "slots_left": str(slots_left[month]) if month and month in slots_left else None,
        **dict.fromkeys(CALCULATOR_PLACEHOLDERS),
    }
    calculator = context.get("calculator")
    if isinstance(calculator, Mapping):
        values["calculator_range"] = euro_range(calculator["low"], calculator["high"])
        values["calculator_guests"] = thousands(calculator["guests"])
        values["calculator_details"] = str(calculator["details"])
        values["calculator_note"] = str(calculator.get("note") or "")
    for name, stand_in in STAND_INS[address_form].items():
        values[name] = values[name] or stand_in
    return values


def missing_for(values: Mapping[str, str | None], used: Iterable[str]) -> list[str]:
    """The placeholders a text uses that have no value for this lead, in German, once each."""
    titles = [PLACEHOLDER_TITLES.get(name, name) for name in used if values.get(name) is None]
    return sorted(set(titles))


def ordered_steps(steps: Sequence[StepDefinition]) -> tuple[StepDefinition, ...]:
    """In the order they go out: by delay (steps added later with the same delay after)."""
    return tuple(sorted(steps, key=lambda step: (step.delay_hours, step.position)))
