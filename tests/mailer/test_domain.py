"""The mailer's pure rules: schedule, consent verdicts, personalisation, template checks."""

from __future__ import annotations

import datetime as dt
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from auftakt_mailer.alerts import alert_text
from auftakt_mailer.domain import (
    LeadFacts,
    LeadProfile,
    SequenceDefinition,
    StepDefinition,
    Trigger,
    first_step,
    magnet_context,
    missing_for,
    next_step,
    personalisation,
    verdict_for,
)
from auftakt_mailer.templates import TemplateRejected, check_template, render

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
WAIT = timedelta(days=7)


def _sequence(*delays: int) -> SequenceDefinition:
    steps = tuple(
        StepDefinition(position=i + 1, delay_hours=d, subject="s", body_html="h", body_text="t")
        for i, d in enumerate(delays)
    )
    return SequenceDefinition(uuid.uuid4(), "k", "n", Trigger("lead.created"), True, steps)


def test_the_next_step_is_due_the_difference_of_the_delays_after_this_one_was_due() -> None:
    sequence = _sequence(0, 72, 168, 336)
    assert first_step(sequence, NOW) == (1, NOW)
    assert next_step(sequence, 1, NOW) == (2, NOW + timedelta(hours=72))
    held_until = NOW + timedelta(hours=100)  # step 2 waited for consent: step 3 moves along
    assert next_step(sequence, 2, held_until) == (3, held_until + timedelta(hours=96))
    assert next_step(sequence, 4, NOW) is None


def test_transactional_mail_needs_only_a_deliverable_address() -> None:
    lead = LeadFacts(known=True)
    assert (
        verdict_for(lead, marketing=False, now=NOW, consent_wait=WAIT, enrolled_at=NOW).action
        == "send"
    )


def test_marketing_mail_waits_for_a_requested_confirmation_and_then_gives_up() -> None:
    lead = LeadFacts(known=True, consent_requested_at=NOW)
    held = verdict_for(
        lead, marketing=True, now=NOW + timedelta(days=3), consent_wait=WAIT, enrolled_at=NOW
    )
    assert (held.action, held.reason) == ("hold", "awaiting_consent")
    late = verdict_for(
        lead, marketing=True, now=NOW + timedelta(days=8), consent_wait=WAIT, enrolled_at=NOW
    )
    assert (late.action, late.reason) == ("stop", "no_consent")


def test_an_opt_out_after_confirmation_ends_marketing_and_a_new_confirmation_allows_it() -> None:
    opted_out = LeadFacts(
        known=True, consent_confirmed_at=NOW, opted_out_at=NOW + timedelta(hours=1)
    )
    assert (
        verdict_for(opted_out, marketing=True, now=NOW, consent_wait=WAIT, enrolled_at=NOW).reason
        == "opted_out"
    )
    again = LeadFacts(
        known=True,
        consent_confirmed_at=NOW + timedelta(days=2),
        opted_out_at=NOW + timedelta(hours=1),
    )
    assert again.marketing_allowed


def test_won_lost_bounced_complained_or_replied_leads_leave_every_sequence() -> None:
    confirmed = {"known": True, "consent_confirmed_at": NOW}
    for facts, reason in [
        (LeadFacts(**confirmed, status="won"), "won"),
        (LeadFacts(**confirmed, status="lost"), "lost"),
        (LeadFacts(**confirmed, bounced_at=NOW), "bounced"),
        (LeadFacts(**confirmed, complained_at=NOW), "complained"),
        (LeadFacts(**confirmed, replied_at=NOW), "replied"),
    ]:
        verdict = verdict_for(facts, marketing=True, now=NOW, consent_wait=WAIT, enrolled_at=NOW)
        assert (verdict.action, verdict.reason) == ("stop", reason)


