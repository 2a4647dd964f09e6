"""`auftakt demo`: German demo leads reach capture as the website sends them, their
visits merge into them, and scoring spreads them over all four stages."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
from asgi_lifespan import LifespanManager
from auftakt_capture.app import create_app
from auftakt_capture.settings import CaptureSettings
from auftakt_cli.demo import DemoReport, fill_demo
from auftakt_cli.demo_data import demo_leads
from auftakt_cli.main import app
from auftakt_common.embedded import free_port
from auftakt_common.tokens import LeadTokens
from auftakt_scoring.app import ScoringService
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

TODAY = date(2025, 10, 20)


def test_the_same_seed_sends_the_same_people_companies_and_events() -> None:
    first, again = demo_leads(40, 7, TODAY), demo_leads(40, 7, TODAY)
    other_seed = demo_leads(40, 8, TODAY)
    next_week = demo_leads(40, 7, TODAY + timedelta(days=7))

    assert first == again
    assert [lead.company for lead in first] != [lead.company for lead in other_seed]
    # a later day moves the event dates, not who the people are
    assert [(lead.form["email"], lead.form["event_type"]) for lead in next_week] == [
        (lead.form["email"], lead.form["event_type"]) for lead in first
    ]


def test_three_hundred_leads_are_different_companies_at_reserved_domains() -> None:
    leads = demo_leads(300, 1, TODAY)

    assert len({lead.company for lead in leads}) == 300
    assert all(lead.form["email"].endswith(".example.com") for lead in leads)
    assert Counter(lead.stage for lead in leads) == {
        "cold": 135,
        "warm": 90,
        "hot": 45,
        "burning": 30,
    }
    dates = [
        date.fromisoformat(lead.form["event_date"]) for lead in leads if "event_date" in lead.form
    ]
    assert all(TODAY + timedelta(days=60) < day <= TODAY + timedelta(days=365) for day in dates)
    assert all(30 <= lead.form.get("guest_count", 30) <= 600 for lead in leads)
    assert {lead.form.get("source") for lead in leads} >= {
        "organic",
        "google-ads",
        "linkedin",
        "referral",
        "newsletter",
    }


async def test_forty_demo_leads_arrive_in_capture_with_their_earlier_visits(
    client: httpx.AsyncClient, capture_settings: CaptureSettings, db: AsyncEngine
) -> None:
    now = datetime.now(UTC)
    report = await fill_demo(client, leads=40, seed=4101, clock=lambda: now, echo=lambda _: None)

    assert (report.leads_sent, sum(report.failures.values())) == (40, 0)
    ids = _lead_ids(report, capture_settings)
    leads = await _rows(
        db, "SELECT company_name, event_type FROM capture.leads WHERE id = ANY(:ids)", ids
    )
    planned = demo_leads(40, 4101, now.date())
    assert sorted((r["company_name"], r["event_type"]) for r in leads) == sorted(
        (lead.company, lead.form["event_type"]) for lead in planned
    )
    activities = await _rows(
        db,
        """SELECT a.activity_type, a.occurred_at < l.created_at - interval '1 day' AS earlier
           FROM capture.activities a JOIN capture.leads l ON l.id = a.lead_id
           WHERE l.id = ANY(:ids)""",
        ids,
    )
    assert len(activities) == report.activities_recorded
    assert report.anonymous_activities > 0
    assert any(row["earlier"] for row in activities)  # visits days before the form
    assert {"page_view", "click", "video_progress"} <= {r["activity_type"] for r in activities}
    visitors = await _rows(
        db, "SELECT visitor_id FROM capture.visitors WHERE lead_id = ANY(:ids)", ids
    )
    assert len(visitors) == 40


async def test_scoring_spreads_the_demo_leads_over_all_four_stages(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    scoring: ScoringService,
    db: AsyncEngine,
) -> None:
    now = datetime.now(UTC)
    report = await fill_demo(client, leads=40, seed=4102, clock=lambda: now, echo=lambda _: None)
    ids = _lead_ids(report, capture_settings)
    planned = {lead.company: lead.score for lead in demo_leads(40, 4102, now.date())}
    companies = await _rows(
        db, "SELECT id, company_name FROM capture.leads WHERE id = ANY(:ids)", ids
    )
    expected = {row["id"]: planned[row["company_name"]] for row in companies}

    scored: dict[UUID, tuple[int, str]] = {}
    for _ in range(300):
        rows = await _rows(
            db,
            "SELECT lead_id, score, stage FROM scoring.lead_scores WHERE lead_id = ANY(:ids)",
            ids,
        )
        scored = {row["lead_id"]: (row["score"], row["stage"]) for row in rows}
        if {lead: score for lead, (score, _) in scored.items()} == expected:
            break
        await asyncio.sleep(0.1)

    assert {lead: score for lead, (score, _) in scored.items()} == expected
    assert Counter(stage for _, stage in scored.values()) == {
        "cold": 18,
        "warm": 12,
        "hot": 6,
        "burning": 4,
    }


async def test_the_demo_waits_out_capture_s_rate_limit_and_loses_no_lead(
    capture_settings: CaptureSettings,
) -> None:
    limited = capture_settings.model_copy(
        update={"capture_rate_limit_enabled": True, "capture_lead_rate_limit": "3/second"}
    )
    capture = create_app(limited)
    told: list[str] = []
    async with LifespanManager(capture, startup_timeout=30, shutdown_timeout=30):
        transport = httpx.ASGITransport(app=capture, client=("198.51.100.23", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://capture.test") as http:
            report = await fill_demo(http, leads=5, seed=4103, echo=told.append)

    assert (report.leads_sent, sum(report.failures.values())) == (5, 0)
    assert report.waits >= 1
    assert "AUFTAKT_CAPTURE_RATE_LIMIT_ENABLED=false" in told[0]


def test_the_demo_names_the_address_it_cannot_reach() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(app, ["demo", "--url", url, "--leads", "3"])
    assert result.exit_code == 1
    assert f"cannot reach capture at {url}" in result.output
    assert "Traceback" not in result.output


def _lead_ids(report: DemoReport, settings: CaptureSettings) -> list[UUID]:
    tokens = LeadTokens(settings.signing_key_bytes, "lead")
    return [tokens.verify(token) for token in report.lead_tokens]


async def _rows(db: AsyncEngine, sql: str, ids: list[UUID]) -> list[dict[str, Any]]:
    async with db.connect() as conn:
        result = await conn.execute(text(sql), {"ids": ids})
        return [dict(row) for row in result.mappings()]
