"""Scoring as pure functions: what an event is worth to a lead, by rules that are data.

An event becomes an `Observation` (facts such as the page path or the clicked target);
`RuleBook.activities_for` maps it to the specification's activities (a named activity
counts as itself, and every matching mapping adds its activity); `apply_rule` applies a
rule within its cap and cooldown, clamps to 0–100 and says why. `decay` takes points from
leads that went quiet. No I/O, no clock: times come in as values.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from uuid import UUID

from auftakt_common.commands import ActivityMapping, FieldError, MappingOperator
from auftakt_common.events import (
    ActivityRecorded,
    EmailBounced,
    EmailClicked,
    EmailOpened,
    Event,
    LeadCreated,
    LeadEnriched,
    LeadMagnetDownloaded,
    LeadUpdated,
    Stage,
)

__all__ = [
    "Applied",
    "DECAY_STEPS",
    "FIELD_PATTERN",
    "LeadState",
    "MIN_SCORE",
    "MAX_SCORE",
    "Observation",
    "Rule",
    "RuleBook",
    "RuleCount",
    "EventMapping",
    "apply_observation",
    "decay",
    "mapping_errors",
    "observe",
    "page_key",
    "replay",
    "stage_of",
]

MIN_SCORE, MAX_SCORE = 0, 100
# a lead quiet this long loses the rule's points once per quiet period
DECAY_STEPS: tuple[tuple[timedelta, str], ...] = (
    (timedelta(days=7), "no_activity_7_days"),
    (timedelta(days=30), "no_activity_30_days"),
)
# what a mapping may look at; `detail.<key>` reads the website's detail object
FIELD_PATTERN = re.compile(
    r"^(path|url|target|type|magnet_type|magnet_name|employee_count|decision_maker|premium"
    r"|distinct_pages|detail\.[A-Za-z0-9_]{1,64})$"
)


def stage_of(score: int) -> Stage:
    if score >= 81:
        return "burning"  # sofort anrufen
    if score >= 61:
        return "hot"  # Sales-Call buchen
    if score >= 31:
        return "warm"  # Nurturing intensivieren
    return "cold"


def _clamp(score: int) -> int:
    return max(MIN_SCORE, min(MAX_SCORE, score))


def replay(points: Iterable[int], start: int = 0) -> int:
    """The score a history of rule points adds up to, clamped after every step."""
    score = start
    for value in points:
        score = _clamp(score + value)
    return score


_MAX_PAGE_KEY = 300  # characters: beyond, paths differ only in noise (and index limits)


def page_key(page_url: str | None) -> str | None:
    """A page's identity for counting distinct pages: its path, lower case, no trailing /."""
    if not page_url:
        return None
    try:
        path = urlsplit(page_url).path.lower().rstrip("/")
    except ValueError:  # not a URL (e.g. a broken IPv6 host): no page to count
        return None
    return path[:_MAX_PAGE_KEY] or "/"


@dataclass(frozen=True, slots=True)
class Rule:
    activity: str
    points: int
    description: str
    max_per_lead: int | None = None
    cooldown: timedelta | None = None
    website: bool = False  # the website may send this activity by name
    active: bool = True


@dataclass(frozen=True, slots=True)
class EventMapping:
    """`field` of an `event_type` event compared with `value` by `operator` → `activity`."""

    event_type: str
    field: str
    operator: MappingOperator
    value: str
    activity: str
    position: int = 100
    id: int | None = None
    active: bool = True
    _pattern: re.Pattern[str] | None = dataclasses.field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.operator == "regex":
            object.__setattr__(self, "_pattern", re.compile(self.value, re.IGNORECASE))

    def matches(self, event_type: str, facts: Mapping[str, object]) -> bool:
        if event_type != self.event_type or self.field not in facts:
            return False
        fact = facts[self.field]
        if fact is None:
            return False
        if self.operator in ("gte", "lte"):
            number = _number(fact)
            if number is None:
                return False
            limit = float(self.value)
            return number >= limit if self.operator == "gte" else number <= limit
        text = _text(fact)
        wanted = self.value.lower()
        if self.operator == "equals":
            return text == wanted
        if self.operator in ("in", "not_in"):
            options = {option.strip() for option in wanted.split(",")}
            return (text in options) == (self.operator == "in")
        if self.operator == "prefix":
            return text.startswith(wanted)
        if self.operator == "contains":
            return wanted in text
        assert self._pattern is not None
        return self._pattern.search(text) is not None


