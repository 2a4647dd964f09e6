"""Scoring on real NATS and PostgreSQL: events in, scores, history and events out; caps,
cooldowns, inbox, decay with a moved clock, rule editing over NATS, dead letters."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import timedelta
from uuid import UUID, uuid4

from auftakt_common.commands import (
    SCORING_MAPPING_DELETE,
    SCORING_MAPPING_PUT,
    SCORING_RULE_PUT,
    SCORING_RULES_LIST,
)
from auftakt_common.consumers import ERROR_HEADER, ORIGINAL_SUBJECT_HEADER
from auftakt_common.dead_letters import list_dead_letters, replay_dead_letters
from auftakt_common.events import (
    ActivityRecorded,
    EmailBounced,
    EmailOpened,
    LeadEnriched,
    LeadErasureRequested,
    LeadMagnetDownloaded,
)
from auftakt_common.streams import DEAD_LETTER_STREAM, EVENTS_STREAM
from auftakt_scoring.app import ScoringService
from auftakt_scoring.settings import ScoringSettings
from nats.aio.client import Client
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.events import for_lead, stream_messages

from .helpers import MovableClock, eventually, publish, scorecard


def activity(lead_id: UUID, type_: str, clock: MovableClock, **fields: object) -> ActivityRecorded:
    return ActivityRecorded(
        activity_id=uuid4(),
        lead_id=lead_id,
        activity_type=type_,
        occurred_at=clock.now,
        **fields,  # type: ignore[arg-type]
    )


async def test_a_pricing_page_view_scores_20_with_its_reason(
    scoring: ScoringService, nc: Client, db: AsyncEngine, clock: MovableClock
) -> None:
    lead = uuid4()
    await publish(nc, activity(lead, "page_view", clock, page_url="https://x.de/preise"))
    card = await eventually(lambda: scorecard(db, lead), lambda c: c.score == 20)
    assert card.stage == "cold"
    assert card.reasons == ["Preise-Seite besucht"]


async def test_fifty_reloads_of_the_pricing_page_do_not_make_a_lead_burning(
    scoring: ScoringService, nc: Client, db: AsyncEngine, clock: MovableClock
) -> None:
    lead = uuid4()
    for second in range(50):
        event = activity(lead, "page_view", clock, page_url="/preise")
        await publish(
            nc, event.model_copy(update={"occurred_at": clock.now + timedelta(seconds=second)})
        )
    card = await eventually(lambda: scorecard(db, lead), lambda c: c.score > 0, settle=1.0)
    assert (card.score, card.stage) == (20, "cold")
    assert card.reasons == ["Preise-Seite besucht"]


async def test_the_same_event_delivered_twice_counts_once(
    scoring: ScoringService, nc: Client, db: AsyncEngine, clock: MovableClock
) -> None:
    lead = uuid4()
    event = activity(lead, "calendar_booking_started", clock)
    await publish(nc, event)
    # a second copy JetStream cannot deduplicate (another message id): only the inbox can
    await publish(nc, event, msg_id=f"{event.event_id}-again")
    card = await eventually(lambda: scorecard(db, lead), lambda c: c.score > 0, settle=1.0)
    assert card.score == 40
    assert len(card.history) == 1


async def test_scores_clamp_at_100_and_at_0(
    scoring: ScoringService, nc: Client, db: AsyncEngine, clock: MovableClock
) -> None:
    lead = uuid4()
    for type_ in ("calendar_booking_started", "form_50_percent_filled", "phone_clicked"):
        await publish(nc, activity(lead, type_, clock))
    card = await eventually(lambda: scorecard(db, lead), lambda c: len(c.history) == 3)
    assert [row["new_score"] for row in card.history] == [40, 75, 100]
    assert (card.score, card.stage) == (100, "burning")
    await publish(nc, activity(lead, "page_view", clock, page_url="/preise"))
    card = await eventually(lambda: scorecard(db, lead), lambda c: len(c.history) == 4)
    assert card.score == 100
    assert (card.reasons[-1], card.history[-1]["delta"]) == ("Preise-Seite besucht", 0)

    quiet = uuid4()
    await publish(nc, EmailOpened(lead_id=quiet, send_id=uuid4()))
    await eventually(lambda: scorecard(db, quiet), lambda c: c.score == 5)
    await publish(nc, EmailBounced(lead_id=quiet, permanent=True))
    card = await eventually(lambda: scorecard(db, quiet), lambda c: len(c.history) == 2)
    assert card.score == 0
    assert (card.reasons[-1], card.history[-1]["delta"]) == (
        "E-Mail unzustellbar (Adresse ungültig)",
        -5,
    )


async def test_stage_changes_are_published_only_when_the_stage_changes(
    scoring: ScoringService, nc: Client, db: AsyncEngine, clock: MovableClock
) -> None:
    lead = uuid4()
    steps = [
        activity(lead, "blog_post_read", clock, page_url="/blog/a"),  # 8 cold
        activity(lead, "about_us_visited", clock),  # 23 cold
        activity(lead, "quiz_completed", clock),  # 43 warm
        activity(lead, "testimonials_viewed", clock),  # 55 warm
        activity(lead, "whatsapp_clicked", clock),  # 85 burning
    ]
    for done, event in enumerate(steps, start=1):
        await publish(nc, event)  # one at a time, so every step is its own change
        await eventually(
            lambda: scorecard(db, lead), lambda c, done=done: len(c.history) == done, settle=0
        )
    card = await eventually(lambda: scorecard(db, lead), lambda c: len(c.history) == 5)
    assert card.score == 85
    messages = await stream_messages(nc, for_lead(str(lead)), expect=11)
    scored = [p for s, p, _ in messages if s == "lead.scored"]
    changed = [
        (p["previous_stage"], p["stage"]) for s, p, _ in messages if s == "lead.stage_changed"
    ]
    assert len(scored) == 5
    assert changed == [("cold", "warm"), ("warm", "burning")]


async def test_a_magnet_download_and_firmographics_count_by_their_mappings(
    scoring: ScoringService, nc: Client, db: AsyncEngine
) -> None:
    lead = uuid4()
    await publish(
        nc, LeadMagnetDownloaded(lead_id=lead, download_id=uuid4(), magnet_type="checklist_2025")
    )
    await publish(
        nc,
        LeadEnriched(lead_id=lead, employee_count=480, decision_maker=True, premium=True),
    )
    card = await eventually(lambda: scorecard(db, lead), lambda c: len(c.history) == 4)
    assert card.score == 10 + 15 + 20 + 10
    await publish(nc, LeadEnriched(lead_id=lead, employee_count=500, decision_maker=True))
    card = await eventually(lambda: scorecard(db, lead), lambda c: True, settle=1.0)
    assert card.score == 55, "each firmographic signal counts once"


async def test_using_the_calculator_and_asking_for_its_result_days_later_counts_once(
    scoring: ScoringService, nc: Client, db: AsyncEngine, clock: MovableClock
) -> None:
    lead = uuid4()
    await publish(nc, activity(lead, "budget_calculator_used", clock))
    await eventually(lambda: scorecard(db, lead), lambda c: c.score == 25)
    two_days_later = clock.now + timedelta(days=2)
    await publish(
        nc,
        LeadMagnetDownloaded(
            lead_id=lead,
            download_id=uuid4(),
            magnet_type="budget_calculator",
            occurred_at=two_days_later,
        ),
    )
    card = await eventually(lambda: scorecard(db, lead), lambda c: True, settle=1.0)
    assert card.score == 25, "the calculator is one signal, however it reaches scoring"


async def test_decay_takes_points_after_7_and_30_quiet_days_once_each(
    scoring: ScoringService, nc: Client, db: AsyncEngine, clock: MovableClock
) -> None:
    lead = uuid4()
    start = clock.now
    await publish(nc, activity(lead, "calendar_booking_started", clock))
    await publish(nc, EmailOpened(lead_id=lead, send_id=uuid4(), occurred_at=start))
    await eventually(lambda: scorecard(db, lead), lambda c: c.score == 45)

    clock.now = start + timedelta(days=6, hours=23)
    await scoring.decay_due()
    assert (await scorecard(db, lead)).score == 45  # type: ignore[union-attr]

    clock.now = start + timedelta(days=7, minutes=1)
    await scoring.decay_due()
    await scoring.decay_due()
    assert (await scorecard(db, lead)).score == 35  # type: ignore[union-attr]

    clock.now = start + timedelta(days=30, minutes=1)
    await scoring.decay_due()
    card = await scorecard(db, lead)
    assert card is not None and (card.score, card.stage) == (10, "cold")
    assert card.reasons[-2:] == [
        "Keine Aktivität seit 7 Tagen",
        "Keine Aktivität seit 30 Tagen",
    ]

    clock.now = start + timedelta(days=31)
    await publish(nc, activity(lead, "page_view", clock, page_url="/preise"))
    await eventually(lambda: scorecard(db, lead), lambda c: c.score == 30)
    clock.now = start + timedelta(days=38, minutes=1)
    await scoring.decay_due()
    assert (await scorecard(db, lead)).score == 20  # type: ignore[union-attr]


async def test_two_replicas_deciding_decay_at_once_apply_each_penalty_once(
    scoring: ScoringService,
    scoring_settings: ScoringSettings,
    nc: Client,
    db: AsyncEngine,
    clock: MovableClock,
) -> None:
    leads = [uuid4() for _ in range(30)]
    for lead in leads:
        await publish(nc, activity(lead, "calendar_booking_started", clock))
    for lead in leads:
        await eventually(lambda lead=lead: scorecard(db, lead), lambda c: c.score == 40, settle=0)
    other = ScoringService(scoring_settings, clock=clock, decay=False)
    clock.now += timedelta(days=8)
    try:
        decayed = await asyncio.gather(scoring.decay_due(), other.decay_due())
    finally:
        await other.stop()
    assert sum(decayed) >= len(leads)  # between them; other quiet leads may be in the table
    for lead in leads:
        card = await scorecard(db, lead)
        assert card is not None and card.score == 30
        assert card.reasons.count("Keine Aktivität seit 7 Tagen") == 1


async def test_rules_are_changed_over_nats_and_apply_to_the_next_event(
    scoring: ScoringService, nc: Client, db: AsyncEngine, clock: MovableClock
) -> None:
    rule = {
        "activity": "webinar_attended",
        "points": 22,
        "description": "Webinar besucht",
        "max_per_lead": 1,
        "website": True,
    }
    reply = json.loads((await nc.request(SCORING_RULE_PUT, json.dumps(rule).encode(), 5)).data)
    assert reply["ok"] is True
    lead = uuid4()
    await publish(nc, activity(lead, "webinar_attended", clock))
    card = await eventually(lambda: scorecard(db, lead), lambda c: c.score == 22)
    assert card.reasons == ["Webinar besucht"]

    bad = {**rule, "points": 500, "description": ""}
    reply = json.loads((await nc.request(SCORING_RULE_PUT, json.dumps(bad).encode(), 5)).data)
    assert reply["ok"] is False
    assert {error["field"] for error in reply["errors"]} == {"points", "description"}

    mapping = {
        "event_type": "page_view",
        "field": "path",
        "operator": "regex",
        "value": "^/(webinar",
        "activity": "webinar_attended",
    }
    reply = json.loads(
        (await nc.request(SCORING_MAPPING_PUT, json.dumps(mapping).encode(), 5)).data
    )
    assert reply["ok"] is False and reply["errors"][0]["field"] == "value"

    fixed = {**mapping, "value": "^/webinar(/|$)"}
    reply = json.loads((await nc.request(SCORING_MAPPING_PUT, json.dumps(fixed).encode(), 5)).data)
    assert reply["ok"] is True and reply["data"]["id"] > 0
    viewer = uuid4()
    await publish(
        nc, activity(viewer, "page_view", clock, page_url="https://x.de/webinar/anmeldung")
    )
    card = await eventually(lambda: scorecard(db, viewer), lambda c: c.score == 22)
    assert card.reasons == ["Webinar besucht"]

    listed = json.loads((await nc.request(SCORING_RULES_LIST, b"", 5)).data)
    rules = {r["activity"]: r for r in listed["data"]["rules"]}
    assert rules["budget_calculator_used"]["points"] == 25
    assert rules["webinar_attended"]["max_per_lead"] == 1
    assert len(rules) >= 23 and len(listed["data"]["mappings"]) >= 15


async def test_an_undecodable_event_goes_to_the_dead_letter_stream(
    scoring: ScoringService, nc: Client
) -> None:
    marker = uuid4().hex
    await nc.jetstream().publish(
        "email.opened", json.dumps({"lead_id": "not-a-uuid", "marker": marker}).encode()
    )
    js = nc.jetstream()
    sub = await js.subscribe(
        "dlq.scoring.email.opened", stream=DEAD_LETTER_STREAM, ordered_consumer=True
    )
    try:
        deadline = asyncio.get_running_loop().time() + 15
        while True:
            msg = await sub.next_msg(timeout=max(0.1, deadline - asyncio.get_running_loop().time()))
            if marker.encode() in msg.data:
                break
    finally:
        await sub.unsubscribe()
    assert msg.headers is not None
    assert msg.headers["Auftakt-Original-Subject"] == "email.opened"
    assert "lead_id" in msg.headers["Auftakt-Error"]


async def test_dead_letters_are_listed_and_replayed_to_their_subject(
    scoring: ScoringService, nc: Client, db: AsyncEngine, clock: MovableClock
) -> None:
    lead = uuid4()
    event = activity(lead, "phone_clicked", clock)
    await nc.jetstream().publish(
        "dlq.scoring.activity.recorded",
        event.model_dump_json().encode(),
        headers={
            ORIGINAL_SUBJECT_HEADER: "activity.recorded",
            ERROR_HEADER: "OperationalError('the database was restored from a backup')",
        },
    )
    letters = await list_dead_letters(nc.jetstream(), "scoring")
    assert any(letter.data == event.model_dump_json().encode() for letter in letters)

    assert await replay_dead_letters(nc.jetstream(), "scoring") >= 1
    card = await eventually(lambda: scorecard(db, lead), lambda c: c.score == 30)
    assert card.reasons == ["Telefonnummer geklickt"]
    remaining = await list_dead_letters(nc.jetstream(), "scoring")
    assert all(letter.data != event.model_dump_json().encode() for letter in remaining)


async def test_consumers_made_with_older_settings_are_updated_at_start(
    scoring_settings: ScoringSettings, nc: Client
) -> None:
    js = nc.jetstream()
    async with ScoringService(scoring_settings, decay=False):
        pass  # the consumers exist
    old = await js.consumer_info(EVENTS_STREAM, "scoring-email-opened")
    await js.add_consumer(
        EVENTS_STREAM,
        dataclasses.replace(old.config, max_deliver=8, max_ack_pending=100, ack_wait=5),
    )
    async with ScoringService(scoring_settings, decay=False):
        now = await js.consumer_info(EVENTS_STREAM, "scoring-email-opened")
    assert (now.config.max_deliver, now.config.max_ack_pending, now.config.ack_wait) == (
        -1,
        scoring_settings.scoring_max_in_flight,
        30.0,
    )


async def test_an_erased_lead_is_deleted_and_late_events_do_not_bring_it_back(
    scoring: ScoringService, nc: Client, db: AsyncEngine, clock: MovableClock
) -> None:
    lead = uuid4()
    await publish(nc, activity(lead, "phone_clicked", clock))
    await eventually(lambda: scorecard(db, lead), lambda c: c.score == 30)

    await publish(nc, LeadErasureRequested(lead_id=lead))
    for _ in range(200):
        if await scorecard(db, lead) is None:
            break
        await asyncio.sleep(0.05)
    assert await scorecard(db, lead) is None

    await publish(nc, activity(lead, "calendar_booking_started", clock))  # still in the stream
    await publish(nc, activity(lead, "page_view", clock, page_url="/preise"))
    await asyncio.sleep(1.0)
    assert await scorecard(db, lead) is None
    async with db.connect() as conn:
        history = await conn.execute(
            text("SELECT count(*) FROM scoring.score_history WHERE lead_id = :id"), {"id": lead}
        )
        assert history.scalar_one() == 0


async def test_commands_that_are_not_json_or_name_no_mapping_get_error_replies(
    scoring: ScoringService, nc: Client
) -> None:
    broken = json.loads((await nc.request(SCORING_RULE_PUT, b"{points: 5", 5)).data)
    assert broken["ok"] is False and broken["errors"]
    missing = json.loads(
        (await nc.request(SCORING_MAPPING_DELETE, json.dumps({"id": 987654321}).encode(), 5)).data
    )
    assert missing == {
        "ok": False,
        "errors": [{"field": "id", "message": "no such mapping"}],
        "data": None,
    }
