"""Hot-lead alerts: e-mail, Slack and WhatsApp, once per entry into `burning`, with what
sales need."""

from __future__ import annotations

import json
from datetime import timedelta
from uuid import UUID, uuid4

import httpx
from auftakt_capture.settings import CaptureSettings
from auftakt_common.events import LeadAssigned, LeadStageChanged
from auftakt_mailer.app import MailerService
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.events import stream_messages
from tests.scoring.helpers import MovableClock, publish

from .fakes import Providers, SmtpSink
from .helpers import deliver_due, eventually, rows, unique_address
from .test_sequences import submit_checklist_form, text_of


async def _notifications(db: AsyncEngine, lead_id: UUID) -> list[dict[str, object]]:
    return await rows(
        db, "SELECT channel, status FROM mailer.notifications WHERE lead_id = :id", id=lead_id
    )


async def test_alerts_fire_once_per_entry_into_burning(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    mailer: MailerService,
    providers: Providers,
    db: AsyncEngine,
    nc,
) -> None:
    lead_id = UUID(
        await submit_checklist_form(client, capture_settings, unique_address(), consent=False)
    )
    await eventually(
        lambda: rows(db, "SELECT 1 FROM mailer.leads WHERE lead_id = :id", id=lead_id), bool
    )
    entered = LeadStageChanged(lead_id=lead_id, previous_stage="hot", stage="burning", score=85)
    await publish(nc, entered)
    await publish(nc, entered, msg_id=str(uuid4()))  # the same event delivered again
    await publish(
        nc, LeadStageChanged(lead_id=lead_id, previous_stage="warm", stage="hot", score=70)
    )
    await eventually(lambda: _notifications(db, lead_id), lambda found: len(found) == 3)
    await deliver_due(mailer)

    slack = [m for m in providers.slack if str(lead_id) in m["text"]]
    whatsapp = [m for m in providers.whatsapp if str(lead_id) in json_text(m)]
    assert len(slack) == 1 and len(whatsapp) == 1
    assert "BURNING" in slack[0]["text"] and "Tech Solutions GmbH" in slack[0]["text"]
    assert "Score 85" in slack[0]["text"]
    assert f"https://crm.musikfuerfirmen.de/admin/leads/{lead_id}" in slack[0]["text"]
    assert "anna" not in slack[0]["text"].lower()  # no personal data in the alert
    assert whatsapp[0]["to"] == "4917012345678"
    assert whatsapp[0]["template"]["name"] == "hot_lead_alert"
    assert whatsapp[0]["authorization"] == "Bearer wa-token"
    sent = await stream_messages(
        nc,
        lambda subject, payload: (
            subject == "notification.sent" and payload["lead_id"] == str(lead_id)
        ),
        expect=3,
    )
    assert sorted(payload["channel"] for _, payload, _ in sent) == ["email", "slack", "whatsapp"]

    await publish(  # leaves burning and comes back: a new entry, a new alert
        nc, LeadStageChanged(lead_id=lead_id, previous_stage="burning", stage="hot", score=78)
    )
    await publish(
        nc, LeadStageChanged(lead_id=lead_id, previous_stage="hot", stage="burning", score=90)
    )
    await eventually(lambda: _notifications(db, lead_id), lambda found: len(found) == 6)
    await deliver_due(mailer)
    assert len([m for m in providers.slack if str(lead_id) in m["text"]]) == 2


async def test_a_failing_slack_is_retried_until_it_takes_the_alert(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    mailer: MailerService,
    providers: Providers,
    clock: MovableClock,
    db: AsyncEngine,
    nc,
) -> None:
    lead_id = uuid4()
    providers.failures["/slack"] = 1
    await publish(
        nc, LeadStageChanged(lead_id=lead_id, previous_stage="hot", stage="burning", score=88)
    )
    await eventually(lambda: _notifications(db, lead_id), lambda found: len(found) == 3)
    await deliver_due(mailer)
    assert sorted((n["channel"], n["status"]) for n in await _notifications(db, lead_id)) == [
        ("email", "sent"),
        ("slack", "retry"),
        ("whatsapp", "sent"),
    ]
    clock.now += timedelta(minutes=1)
    await deliver_due(mailer)
    assert [n["status"] for n in await _notifications(db, lead_id)] == ["sent"] * 3
    assert len([m for m in providers.slack if str(lead_id) in m["text"]]) == 1


def json_text(message: dict[str, object]) -> str:
    return json.dumps(message)


async def test_a_burning_lead_is_mailed_to_its_rep_or_else_to_the_sales_address(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    mailer: MailerService,
    smtp: SmtpSink,
    db: AsyncEngine,
    nc,
) -> None:
    lead_id = UUID(
        await submit_checklist_form(client, capture_settings, unique_address(), consent=False)
    )
    await eventually(
        lambda: rows(db, "SELECT 1 FROM mailer.leads WHERE lead_id = :id", id=lead_id), bool
    )
    await publish(
        nc, LeadStageChanged(lead_id=lead_id, previous_stage="hot", stage="burning", score=86)
    )
    await eventually(lambda: _notifications(db, lead_id), lambda found: len(found) == 3)
    await deliver_due(mailer)
    [alert] = [m for m in smtp.to("hallo@musikfuerfirmen.de") if str(lead_id) in text_of(m)]
    assert alert["Subject"] == (
        "🔥 BURNING Lead: Tech Solutions GmbH – Weihnachtsfeier im Dezember 2027 · Score 86"
    )
    body = text_of(alert)
    assert body.startswith("Ein Lead brennt (burning): Score 86 von 100.")
    assert f"https://crm.musikfuerfirmen.de/admin/leads/{lead_id}" in body
    assert "anna" not in body.lower() and "List-Unsubscribe" not in str(alert)

    rep = unique_address("vertrieb")
    await publish(nc, LeadAssigned(lead_id=lead_id, assignee_id=uuid4(), assignee_email=rep))
    await eventually(
        lambda: rows(db, "SELECT assignee_email FROM mailer.leads WHERE lead_id = :id", id=lead_id),
        lambda found: found[0]["assignee_email"] == rep,
    )
    await publish(
        nc, LeadStageChanged(lead_id=lead_id, previous_stage="burning", stage="hot", score=79)
    )
    await publish(
        nc, LeadStageChanged(lead_id=lead_id, previous_stage="hot", stage="burning", score=91)
    )
    await eventually(lambda: _notifications(db, lead_id), lambda found: len(found) == 6)
    await deliver_due(mailer)
    [to_rep] = smtp.to(rep)
    assert "Score 91" in str(to_rep["Subject"])