def _number(fact: object) -> float | None:
    if isinstance(fact, bool):
        return None
    if isinstance(fact, int | float):
        return float(fact)
    try:
        return float(str(fact))
    except ValueError:
        return None


def _text(fact: object) -> str:
    return str(fact).lower() if not isinstance(fact, bool) else ("true" if fact else "false")


@dataclass(frozen=True, slots=True)
class RuleBook:
    """The rules and mappings in force; `version` changes whenever either is edited."""

    rules: Mapping[str, Rule]
    mappings: tuple[EventMapping, ...]
    version: int = 0

    def activities_for(
        self, event_type: str, facts: Mapping[str, object], *, from_website: bool = False
    ) -> list[str]:
        """The activities an event counts as, each once, in mapping order. An event named
        after a rule counts as that rule, unless it came from the (public) website and the
        rule is not one the website may send (a visitor must not report a bounce)."""
        named = self.rules.get(event_type)
        found = [event_type] if named and (named.website or not from_website) else []
        for mapping in sorted(self.mappings, key=lambda m: (m.position, m.id or 0)):
            if mapping.active and mapping.matches(event_type, facts):
                if mapping.activity in self.rules and mapping.activity not in found:
                    found.append(mapping.activity)
        return found


@dataclass(frozen=True, slots=True)
class Observation:
    """What an event tells scoring about a lead."""

    event_id: UUID
    subject: str
    lead_id: UUID
    occurred_at: datetime
    event_type: str
    facts: Mapping[str, object]
    is_activity: bool  # the lead did something: a new quiet period starts
    from_website: bool = False  # reported by the public website, not by a service
    page: str | None = None
    activity_id: UUID | None = None


def _activity_facts(event: ActivityRecorded) -> dict[str, object]:
    facts: dict[str, object] = {
        "type": event.activity_type,
        "path": page_key(event.page_url),
        "url": event.page_url,
        "target": event.target,
    }
    for key, value in event.detail.items():
        if isinstance(value, str | int | float | bool):
            facts[f"detail.{key}"] = value
    return facts


def observe(event: Event) -> Observation | None:
    """The observation an event makes; None when it concerns no known lead yet (anonymous
    activity counts once the visitor becomes a lead and capture records it again)."""

    def seen(
        lead_id: UUID, event_type: str, facts: Mapping[str, object], *, is_activity: bool
    ) -> Observation:
        return Observation(
            event_id=event.event_id,
            subject=event.subject,
            lead_id=lead_id,
            occurred_at=event.occurred_at,
            event_type=event_type,
            facts=facts,
            is_activity=is_activity,
        )

    match event:
        case ActivityRecorded(lead_id=None):
            return None
        case ActivityRecorded(lead_id=UUID() as lead_id):
            return Observation(
                event_id=event.event_id,
                subject=event.subject,
                lead_id=lead_id,
                occurred_at=event.occurred_at,
                event_type=event.activity_type,
                facts=_activity_facts(event),
                is_activity=True,
                from_website=True,
                page=page_key(event.page_url) if event.activity_type == "page_view" else None,
                activity_id=event.activity_id,
            )
        case LeadMagnetDownloaded():
            magnet = {"magnet_type": event.magnet_type, "magnet_name": event.magnet_name}
            return seen(event.lead_id, "lead_magnet", magnet, is_activity=True)
        case LeadCreated() | LeadUpdated():
            return seen(event.lead_id, "form_submitted", {}, is_activity=True)
        case LeadEnriched():
            firmographics: dict[str, object] = {
                "employee_count": event.employee_count,
                "decision_maker": event.decision_maker,
                "premium": event.premium,
            }
            return seen(event.lead_id, "lead_enriched", firmographics, is_activity=False)
        case EmailOpened():
            return seen(event.lead_id, "email_opened", {}, is_activity=True)
        case EmailClicked():
            return seen(event.lead_id, "email_clicked", {"url": event.url}, is_activity=True)
        case EmailBounced():
            kind = "email_bounced" if event.permanent else "email_soft_bounced"
            return seen(event.lead_id, kind, {}, is_activity=False)
    return None


@dataclass(slots=True)
class RuleCount:
    times: int = 0
    last_counted_at: datetime | None = None


