"""A visitor's journey through capture into scoring: anonymous page views, a form with the
budget calculator, then the about page and a phone click, ends burning with the reasons
a sales person reads."""

from __future__ import annotations

import uuid

import httpx
from auftakt_capture.settings import CaptureSettings
from auftakt_common.tokens import LeadTokens
from auftakt_scoring.app import ScoringService
from nats.aio.client import Client
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.events import for_lead, stream_messages
from tests.scoring.helpers import eventually, scorecard

SITE = "https://www.musikfuerfirmen.de"


async def test_a_website_journey_ends_burning_with_the_right_history(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    scoring: ScoringService,
    db: AsyncEngine,
    nc: Client,
) -> None:
    visitor = uuid.uuid4().hex
    anonymous = [
        {"type": "page_view", "visitor_id": visitor, "page_url": f"{SITE}/"},
        {"type": "page_view", "visitor_id": visitor, "page_url": f"{SITE}/preise"},
        {"type": "page_view", "visitor_id": visitor, "page_url": f"{SITE}/preise"},
    ]
    assert (await client.post("/v1/activities", json=anonymous)).status_code == 202

    form = await client.post(
        "/v1/leads",
        json={
            "email": f"journey.{uuid.uuid4().hex[:8]}@example-firma.de",
            "visitor_id": visitor,
            "lead_magnet": "budget_calculator",
            "guest_count": 120,
            "event_type": "weihnachtsfeier",
        },
    )
    assert form.status_code == 201
    token = form.json()["lead_token"]
    lead_id = LeadTokens(capture_settings.signing_key_bytes, "lead").verify(token)

    later = [
        {"type": "page_view", "lead_token": token, "page_url": f"{SITE}/ueber-uns"},
        {"type": "click", "lead_token": token, "target": "tel:+4940123456"},
    ]
    assert (await client.post("/v1/activities", json=later)).status_code == 202

    card = await eventually(
        lambda: scorecard(db, lead_id), lambda c: len(c.history) == 5, timeout=20, settle=1.0
    )
    assert (card.score, card.stage) == (100, "burning")
    assert sorted(card.reasons) == sorted(
        [
            "Preise-Seite besucht",
            "3+ Seiten besucht",
            "Budget-Rechner verwendet",
            "Über-uns-Seite besucht",
            "Telefonnummer geklickt",
        ]
    )
    messages = await stream_messages(nc, for_lead(str(lead_id)), expect=5)
    final = [p for s, p, _ in messages if s == "lead.scored"][-1]
    assert (final["score"], final["stage"]) == (100, "burning")
    assert any(s == "lead.stage_changed" and p["stage"] == "burning" for s, p, _ in messages)
