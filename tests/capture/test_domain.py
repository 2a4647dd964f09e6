"""Capture's pure rules, without servers: what is kept of an address, where a visitor may
be sent, when an activity happened, what a repeat submission adds, which magnet an
activity uses, how a file is named, the calculator's range from the price table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from auftakt_capture.domain import (
    ActivityTooOld,
    activity_time,
    content_disposition,
    fill_empty,
    is_allowed_redirect,
    magnet_use,
    truncate_ip,
)
from auftakt_capture.magnets import CalculatorInputs, quote
from auftakt_capture.wording import words
from auftakt_common.content import PriceTable

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
SITE = ["https://www.musikfuerfirmen.de"]


def test_an_ip_address_is_kept_only_as_its_network() -> None:
    assert truncate_ip("203.0.113.77") == "203.0.113.0/24"
    assert truncate_ip("2001:db8:1234:5678::1") == "2001:db8:1234::/48"
    assert truncate_ip("kein-ip") is None and truncate_ip(None) is None


def test_visitors_are_sent_only_to_the_website_s_own_pages() -> None:
    assert is_allowed_redirect("https://www.musikfuerfirmen.de/danke", SITE)
    assert is_allowed_redirect("https://WWW.musikfuerfirmen.de:443/danke", SITE)
    for elsewhere in (
        "https://evil.example/danke",
        "//evil.example/danke",
        "/danke",
        "javascript:alert(1)",
        "https://www.musikfuerfirmen.de.evil.example/",
        "https://www.musikfuerfirmen.de:99999/",
    ):
        assert not is_allowed_redirect(elsewhere, SITE), elsewhere


def test_an_activity_happened_when_the_browser_says_but_never_later_than_received() -> None:
    earlier = NOW - timedelta(minutes=3)
    assert activity_time(earlier, NOW) == earlier
    assert activity_time(NOW + timedelta(hours=1), NOW) == NOW  # a clock running ahead
    assert activity_time(None, NOW) == NOW
    with pytest.raises(ActivityTooOld):
        activity_time(NOW - timedelta(days=31), NOW)


def test_a_repeat_submission_fills_what_is_empty_and_never_overwrites_with_blanks() -> None:
    stored = {"company_name": "Tech Solutions GmbH", "guest_count": None, "location": None}
    offered = {"company_name": "Andere GmbH", "guest_count": 120, "location": None}
    assert fill_empty(stored, offered) == {"guest_count": 120}


def test_each_quiz_is_its_own_magnet_and_page_views_are_none() -> None:
    assert magnet_use("budget_calculator_used", {"guests": 120}) == "budget_calculator_used"
    assert magnet_use("quiz_completed", {"quiz_id": "eventtyp"}) == "quiz_completed:eventtyp"
    assert magnet_use("quiz_completed", None) == "quiz_completed"
    assert magnet_use("page_view", {"quiz_id": "eventtyp"}) is None


def test_a_download_keeps_its_german_name_for_every_browser() -> None:
    assert content_disposition("Checkliste-2025.pdf") == (
        'attachment; filename="Checkliste-2025.pdf"'
    )
    umlaut = content_disposition("Größe.pdf")
    assert umlaut.startswith('attachment; filename="Gr__e.pdf"')
    assert "filename*=UTF-8''Gr%C3%B6%C3%9Fe.pdf" in umlaut


def _table() -> PriceTable:
    return PriceTable.model_validate(
        {
            "bands": [
                {"key": "duo", "label": "Duo", "base_min": 1000, "base_max": 1500,
                 "included_hours": 3, "extra_hour_min": 250, "extra_hour_max": 350},
            ],
            "event_types": [{"key": "weihnachtsfeier", "label": "Weihnachtsfeier",
                             "factor": 1.15}],
            "guest_tiers": [{"from_guests": 150, "add_min": 600, "add_max": 900,
                             "label": "Größere Ton- und Lichttechnik ab 150 Gästen"}],
            "max_hours": 8,
            "max_guests": 5000,
            "rounding": 100,
            "note": "Unverbindliche Schätzung, zzgl. MwSt.",
        }
    )  # fmt: skip


def test_the_calculator_prices_from_the_table_and_names_every_item() -> None:
    inputs = CalculatorInputs(event_type="weihnachtsfeier", guests=180, hours=4, band_format="duo")
    result = quote(_table(), inputs, words("sie"))
    assert not isinstance(result, list)
    # (1000 + 250) × 1.15 + 600 = 2037.5 → 2.000; (1500 + 350) × 1.15 + 900 = 3027.5 → 3.000
    assert (result.low, result.high) == (2000, 3000)
    assert result.lines(inputs) == [
        "Duo, 4 Stunden, Weihnachtsfeier, 180 Gäste",
        "Größere Ton- und Lichttechnik ab 150 Gästen",
    ]


def test_the_calculator_says_in_german_what_it_cannot_price() -> None:
    inputs = CalculatorInputs(event_type="gala", guests=9000, hours=12, band_format="bigband")
    problems = quote(_table(), inputs, words("sie"))
    assert isinstance(problems, list)
    assert {problem.field for problem in problems} == {
        "band_format", "event_type", "hours", "guests",
    }  # fmt: skip
    assert any("beraten wir Sie gern persönlich" in problem.message for problem in problems)
