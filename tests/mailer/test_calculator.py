"""The budget calculator's mail: only for a visitor who asked for the result, with the
calculator's own figures; a step whose figures are missing is held, never invented."""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

import httpx
from auftakt_capture.settings import CaptureSettings
from auftakt_common.commands import MAILER_SEQUENCE_PUT
from auftakt_common.tokens import LeadTokens
from auftakt_mailer.app import MailerService
from nats.aio.client import Client
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.events import for_lead, stream_messages
from tests.scoring.helpers import MovableClock

from .fakes import SmtpSink
from .helpers import deliver_due, enrolments, eventually, sends, unique_address
from .test_sequences import html_of, text_of

_SOLO = {"event_type": "weihnachtsfeier", "guests": 120, "hours": 4, "band_format": "solo"}


async def _lead(client: httpx.AsyncClient, settings: CaptureSettings, body: dict[str, Any]) -> str:
    response = await client.post("/v1/leads", json=body)
    assert response.status_code == 201, response.text
    token = response.json()["lead_token"]
    return str(LeadTokens(settings.signing_key_bytes, "lead").verify(token))


async def test_the_result_mail_carries_the_calculator_s_own_figures_not_the_later_enquiry_s(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    mailer: MailerService,
    smtp: SmtpSink,
    db: AsyncEngine,
) -> None:
    address = unique_address("rechnerin")
    lead_id = await _lead(
        client,
        capture_settings,
        {
            "email": address,
            "first_name": "Maria",
            "lead_magnet": "budget_calculator",
            "quiz_results": {"inputs": _SOLO},
        },
    )
    # the enquiry she sends afterwards: more guests and a budget of her own
    await _lead(
        client,
        capture_settings,
        {"email": address, "guest_count": 180, "budget_max": 8000, "event_type": "weihnachtsfeier"},
    )
    await eventually(lambda: enrolments(db, lead_id), lambda found: len(found) == 1)
    assert await deliver_due(mailer) == 1
    [mail] = smtp.to(address)
    assert mail["Subject"] == "Ihr Ergebnis aus dem Budget-Rechner: 900 – 1.300 €"
    body = text_of(mail)
    assert body.startswith("Hallo Maria,\n\nhier ist Ihr Ergebnis aus unserem Budget-Rechner")
    assert "900 – 1.300 € für 120 Gäste" in body
    assert "Solo-Musiker:in, 4 Stunden, Weihnachtsfeier, 120 Gäste" in body
    assert "zzgl. MwSt." in body  # the price table's own note
    for invented in ("8.000", "180", "4.500", "{{"):
        assert invented not in body and invented not in html_of(mail)


async def test_using_the_calculator_without_asking_for_the_result_sends_nothing(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    mailer: MailerService,
    smtp: SmtpSink,
    db: AsyncEngine,
) -> None:
    address = unique_address("nurgerechnet")
    token_lead = await client.post("/v1/leads", json={"email": address, "guest_count": 90})
    token = token_lead.json()["lead_token"]
    lead_id = str(LeadTokens(capture_settings.signing_key_bytes, "lead").verify(token))
    used = await client.post(
        "/v1/activities",
        json=[{"type": "budget_calculator_used", "lead_token": token, "detail": _SOLO}],
    )
    assert used.status_code == 202, used.text
    await deliver_due(mailer)
    assert smtp.to(address) == []
    assert await sends(db, lead_id) == []


async def test_a_step_needing_a_missing_figure_is_held_shown_and_sent_once_it_is_given(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    mailer: MailerService,
    smtp: SmtpSink,
    clock: MovableClock,
    db: AsyncEngine,
    nc: Client,
) -> None:
    magnet = f"budgetcheck_{uuid4().hex[:8]}"
    sequence = {
        "key": magnet,
        "name": "Budget-Check",
        "trigger": {"event": "lead.magnet_downloaded", "filter": {"magnet_type": magnet}},
        "steps": [
            {
                "delay_hours": 0,
                "transactional": True,
                "subject": "Ihr Budget: {{ budget }}",
                "body_html": "<p>Für {{ guests }} Gäste planen Sie {{ budget }}.</p>",
                "body_text": "Für {{ guests }} Gäste planen Sie {{ budget }}.",
            }
        ],
    }
    reply = await nc.request(MAILER_SEQUENCE_PUT, json.dumps(sequence).encode(), timeout=5)
    assert json.loads(reply.data)["ok"], reply.data
    address = unique_address("ohnebudget")
    body: dict[str, Any] = {"email": address, "lead_magnet": magnet}
    lead_id = await _lead(client, capture_settings, body)
    await eventually(lambda: enrolments(db, lead_id), lambda found: len(found) == 1)

    assert await deliver_due(mailer) == 0
    assert smtp.to(address) == []
    [held] = await sends(db, lead_id)
    assert held["status"] == "held"
    mine = for_lead(lead_id)
    [(_, event, _)] = await stream_messages(
        nc, lambda subject, payload: subject == "email.held" and mine(subject, payload), expect=1
    )
    assert event["missing"] == ["Budget", "Gästezahl"]
    assert (event["sequence_name"], event["step"]) == ("Budget-Check", 1)

    await _lead(client, capture_settings, {"email": address, "guest_count": 60, "budget_max": 3000})
    await eventually(
        lambda: sends(db, lead_id), lambda found: found[0]["status"] == "queued", timeout=10
    )
    assert await deliver_due(mailer) == 1
    [mail] = smtp.to(address)
    assert mail["Subject"] == "Ihr Budget: bis 3.000 €"
    assert "Für 60 Gäste planen Sie bis 3.000 €." in text_of(mail)