def test_content_a_lead_asks_for_still_goes_unless_the_address_is_undeliverable() -> None:
    def transactional(facts: LeadFacts) -> str:
        return verdict_for(
            facts, marketing=False, now=NOW, consent_wait=WAIT, enrolled_at=NOW
        ).action

    assert transactional(LeadFacts(known=True, status="lost")) == "send"
    assert transactional(LeadFacts(known=True, replied_at=NOW)) == "send"
    assert transactional(LeadFacts(known=True, bounced_at=NOW)) == "stop"
    assert transactional(LeadFacts(known=True, complained_at=NOW)) == "stop"


def test_a_new_request_after_an_opt_out_waits_for_its_confirmation() -> None:
    lead = LeadFacts(known=True, opted_out_at=NOW, consent_requested_at=NOW + timedelta(days=30))
    later = NOW + timedelta(days=31)
    verdict = verdict_for(lead, marketing=True, now=later, consent_wait=WAIT, enrolled_at=NOW)
    assert verdict.action == "hold"


def test_a_lead_not_yet_known_is_waited_for_a_day() -> None:
    assert (
        verdict_for(None, marketing=False, now=NOW, consent_wait=WAIT, enrolled_at=NOW).action
        == "wait_for_lead"
    )
    later = NOW + timedelta(days=2)
    assert (
        verdict_for(None, marketing=False, now=later, consent_wait=WAIT, enrolled_at=NOW).reason
        == "lead_unknown"
    )


# the calculator's result as capture stores it with the "send me the result" request
CALCULATOR_RESULT = {
    "inputs": {"event_type": "weihnachtsfeier", "guests": 120, "hours": 4, "band_format": "solo"},
    "quote": {
        "min": 900,
        "max": 1300,
        "currency": "EUR",
        "band": "Solo-Musiker:in",
        "event": "Weihnachtsfeier",
        "extras": [],
        "details": ["Solo-Musiker:in, 4 Stunden, Weihnachtsfeier, 120 Gäste"],
        "note": "Unverbindliche Schätzung inkl. Anfahrt im Umkreis von 100 km, zzgl. MwSt.",
    },
}


def _values(lead: LeadProfile, context: dict[str, object] | None = None) -> dict[str, str | None]:
    return personalisation(lead, context=context or {}, slots_left={}, address_form="sie")


def test_words_stand_in_for_missing_words_but_no_figure_is_ever_invented() -> None:
    empty = _values(LeadProfile())
    assert (empty["first_name"], empty["company"], empty["event_type"]) == (
        "zusammen",
        "Ihr Team",
        "Firmenevent",
    )
    for figure in ("guests", "budget", "month", "slots_left", "calculator_range"):
        assert empty[figure] is None
    assert missing_for(empty, ["first_name", "budget", "month", "guests"]) == [
        "Budget",
        "Eventdatum",
        "Gästezahl",
    ]
    informal = personalisation(LeadProfile(), context={}, slots_left={}, address_form="du")
    assert informal["company"] == "euer Team"


def test_the_lead_s_own_figures_fill_its_placeholders_and_every_occurrence() -> None:
    filled = personalisation(
        LeadProfile(
            first_name="Anna",
            company="Tech Solutions GmbH",
            guest_count=1200,
            budget_max=8000,
            event_date=dt.date(2027, 6, 12),
            event_type="sommerfest",
        ),
        context={},
        slots_left={dt.date(2027, 6, 1): 3},
        address_form="sie",
    )
    assert (filled["guests"], filled["budget"], filled["month"]) == ("1.200", "bis 8.000 €", "Juni")
    assert (filled["slots_left"], filled["event_type"]) == ("3", "Sommerfest")
    assert _values(LeadProfile(budget_min=5000, budget_max=8000))["budget"] == "5.000 – 8.000 €"
    assert _values(LeadProfile(budget_min=5000))["budget"] == "ab 5.000 €"
    # no event date: the slots of some month are not the lead's
    assert _values(LeadProfile(guest_count=80))["slots_left"] is None
    text = render("x", "<p>{{ company }}</p>", "{{ month }} {{ month }}", {
        name: value for name, value in filled.items() if value is not None
    })  # fmt: skip
    assert text.text == "Juni Juni"


