"""The read model catches up from events in any order, once each, and a rebuild from
the stream gives the same state (with sales' own state kept)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from auftakt_admin.app import AdminService
from auftakt_admin.rebuild import rebuild_projection
from auftakt_common.events import (
    ActivityRecorded,
    Attribution,
    CompanyInfo,
    EncryptedContact,
    EventDetails,
    LeadCreated,
    LeadScored,
    LeadSnapshot,
    ScoreChange,
)
from auftakt_common.vault import to_text
from nats.aio.client import Client
from sqlalchemy import text

from tests.admin.helpers import wait_for
from tests.scoring.helpers import publish

_STATE = """
SELECT l.score, l.stage, l.status, l.company_name, l.source, l.last_activity_at, l.created_at,
       l.email_index IS NOT NULL AS searchable,
       (SELECT count(*) FROM admin.activities a WHERE a.lead_id = l.lead_id) AS activities,
       (SELECT count(*) FROM admin.score_history h WHERE h.lead_id = l.lead_id) AS reasons
FROM admin.leads l WHERE l.lead_id = :id AND l.known
"""


async def _state(admin: AdminService, lead_id: UUID) -> dict[str, Any] | None:
    async with admin.engine.connect() as conn:
        row = (await conn.execute(text(_STATE), {"id": lead_id})).mappings().first()
    return None if row is None else dict(row)


async def _new_lead(admin: AdminService, at: datetime) -> tuple[UUID, LeadCreated]:
    lead_id = uuid4()
    key, wrapped = admin.keys.vault.new_data_key(lead_id)
    async with admin.engine.begin() as conn:
        await admin.keys.add(conn, lead_id, wrapped)
    created = LeadCreated(
        occurred_at=at,
        lead_id=lead_id,
        lead=LeadSnapshot(
            contact=EncryptedContact(email=to_text(key.seal("email", f"{lead_id}@example.de"))),
            company=CompanyInfo(name=f"Reihenfolge {lead_id.hex[:6]} GmbH"),
            event=EventDetails(type="sommerfest"),
            first_touch=Attribution(utm_source="google-ads"),
            consent_marketing=False,
            created_at=at,
        ),
    )
    return lead_id, created


async def test_events_arriving_out_of_order_end_in_the_right_state(
    admin: AdminService, nc: Client
) -> None:
    at = datetime.now(UTC) - timedelta(minutes=5)
    lead_id, created = await _new_lead(admin, at)
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
    lead_id, created = await _new_lead(admin, at)
    scored = LeadScored(
        occurred_at=at + timedelta(seconds=5),
        lead_id=lead_id,
        score=85,
        previous_score=0,
        stage="burning",
        changes=[ScoreChange(activity="call_booked", points=85, delta=85, reason="Termin")],
    )
    for event in (created, scored):
        await publish(nc, event)
    before = await wait_for(lambda: _state(admin, lead_id), lambda s: s["reasons"] == 1)
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
    assert replayed >= 2
    assert after == {**before, "status": "qualified"}
    async with admin.engine.connect() as conn:
        counted = (
            await conn.execute(text("SELECT count(*) FROM admin.leads WHERE known"))
        ).scalar_one()
        tally = (await conn.execute(text("SELECT sum(leads) FROM admin.lead_tally"))).scalar_one()
        days = (await conn.execute(text("SELECT sum(leads) FROM admin.lead_days"))).scalar_one()
    assert tally == days == counted  # the dashboard's tallies agree with the rows
    assert tally_before is not None
