"""Scoring's rules as pure functions: what an event is worth, caps, cooldowns, clamping,
stages, decay, and that a score is the replay of its history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from auftakt_common.commands import ActivityMapping
from auftakt_common.events import ActivityRecorded, EmailBounced, LeadEnriched
from auftakt_scoring.domain import (
    EventMapping,
    LeadState,
    Rule,
    RuleBook,
    apply_observation,
    decay,
    mapping_errors,
    observe,
    page_key,
    replay,
    stage_of,
)

T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)

BOOK = RuleBook(
    rules={
        rule.activity: rule
        for rule in (
            Rule("pricing_page_visited", 20, "Preise-Seite besucht", 2, timedelta(days=1)),
            Rule("phone_clicked", 30, "Telefonnummer geklickt", 2, timedelta(days=1)),
            Rule("multiple_pages_viewed", 10, "3+ Seiten besucht", 1),
            Rule("video_watched", 18, "Video angeschaut (>50%)", 2, timedelta(days=1)),
            Rule("calendar_booking_started", 40, "Kalender-Buchung gestartet", website=True),
            Rule("company_size_large", 15, "Firma >200 Mitarbeiter", 1),
            Rule("decision_maker_role", 20, "Entscheider-Position (HR/CEO)", 1),
            Rule("email_bounced", -50, "Email bounced (ungültig)", 1),
            Rule("no_activity_7_days", -10, "Keine Aktivität seit 7 Tagen"),
            Rule("no_activity_30_days", -25, "Keine Aktivität seit 30 Tagen"),
        )
    },
    mappings=(
        EventMapping("page_view", "path", "regex", r"^/preise(/|$)", "pricing_page_visited", 10),
        EventMapping("page_view", "distinct_pages", "gte", "3", "multiple_pages_viewed", 20),
        EventMapping("click", "target", "prefix", "tel:", "phone_clicked", 30),
        EventMapping("video_progress", "detail.percent", "gte", "50", "video_watched", 40),
        EventMapping("lead_enriched", "employee_count", "gte", "201", "company_size_large", 50),
        EventMapping("lead_enriched", "decision_maker", "equals", "true", "decision_maker_role"),
    ),
)


def activity(lead_id, type_: str, at: datetime = T0, **fields: object) -> ActivityRecorded:  # type: ignore[no-untyped-def]
    return ActivityRecorded(
        activity_id=uuid4(), lead_id=lead_id, activity_type=type_, occurred_at=at, **fields
    )


def score(state: LeadState, event, new_page: bool = False):  # type: ignore[no-untyped-def]
    observation = observe(event)
    assert observation is not None
    return apply_observation(state, BOOK, observation, new_page=new_page)


@pytest.mark.parametrize(
    ("points", "stage"),
    [
        (0, "cold"),
        (30, "cold"),
        (31, "warm"),
        (60, "warm"),
        (61, "hot"),
        (80, "hot"),
        (81, "burning"),
        (100, "burning"),
    ],
)
def test_stages_follow_the_specification_thresholds(points: int, stage: str) -> None:
    assert stage_of(points) == stage


def test_a_pricing_page_view_counts_with_the_rule_description_as_reason() -> None:
    lead = LeadState(uuid4())
    applied = score(lead, activity(lead.lead_id, "page_view", page_url="https://x.de/preise/"))
    assert [a.reason for a in applied] == ["Preise-Seite besucht"]
    assert (lead.score, lead.stage) == (20, "cold")


def test_fifty_reloads_of_the_pricing_page_count_once_a_day_and_twice_at_most() -> None:
    lead = LeadState(uuid4())
    for second in range(50):
        at = T0 + timedelta(seconds=second)
        score(lead, activity(lead.lead_id, "page_view", at, page_url="/preise"))
    assert lead.score == 20
    for day in range(1, 10):
        score(
            lead, activity(lead.lead_id, "page_view", T0 + timedelta(days=day), page_url="/preise")
        )
    assert (lead.score, lead.stage) == (40, "warm")


def test_named_activities_count_as_themselves_and_the_score_clamps_at_100() -> None:
    lead = LeadState(uuid4(), score=90)
    applied = score(lead, activity(lead.lead_id, "calendar_booking_started"))
    assert lead.score == 100
    assert applied[0].delta == 10 and applied[0].reason == "Kalender-Buchung gestartet"


def test_the_score_clamps_at_zero() -> None:
    lead = LeadState(uuid4(), score=20)
    applied = score(lead, EmailBounced(lead_id=lead.lead_id, permanent=True, occurred_at=T0))
    assert lead.score == 0
    assert (applied[0].reason, applied[0].delta) == ("Email bounced (ungültig)", -20)


def test_the_website_cannot_report_what_only_services_know() -> None:
    lead = LeadState(uuid4(), score=60)
    assert score(lead, activity(lead.lead_id, "email_bounced")) == []
    assert score(lead, activity(lead.lead_id, "company_size_large")) == []
    assert lead.score == 60


def test_a_late_report_of_activity_before_a_penalty_does_not_restart_the_quiet_period() -> None:
    lead = LeadState(uuid4())
    score(lead, activity(lead.lead_id, "calendar_booking_started"))
    assert [a.delta for a in decay(lead, BOOK, T0 + timedelta(days=8))] == [-10]
    score(lead, activity(lead.lead_id, "page_view", T0 + timedelta(days=3), page_url="/x"))
    assert decay(lead, BOOK, T0 + timedelta(days=11)) == []


def test_a_broken_page_url_counts_no_page_but_does_not_fail() -> None:
    assert page_key("http://[") is None


def test_a_soft_bounce_costs_nothing() -> None:
    lead = LeadState(uuid4(), score=20)
    assert score(lead, EmailBounced(lead_id=lead.lead_id, permanent=False)) == []
    assert lead.score == 20


def test_the_third_distinct_page_counts_as_multiple_pages_once() -> None:
    lead = LeadState(uuid4())
    for path in ("/", "/bands", "/ablauf", "/kontakt"):
        score(lead, activity(lead.lead_id, "page_view", page_url=path), new_page=True)
    assert lead.distinct_pages == 4
    assert lead.score == 10
    assert lead.counts["multiple_pages_viewed"].times == 1


def test_video_progress_counts_from_half_way() -> None:
    lead = LeadState(uuid4())
    score(lead, activity(lead.lead_id, "video_progress", detail={"percent": 25}))
    assert lead.score == 0
    score(lead, activity(lead.lead_id, "video_progress", detail={"percent": 50}))
    score(lead, activity(lead.lead_id, "video_progress", detail={"percent": 75}))
    assert lead.score == 18


def test_firmographics_count_each_once() -> None:
    lead = LeadState(uuid4())
    enriched = LeadEnriched(lead_id=lead.lead_id, employee_count=450, decision_maker=True)
    score(lead, enriched)
    score(lead, LeadEnriched(lead_id=lead.lead_id, employee_count=450, decision_maker=True))
    assert lead.score == 35
    small = LeadState(uuid4())
    score(small, LeadEnriched(lead_id=small.lead_id, employee_count=200, decision_maker=False))
    assert small.score == 0


def test_anonymous_activity_is_not_scored_until_it_belongs_to_a_lead() -> None:
    assert observe(activity(None, "page_view", page_url="/preise")) is None


def test_decay_takes_10_after_7_days_and_25_after_30_days_once_per_quiet_period() -> None:
    lead = LeadState(uuid4())
    score(lead, activity(lead.lead_id, "calendar_booking_started"))
    assert decay(lead, BOOK, T0 + timedelta(days=6)) == []
    assert [a.delta for a in decay(lead, BOOK, T0 + timedelta(days=7))] == [-10]
    assert decay(lead, BOOK, T0 + timedelta(days=8)) == []
    assert [a.delta for a in decay(lead, BOOK, T0 + timedelta(days=30))] == [-25]
    assert lead.score == 5
    assert decay(lead, BOOK, T0 + timedelta(days=90)) == []

    score(lead, activity(lead.lead_id, "calendar_booking_started", T0 + timedelta(days=91)))
    assert [a.delta for a in decay(lead, BOOK, T0 + timedelta(days=98))] == [-10]
    assert lead.score == 35


def test_a_lead_quiet_for_a_month_at_the_first_check_gets_both_penalties() -> None:
    lead = LeadState(uuid4())
    score(lead, activity(lead.lead_id, "calendar_booking_started"))
    assert [a.reason for a in decay(lead, BOOK, T0 + timedelta(days=40))] == [
        "Keine Aktivität seit 7 Tagen",
        "Keine Aktivität seit 30 Tagen",
    ]
    assert lead.score == 5


def test_replaying_the_points_of_the_history_gives_the_score() -> None:
    lead = LeadState(uuid4())
    history = []
    events = [
        activity(lead.lead_id, "calendar_booking_started", T0),
        activity(lead.lead_id, "calendar_booking_started", T0 + timedelta(hours=1)),
        activity(lead.lead_id, "click", T0 + timedelta(hours=2), target="tel:+49"),
        EmailBounced(lead_id=lead.lead_id, permanent=True, occurred_at=T0 + timedelta(hours=3)),
        activity(lead.lead_id, "calendar_booking_started", T0 + timedelta(hours=4)),
    ]
    for event in events:
        history += score(lead, event)
    assert [a.new_score for a in history] == [40, 80, 100, 50, 90]
    assert replay(a.points for a in history) == lead.score == 90


def test_page_keys_ignore_host_query_case_and_trailing_slash() -> None:
    assert page_key("https://www.musikfuerfirmen.de/Preise/?utm_source=x") == "/preise"
    assert page_key("https://www.musikfuerfirmen.de") == "/"
    assert page_key(None) is None


def test_a_mapping_with_a_broken_regex_or_unknown_activity_is_refused_when_saved() -> None:
    mapping = ActivityMapping(
        event_type="page_view", field="path", operator="regex", value="^/(preise", activity="nope"
    )
    errors = {error.field for error in mapping_errors(mapping, {"pricing_page_visited"})}
    assert errors == {"value", "activity"}
    numeric = ActivityMapping(
        event_type="video_progress",
        field="detail.percent",
        operator="gte",
        value="half",
        activity="video_watched",
    )
    assert [e.field for e in mapping_errors(numeric, {"video_watched"})] == ["value"]
    unknown_field = numeric.model_copy(update={"field": "email", "value": "50"})
    assert [e.field for e in mapping_errors(unknown_field, {"video_watched"})] == ["field"]


def test_very_long_paths_are_cut_to_a_key_an_index_can_hold() -> None:
    key = page_key("https://x.de/" + "最" * 1500)
    assert key is not None and len(key) == 300
