"""Enrichment's pure rules: the rule-based analysis a sales person reads, job titles
that make a decision maker, PDL's size ranges, back-off, what an analysis is given, and
which domains are companies."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest
from auftakt_common.events import LeadMagnetDownloaded
from auftakt_enrichment.analysis import (
    ANALYSIS_TOOL,
    AnalysisInput,
    CompanyFit,
    EventFacts,
    input_hash,
    rule_based_analysis,
)
from auftakt_enrichment.behaviour import behaviour_of, page_path
from auftakt_enrichment.domain import decision_maker_role, retry_at, throttled_until
from auftakt_enrichment.domains import company_domain
from auftakt_enrichment.pdl import employees_of
from auftakt_enrichment.providers import PersonFacts, ProviderFailed

TODAY = date(2026, 12, 3)


def _input(**changes: object) -> AnalysisInput:
    values: dict[str, object] = {
        "today": TODAY,
        "score": 20,
        "stage": "cold",
        "event": EventFacts(),
    }
    return AnalysisInput.model_validate({**values, **changes})


def test_a_burning_lead_with_a_date_and_budget_is_worth_a_call_today() -> None:
    facts = _input(
        score=90,
        stage="burning",
        activities={"page_view": 4, "phone_clicked": 1},
        pages={"/preise": 3, "/referenzen": 1},
        event=EventFacts(
            type="weihnachtsfeier",
            date=date(2026, 12, 18),
            days_until=15,
            guest_count=120,
            budget_min=5000,
            budget_max=9000,
        ),
        company=CompanyFit(employees=250, engaged_contacts=3),
        role="hr",
        decision_maker=True,
    )
    analysis = rule_based_analysis(facts)
    assert analysis.intent_level == "high"
    assert analysis.qualification_score >= 90
    assert analysis.buying_signals[:2] == [
        "Hat die Telefonnummer angeklickt",
        "Preisseite 3-mal aufgerufen",
    ]
    assert "Budget genannt: 5.000 – 9.000 €" in analysis.buying_signals
    assert "Entscheider-Rolle (Personal/HR)" in analysis.buying_signals
    assert any("Buying Center" in signal for signal in analysis.buying_signals)
    assert "Weihnachtsfeier für 120 Gäste" in analysis.recommended_approach
    assert analysis.next_best_action.startswith("Heute noch anrufen")


def test_a_quiet_cold_lead_is_left_to_nurturing() -> None:
    analysis = rule_based_analysis(_input(score=5, days_since_last_activity=45))
    assert analysis.intent_level == "low"
    assert analysis.buying_signals == ["Bisher keine deutlichen Kaufsignale"]
    assert "Nurturing" in analysis.recommended_approach
    assert analysis.qualification_score == 0


def test_a_warm_lead_is_asked_what_it_has_not_told_yet() -> None:
    analysis = rule_based_analysis(
        _input(score=45, stage="warm", activities={"pricing_page_visited": 1},
               event=EventFacts(type="sommerfest", guest_count=80))
    )  # fmt: skip
    assert analysis.intent_level == "medium"
    assert "offene Punkte klären (Datum, Budget)" in analysis.recommended_approach


def test_the_same_facts_hash_the_same_and_any_change_shows() -> None:
    assert input_hash(_input(score=40)) == input_hash(_input(score=40))
    assert input_hash(_input(score=40)) != input_hash(_input(score=41))


def test_an_analysis_cannot_be_given_contact_data() -> None:
    with pytest.raises(ValueError, match="email"):
        _input(email="jana@example.de")
    assert set(ANALYSIS_TOOL["input_schema"]["required"]) == {
        "intent_level",
        "buying_signals",
        "recommended_approach",
        "qualification_score",
        "next_best_action",
    }


@pytest.mark.parametrize(
    ("title", "role"),
    [
        ("Geschäftsführerin", "geschaeftsfuehrung"),
        ("CEO & Founder", "geschaeftsfuehrung"),
        ("Leiterin Personal", "hr"),
        ("Personalreferentin", "hr"),
        ("HR Business Partner", "hr"),
        ("Head of Marketing", "marketing"),
        ("Eventmanagerin", "event"),
        ("Referentin Veranstaltungen", "event"),
    ],
)
def test_role_keywords_make_a_decision_maker(title: str, role: str) -> None:
    person = decision_maker_role(PersonFacts(job_title=title))
    assert (person.role, person.decision_maker) == (role, True)


def test_other_titles_do_not_and_no_title_says_nothing() -> None:
    developer = decision_maker_role(PersonFacts(job_title="Softwareentwickler"))
    assert (developer.role, developer.decision_maker) == (None, False)
    assert decision_maker_role(PersonFacts()).decision_maker is None
    director = decision_maker_role(
        PersonFacts(job_title="Bereichsleiter", job_levels=("director",))
    )
    assert director.decision_maker is True


def test_pdl_size_ranges_give_a_head_count_scoring_can_compare() -> None:
    assert employees_of(None, "201-500") == 201
    assert employees_of(None, "10001+") == 10001
    assert employees_of(84, "51-200") == 84
    assert employees_of(None, None) is None


def test_a_failing_provider_backs_off_exponentially_then_gives_up() -> None:
    now = datetime(2026, 12, 3, 9, tzinfo=UTC)
    delays = [retry_at(n, now, base_seconds=30, max_attempts=3) for n in range(3)]
    assert [(d - now).total_seconds() if d else None for d in delays] == [30, 60, None]


def test_a_provider_asking_to_slow_down_is_asked_again_when_it_said() -> None:
    now = datetime(2026, 12, 3, 9, tzinfo=UTC)
    slow_down = ProviderFailed("429", retryable=True, retry_after=120)
    broken = ProviderFailed("500", retryable=True)
    until = throttled_until([slow_down], now)
    assert until is not None and (until - now).total_seconds() == 120
    assert throttled_until([slow_down, broken], now) == until  # waits for the slow one
    assert throttled_until([broken], now) is None  # a real failure counts


def test_page_paths_drop_queries_and_trailing_slashes() -> None:
    assert (
        page_path("https://www.musikfuerfirmen.de/preise/?utm_source=x&email=a@b.de") == "/preise"
    )
    assert page_path("https://www.musikfuerfirmen.de") == "/"
    assert page_path(None) is None


@pytest.mark.parametrize(
    "address",
    [
        "anna.mueller@example.com",
        "ben@vertrieb.example.com",
        "carla@example.net",
        "dirk@www.example.org",
        "eva@firma.test",
        "falk@firma.example",
        "gina@firma.invalid",
        "hans@drucker.localhost",
        "ines@nas.local",
    ],
)
def test_addresses_under_names_reserved_for_examples_and_tests_belong_to_no_company(
    address: str,
) -> None:
    assert company_domain(None, address) is None
    assert company_domain(address.partition("@")[2], None) is None


def test_a_reserved_website_in_the_form_gives_way_to_the_company_address() -> None:
    assert company_domain("www.example.com", "jana@mueller-logistik.de") == "mueller-logistik.de"
    assert company_domain("https://www.example.org/", "jana@gmx.de") is None


def test_real_domains_that_only_look_like_examples_are_companies() -> None:
    assert company_domain(None, "a@example-firma.de") == "example-firma.de"
    assert company_domain(None, "b@myexample.com") == "myexample.com"
    assert company_domain(None, "c@example.de") == "example.de"  # registered, not reserved
    assert company_domain("www.test-und-mess.de", None) == "test-und-mess.de"


def test_lead_magnets_are_counted_by_the_titles_sales_read_not_their_keys() -> None:
    lead = uuid4()
    behaviour = behaviour_of(
        [
            LeadMagnetDownloaded(
                lead_id=lead, download_id=uuid4(), magnet_type="budget_calculator"
            ),
            LeadMagnetDownloaded(
                lead_id=lead,
                download_id=uuid4(),
                magnet_type="checklist_2025",
                magnet_name="Checkliste 2025",
            ),
        ]
    )
    assert sorted(row["key"] for row in behaviour.count_rows()) == [
        "Budget-Rechner",
        "Checkliste 2025",
    ]
