"""The read model catches up from events in any order, once each, and a rebuild from
the stream gives the same state (with sales' own state kept); enrichment's companies and
analyses too, and an erased lead's analyses go."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from auftakt_admin.app import AdminService
from auftakt_admin.rebuild import rebuild_projection
from auftakt_common.events import (
    ActivityRecorded,
    CompanyEngagementChanged,
    CompanyEnriched,
    Event,
    LeadEnriched,
    LeadErasureRequested,
    LeadScored,
    ScoreChange,
)
from nats.aio.client import Client
from sqlalchemy import text

from tests.admin.helpers import all_projected, analyzed, new_lead, wait_for
from tests.scoring.helpers import publish

_STATE = """
SELECT l.score, l.stage, l.status, l.company_name, l.source, l.last_activity_at, l.created_at,
       l.email_index IS NOT NULL AS searchable,
       l.company_id, l.decision_maker, l.employee_count,
       (SELECT count(*) FROM admin.activities a WHERE a.lead_id = l.lead_id) AS activities,
       (SELECT count(*) FROM admin.score_history h WHERE h.lead_id = l.lead_id) AS reasons,
       (SELECT array_agg(a.analysis_id ORDER BY a.occurred_at DESC) FROM admin.analyses a
        WHERE a.lead_id = l.lead_id) AS analyses
