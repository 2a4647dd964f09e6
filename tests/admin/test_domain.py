"""The dashboard's pure rules, without servers: where a lead came from, the activity
windows in Berlin days, page cursors that cannot be forged into another sort, what a
pipeline move needs, conversion by source."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import pytest
from auftakt_admin.domain import (
    BERLIN,
    Cursor,
    CursorInvalid,
    LeadFilter,
    PipelineMoveInvalid,
    activity_window,
    check_pipeline_move,
    conversion_rates,
    lead_source,
)
from auftakt_common.events import Attribution


def test_a_lead_s_source_is_the_form_s_then_utm_then_what_the_referrer_says() -> None:
    assert lead_source(Attribution(source=" Messe ", utm_source="google")) == "messe"
    assert lead_source(Attribution(utm_source="LinkedIn")) == "linkedin"
    assert lead_source(Attribution(referrer="https://www.google.de/search?q=band")) == "organic"
    assert lead_source(Attribution(referrer="https://partner-agentur.de/")) == "referral"
    assert lead_source(Attribution()) == "direct"


def test_activity_windows_count_berlin_calendar_days() -> None:
    # 00:30 in Berlin on 8 December is still 7 December in UTC
    now = datetime(2026, 12, 7, 23, 30, tzinfo=UTC)
    since, until = activity_window("0-3", now)
    assert until is not None and until.astimezone(BERLIN) == datetime(2026, 12, 9, tzinfo=BERLIN)
    assert since is not None and since.astimezone(BERLIN) == datetime(2026, 12, 5, tzinfo=BERLIN)
    assert activity_window("15+", now)[0] is None


def test_a_page_cursor_reads_back_and_refuses_another_sort_or_damage() -> None:
    cursor = Cursor("score", 87, uuid4())
    assert Cursor.decode(cursor.encode(), "score") == cursor
    with pytest.raises(CursorInvalid):
        Cursor.decode(cursor.encode(), "created")
    with pytest.raises(CursorInvalid):
        Cursor.decode("kaputt!", "score")


def test_a_won_deal_needs_a_positive_value_and_other_moves_carry_none() -> None:
    assert check_pipeline_move("offer", "won", Decimal("4999.999")) == Decimal("5000.00")
    assert check_pipeline_move("won", "lost", Decimal("100")) is None
    for value in (None, Decimal("0"), Decimal("-1")):
        with pytest.raises(PipelineMoveInvalid) as refused:
            check_pipeline_move("offer", "won", value)
        assert refused.value.field == "deal_value"
    with pytest.raises(PipelineMoveInvalid):
        check_pipeline_move("new", "vielleicht", None)


def test_conversion_by_source_counts_won_leads_among_all() -> None:
    rates = conversion_rates({("google", "won"): 2, ("google", "new"): 6, ("messe", "lost"): 1})
    assert rates == {"google": (8, 2, 0.25), "messe": (1, 0, 0.0)}
    assert list(rates) == ["google", "messe"]  # the largest source first


def test_a_filter_refuses_a_stage_or_window_it_does_not_know() -> None:
    with pytest.raises(ValueError):
        LeadFilter(stage="lauwarm")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        LeadFilter(activity="gestern")