def test_the_calculator_s_placeholders_show_its_own_result_not_the_lead_s_later_figures() -> None:
    context = magnet_context("budget_calculator", CALCULATOR_RESULT)
    lead = LeadProfile(guest_count=180, budget_max=8000)  # the enquiry sent later
    values = _values(lead, context)
    assert values["calculator_range"] == "900 – 1.300 €"
    assert values["calculator_guests"] == "120"
    assert values["calculator_details"] == "Solo-Musiker:in, 4 Stunden, Weihnachtsfeier, 120 Gäste"
    assert values["calculator_note"] is not None and "zzgl. MwSt." in values["calculator_note"]
    assert (values["guests"], values["budget"]) == ("180", "bis 8.000 €")
    without = _values(lead)
    assert missing_for(without, ["calculator_range", "calculator_guests"]) == [
        "Ergebnis des Budget-Rechners"
    ]


def test_only_the_calculator_s_stored_result_is_kept_with_an_enrolment() -> None:
    assert magnet_context("checklist_2025", CALCULATOR_RESULT) == {}
    assert magnet_context("budget_calculator", None) == {}
    assert magnet_context("budget_calculator", {"quote": {"min": 900}}) == {}
    broken = {"inputs": {"guests": True}, "quote": {"min": 900, "max": 1300}}
    assert magnet_context("budget_calculator", broken) == {}


def test_html_bodies_escape_what_they_insert() -> None:
    values = _values(LeadProfile(first_name="<script>"))
    rendered = render("Hallo {{ first_name }}", "<p>{{ first_name }}</p>", "x", {
        name: value for name, value in values.items() if value is not None
    })  # fmt: skip
    assert rendered.html == "<p>&lt;script&gt;</p>" and rendered.subject == "Hallo <script>"


def test_templates_cannot_reach_python_internals_or_use_unknown_placeholders() -> None:
    assert check_template("{{ first_name.__class__ }}") is not None
    assert check_template("{{ guests + 1 }}") is not None  # would fail when sending
    assert check_template("{% include 'x' %}") is not None
    assert check_template("{{ first_name['x'] }}") is not None
    problem = check_template("Hallo {{ vorname }}")
    assert problem is not None and "{{ vorname }}" in problem.message
    assert check_template("{% for x in %}") is not None
    with pytest.raises(TemplateRejected):  # and stored around the editor, it is not run
        render("{{ first_name.__class__.__mro__ }}", "x", "x", {"first_name": "a"})


def test_only_a_lead_magnet_s_request_names_the_file_a_download_link_fetches() -> None:
    assert Trigger("lead.magnet_downloaded", {"magnet_type": "sieben_fehler"}).magnet == (
        "sieben_fehler"
    )
    assert Trigger("lead.magnet_downloaded", {"magnet_name": "Checkliste"}).magnet is None
    assert Trigger("lead.magnet_downloaded", {"magnet_type": ""}).magnet is None
    assert Trigger("activity.recorded", {"magnet_type": "sieben_fehler"}).magnet is None


def test_a_download_link_is_a_known_placeholder_that_fails_a_mail_without_a_link() -> None:
    assert check_template('<a href="{{ download_url }}">PDF</a>', html=True) is None
    with pytest.raises(TemplateRejected, match="download_url"):
        render("PDF", "x", "Hier: {{ download_url }}", {"first_name": "Anna"})


def test_alerts_make_form_text_inert_for_slack_and_whatsapp() -> None:
    text = alert_text(
        {
            "lead_id": "x",
            "stage": "burning",
            "score": 90,
            "company_name": "<!channel> <https://evil.example|Rechnung>\nZeile",
            "event_type": "weihnachtsfeier",
            "event_date": dt.date(2027, 12, 10),
        },
        "https://crm.example/admin/leads/x",
    )
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert "Zeile" in text.splitlines()[0]
    assert "Weihnachtsfeier im Dezember 2027" in text