FROM admin.leads l WHERE l.lead_id = :id AND l.known
"""
_COMPANY = "SELECT * FROM admin.companies WHERE company_id = :id"


async def _state(admin: AdminService, lead_id: UUID) -> dict[str, Any] | None:
    async with admin.engine.connect() as conn:
        row = (await conn.execute(text(_STATE), {"id": lead_id})).mappings().first()
    return None if row is None else dict(row)


async def _company(admin: AdminService, company_id: UUID) -> dict[str, Any] | None:
    async with admin.engine.connect() as conn:
        row = (await conn.execute(text(_COMPANY), {"id": company_id})).mappings().first()
    return None if row is None else dict(row)


async def test_events_arriving_out_of_order_end_in_the_right_state(
    admin: AdminService, nc: Client
) -> None:
    at = datetime.now(UTC) - timedelta(minutes=5)
    lead_id, created = await new_lead(admin, at)
    visit = ActivityRecorded(
        occurred_at=at + timedelta(seconds=30),
        activity_id=uuid4(),
        lead_id=lead_id,
        activity_type="page_view",
        page_url="https://www.musikfuerfirmen.de/preise",
    )
    first = LeadScored(
        occurred_at=at + timedelta(seconds=31),
        lead_id=lead_id,
        score=20,
        previous_score=0,
        stage="cold",
        changes=[ScoreChange(activity="pricing_page_viewed", points=20, delta=20, reason="Preise")],
    )
    second = LeadScored(
        occurred_at=at + timedelta(seconds=40),
        lead_id=lead_id,
        score=50,
        previous_score=20,
        stage="warm",
        changes=[ScoreChange(activity="phone_clicked", points=30, delta=30, reason="Anruf-Klick")],
    )
    anonymous = ActivityRecorded(  # a visit two days before the form, merged into the lead
        occurred_at=at - timedelta(days=2),
        activity_id=uuid4(),
        lead_id=lead_id,
        activity_type="page_view",
        attributed_later=True,
    )
    # the newest score first, the lead itself last, and one event twice
    for event in (anonymous, second, visit, first, second, created):
        await publish(nc, event, msg_id=str(uuid4()))
    state = await wait_for(
        lambda: _state(admin, lead_id), lambda s: s["reasons"] == 2 and s["activities"] == 2
    )
    assert (state["score"], state["stage"], state["source"]) == (50, "warm", "google-ads")
    assert state["searchable"] and state["last_activity_at"] == visit.occurred_at
    assert state["created_at"] == created.lead.created_at  # not the early visit's time


async def test_a_rebuild_from_the_stream_gives_the_same_read_model(
    admin: AdminService, nc: Client
) -> None:
    at = datetime.now(UTC) - timedelta(minutes=2)
    lead_id, created = await new_lead(admin, at)
    scored = LeadScored(
        occurred_at=at + timedelta(seconds=5),
        lead_id=lead_id,
        score=85,
        previous_score=0,
        stage="burning",
        changes=[ScoreChange(activity="call_booked", points=85, delta=85, reason="Termin")],
    )
    company_id = uuid4()
    older = analyzed(lead_id, at + timedelta(seconds=9), "medium")
    newer = analyzed(lead_id, at + timedelta(seconds=10))
    enrichment: list[Event] = [
        LeadEnriched(
            occurred_at=at + timedelta(seconds=6),
            lead_id=lead_id,
            company_id=company_id,
            company_domain="neuaufbau-gmbh.de",
            employee_count=80,
            decision_maker=True,
        ),
        CompanyEnriched(
            occurred_at=at + timedelta(seconds=7),
            company_id=company_id,
            domain="neuaufbau-gmbh.de",
            name="Neuaufbau GmbH",
            city="Köln",
            employee_count=80,
            target_account=True,
            tier="tier_2",
        ),
        CompanyEngagementChanged(
            occurred_at=at + timedelta(seconds=8),
            company_id=company_id,
            domain="neuaufbau-gmbh.de",
            contacts=1,
            engaged_contacts=1,
            highest_score=85,
            score_sum=85,
            last_activity_at=at + timedelta(seconds=5),
        ),
        older,
        newer,
    ]
    for event in (created, scored, *enrichment):
        await publish(nc, event)
    await all_projected(admin, [created, scored, *enrichment])
    before = await _state(admin, lead_id)
    company_before = await _company(admin, company_id)
    assert before is not None and before["analyses"] == [newer.analysis_id, older.analysis_id]
    assert company_before is not None and company_before["highest_score"] == 85
    async with admin.engine.begin() as conn:  # sales' own state must survive a rebuild
        await conn.execute(
            text(
                "INSERT INTO admin.pipeline (lead_id, status, updated_at) "
                "VALUES (:id, 'qualified', now())"
            ),
            {"id": lead_id},
        )
        await conn.execute(
            text("UPDATE admin.leads SET status = 'qualified' WHERE lead_id = :id"),
            {"id": lead_id},
        )
        tally_before = (
            await conn.execute(text("SELECT sum(leads) FROM admin.lead_tally"))
        ).scalar_one()

    replayed = await rebuild_projection(admin.engine, admin.keys, admin.settings.nats_url)

    after = await _state(admin, lead_id)
    assert replayed >= 7
    assert after == {**before, "status": "qualified"}
    assert await _company(admin, company_id) == company_before
    async with admin.engine.connect() as conn:
        counted = (
            await conn.execute(text("SELECT count(*) FROM admin.leads WHERE known"))
        ).scalar_one()
        tally = (await conn.execute(text("SELECT sum(leads) FROM admin.lead_tally"))).scalar_one()
        days = (await conn.execute(text("SELECT sum(leads) FROM admin.lead_days"))).scalar_one()
    assert tally == days == counted  # the dashboard's tallies agree with the rows
    assert tally_before is not None


async def test_enrichment_in_any_order_and_twice_leaves_the_newest_company_and_link(
    admin: AdminService, nc: Client
) -> None:
    at = datetime.now(UTC) - timedelta(minutes=5)
    lead_id, created = await new_lead(admin, at)
    company_id, domain = uuid4(), f"reihenfolge-{uuid4().hex[:6]}.de"

    def profile(seconds: int, **facts: Any) -> CompanyEnriched:
        return CompanyEnriched(
            occurred_at=at + timedelta(seconds=seconds),
            company_id=company_id,
            domain=domain,
            provider="website",
            **facts,
        )

    def roll_up(
        seconds: int, contacts: int, engaged: int, highest: int
    ) -> CompanyEngagementChanged:
        return CompanyEngagementChanged(
            occurred_at=at + timedelta(seconds=seconds),
            company_id=company_id,
            domain=domain,
            contacts=contacts,
            engaged_contacts=engaged,
            highest_score=highest,
            score_sum=highest * engaged,
            last_activity_at=at + timedelta(seconds=seconds - 1),
        )

    old_profile = profile(10, name="Alt GmbH", city="Bremen", employee_count=40)
    new_profile = profile(
        60,
        name="Neu GmbH",
        legal_form="GmbH",
        city="Hamburg",
        employee_count=250,
        register_number="HRB 123456",
        target_account=True,
        tier="tier_1",
    )
    old_roll_up, new_roll_up = roll_up(20, 1, 0, 0), roll_up(50, 3, 2, 72)
    old_link = LeadEnriched(occurred_at=at + timedelta(seconds=5), lead_id=lead_id)
    new_link = LeadEnriched(
        occurred_at=at + timedelta(seconds=30),
        lead_id=lead_id,
        company_id=company_id,
        company_domain=domain,
        employee_count=250,
        decision_maker=True,
    )
    first = analyzed(lead_id, at + timedelta(seconds=40), "low")
    second = analyzed(lead_id, at + timedelta(seconds=70))
    # the newest of each kind first, the lead itself in the middle, one analysis twice
    events: list[Event] = [
        new_profile,
        new_roll_up,
        new_link,
        second,
        created,
        old_roll_up,
        old_profile,
        old_link,
        first,
        second,
    ]
    for event in events:
        await publish(nc, event, msg_id=str(uuid4()))
    await all_projected(admin, events)

    company = await _company(admin, company_id)
    assert company is not None
    facts = ("name", "city", "employee_count", "register_number", "target_account", "tier")
    assert [company[name] for name in facts] == [
        "Neu GmbH",
        "Hamburg",
        250,
        "HRB 123456",
        True,
        "tier_1",
    ]
    engagement = ("contacts", "engaged_contacts", "highest_score", "score_sum")
    assert [company[name] for name in engagement] == [3, 2, 72, 144]
    assert company["last_activity_at"] == at + timedelta(seconds=49)
    state = await _state(admin, lead_id)
    assert state is not None
    assert (state["company_id"], state["decision_maker"], state["employee_count"]) == (
        company_id,
        True,
        250,
    )
    assert state["analyses"] == [second.analysis_id, first.analysis_id]  # each once


async def test_an_erased_lead_loses_its_analyses_and_later_ones_are_dropped(
    admin: AdminService, nc: Client
) -> None:
    at = datetime.now(UTC) - timedelta(minutes=3)
    lead_id, created = await new_lead(admin, at)
    before = analyzed(lead_id, at + timedelta(seconds=10))
    for event in (created, before):
        await publish(nc, event)
    await wait_for(lambda: _state(admin, lead_id), lambda s: s["analyses"] == [before.analysis_id])

    erasure = LeadErasureRequested(lead_id=lead_id)
    late = analyzed(lead_id, at + timedelta(seconds=20))  # enrichment had not heard yet
    for event in (erasure, late):
        await publish(nc, event)
    await all_projected(admin, [erasure, late])
    async with admin.engine.connect() as conn:
        left = await conn.scalar(
            text("SELECT count(*) FROM admin.analyses WHERE lead_id = :id"), {"id": lead_id}
        )
    assert left == 0
    assert await _state(admin, lead_id) is None