@dataclass(slots=True)
class LeadState:
    """A lead's score as the unit of work holds it while applying events in order."""

    lead_id: UUID
    score: int = 0
    last_activity_at: datetime | None = None
    decayed_at: datetime | None = None  # when the last decay penalty was applied
    decay_level: int = 0  # how many DECAY_STEPS were applied in the current quiet period
    distinct_pages: int = 0
    counts: dict[str, RuleCount] = dataclasses.field(default_factory=dict)

    @property
    def stage(self) -> Stage:
        return stage_of(self.score)


@dataclass(frozen=True, slots=True)
class Applied:
    """One rule applied to one lead: a history row."""

    activity: str
    points: int
    old_score: int
    new_score: int
    reason: str
    occurred_at: datetime

    @property
    def delta(self) -> int:
        return self.new_score - self.old_score


def apply_rule(state: LeadState, rule: Rule, at: datetime) -> Applied | None:
    """Count `rule` for the lead at time `at`, unless inactive, capped or cooling down."""
    count = state.counts.setdefault(rule.activity, RuleCount())
    if not rule.active:
        return None
    if rule.max_per_lead is not None and count.times >= rule.max_per_lead:
        return None
    if (
        rule.cooldown is not None
        and count.last_counted_at is not None
        and abs(at - count.last_counted_at) < rule.cooldown
    ):
        return None
    count.times += 1
    count.last_counted_at = at if count.last_counted_at is None else max(count.last_counted_at, at)
    old = state.score
    state.score = _clamp(old + rule.points)
    return Applied(
        activity=rule.activity,
        points=rule.points,
        old_score=old,
        new_score=state.score,
        reason=rule.description,  # the delta is its own field: shown once, beside it
        occurred_at=at,
    )


def apply_observation(
    state: LeadState, book: RuleBook, observation: Observation, *, new_page: bool
) -> list[Applied]:
    """Everything one event does to a lead's score, in order."""
    at = observation.occurred_at
    if observation.is_activity:
        if state.last_activity_at is None or at > state.last_activity_at:
            state.last_activity_at = at
        # a quiet period ends with activity after its penalty, not with a late report of
        # activity from before it (which would give the same penalty twice)
        if state.decayed_at is None or at > state.decayed_at:
            state.decay_level = 0
    facts = dict(observation.facts)
    if observation.page is not None:
        if new_page:
            state.distinct_pages += 1
        facts["distinct_pages"] = state.distinct_pages
    applied = []
    activities = book.activities_for(
        observation.event_type, facts, from_website=observation.from_website
    )
    for activity in activities:
        change = apply_rule(state, book.rules[activity], observation.occurred_at)
        if change is not None:
            applied.append(change)
    return applied


def decay(state: LeadState, book: RuleBook, now: datetime) -> list[Applied]:
    """The decay penalties due for a lead at `now`, each once per quiet period. A penalty
    that cannot move the score (already 0) is not written down."""
    applied: list[Applied] = []
    if state.last_activity_at is None:
        return applied
    quiet_for = now - state.last_activity_at
    for level, (after, activity) in enumerate(DECAY_STEPS, start=1):
        if state.decay_level >= level or quiet_for < after:
            continue
        state.decay_level = level
        state.decayed_at = now
        rule = book.rules.get(activity)
        if rule is None:
            continue
        change = apply_rule(state, rule, now)
        if change is not None and change.delta != 0:
            applied.append(change)
    return applied


def mapping_errors(mapping: ActivityMapping, activities: Collection[str]) -> list[FieldError]:
    """What is wrong with a mapping before it is saved (not when an event meets it)."""
    errors = []
    if not FIELD_PATTERN.match(mapping.field):
        errors.append(
            FieldError(
                field="field",
                message="unknown field; use path, url, target, type, magnet_type, magnet_name, "
                "employee_count, decision_maker, premium, distinct_pages or detail.<key>",
            )
        )
    if mapping.operator == "regex":
        try:
            re.compile(mapping.value)
        except re.error as exc:
            errors.append(FieldError(field="value", message=f"not a regular expression: {exc}"))
    elif mapping.operator in ("gte", "lte"):
        try:
            float(mapping.value)
        except ValueError:
            errors.append(FieldError(field="value", message="must be a number for gte/lte"))
    elif not mapping.value.strip():
        errors.append(FieldError(field="value", message="must not be empty"))
    if mapping.activity not in activities:
        errors.append(FieldError(field="activity", message="no scoring rule has this activity"))
    return errors
