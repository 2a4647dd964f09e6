"""The sequence editor's commands over NATS: saved only when every text can be sent."""

from __future__ import annotations

import json
from datetime import timedelta
from uuid import uuid4

from auftakt_common.commands import (
    MAILER_SEQUENCE_PREVIEW,
    MAILER_SEQUENCE_PUT,
    MAILER_SEQUENCES_LIST,
)
from auftakt_mailer.app import MailerService
from auftakt_mailer.settings import MailerSettings
from nats.aio.client import Client
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.scoring.helpers import MovableClock

from .fakes import SmtpSink
from .helpers import deliver_due, known_leads, rows


def _sequence(subject: str, *, event: str = "lead.magnet_downloaded") -> dict[str, object]:
    return {
        "key": "seven_mistakes",
        "name": "7 Fehler PDF - Nurturing",
        "trigger": {"event": event, "filter": {"magnet_type": "seven_mistakes"}},
        "steps": [
            {
                "delay_hours": 0,
                "transactional": True,
                "subject": subject,
                "body_html": "<p>Hallo {{ first_name }}, hier ist das PDF.</p>",
                "body_text": "Hallo {{ first_name }}, hier ist das PDF.",
            },
            {
                "delay_hours": 48,
                "subject": "Fehler Nr. 1 für {{ company }}",
                "body_html": "<p>{% if x %}</p>",
                "body_text": "Hallo {{ first_name }}",
            },
        ],
    }


async def _put(nc: Client, body: dict[str, object]) -> dict[str, object]:
    reply = await nc.request(MAILER_SEQUENCE_PUT, json.dumps(body).encode(), timeout=5)
    result: dict[str, object] = json.loads(reply.data)
    return result


async def test_unknown_placeholders_and_broken_templates_are_refused_when_saving(
    mailer: MailerService, nc: Client
) -> None:
    reply = await _put(nc, _sequence("Hier ist euer PDF, {{ vorname }}", event="lead.exploded"))
    assert reply["ok"] is False
    errors = {error["field"]: error["message"] for error in reply["errors"]}  # type: ignore[union-attr]
    assert set(errors) == {"trigger.event", "steps.0.subject", "steps.1.body_html"}
    assert "{{ vorname }}" in errors["steps.0.subject"]
    assert "Syntaxfehler" in errors["steps.1.body_html"]


async def test_a_valid_sequence_is_saved_and_listed(mailer: MailerService, nc: Client) -> None:
    body = _sequence("Hier ist euer PDF, {{ first_name }}")
    body["steps"][1]["body_html"] = "<p>Hallo {{ first_name }}</p>"  # type: ignore[index]
    reply = await _put(nc, body)
    assert reply["ok"] is True, reply
    listed = json.loads((await nc.request(MAILER_SEQUENCES_LIST, b"", timeout=5)).data)
    keys = {sequence["key"] for sequence in listed["data"]["sequences"]}
    assert {"checklist_2025", "budget_calculator", "seven_mistakes"} <= keys


async def test_editing_a_sequence_keeps_enrolled_leads_on_their_step(
    mailer_settings: MailerSettings,
    mailer: MailerService,
    smtp: SmtpSink,
    clock: MovableClock,
    db: AsyncEngine,
    nc: Client,
) -> None:
    def step(delay: int, subject: str, position: int | None = None) -> dict[str, object]:
        return {
            "position": position,
            "delay_hours": delay,
            "transactional": delay == 0,
            "subject": subject,
            "body_html": "<p>Hallo {{ first_name }}</p>",
            "body_text": "Hallo {{ first_name }}",
        }

    sequence = {
        "key": "summer_series",
        "name": "Sommerfest-Serie",
        "trigger": {"event": "lead.magnet_downloaded", "filter": {"magnet_type": "summer"}},
        "steps": [step(0, "Eins"), step(48, "Zwei"), step(96, "Drei")],
    }
    assert (await _put(nc, sequence))["ok"] is True
    [(lead_id, address)] = await known_leads(
        db, mailer_settings, 1, due=clock.now, sequence="summer_series"
    )
    async with db.begin() as conn:  # the lead confirmed its consent
        await conn.execute(
            text("UPDATE mailer.leads SET consent_confirmed_at = now() WHERE lead_id = :id"),
            {"id": lead_id},
        )
    mailer.book.invalidate()
    assert await deliver_due(mailer) == 1  # "Eins"; the lead now stands at "Zwei"

    listed = json.loads((await nc.request(MAILER_SEQUENCES_LIST, b"", timeout=5)).data)
    [saved] = [s for s in listed["data"]["sequences"] if s["key"] == "summer_series"]
    one, _, three = saved["steps"]
    # "Zwei" removed, "Drei" kept, a new step "Vier" added later
    sequence["steps"] = [
        step(0, "Eins", one["position"]),
        step(96, "Drei", three["position"]),
        step(144, "Vier"),
    ]
    reply = await _put(nc, sequence)
    assert reply["ok"] is True, reply
    assert [s["subject"] for s in reply["data"]["steps"]] == ["Eins", "Drei", "Vier"]  # type: ignore[index]
    mailer.book.invalidate()

    clock.now += timedelta(hours=49)  # when "Zwei" was due: nothing, "Drei" keeps its time
    assert await deliver_due(mailer) == 0
    clock.now += timedelta(hours=48)
    assert await deliver_due(mailer) == 1
    clock.now += timedelta(hours=48)
    assert await deliver_due(mailer) == 1
    assert [str(m["Subject"]) for m in smtp.to(address)] == ["Eins", "Drei", "Vier"]
    assert (await _put(nc, {**sequence, "steps": [step(0, "X", 999)]}))["ok"] is False


async def test_a_switched_off_sequence_holds_its_leads_until_it_is_switched_on(
    mailer_settings: MailerSettings,
    mailer: MailerService,
    smtp: SmtpSink,
    clock: MovableClock,
    db: AsyncEngine,
    nc: Client,
) -> None:
    listed = json.loads((await nc.request(MAILER_SEQUENCES_LIST, b"", timeout=5)).data)
    [checklist] = [s for s in listed["data"]["sequences"] if s["key"] == "checklist_2025"]
    [(_, address)] = await known_leads(db, mailer_settings, 1, due=clock.now)
    try:
        assert (await _put(nc, {**checklist, "active": False, "version": None}))["ok"] is True
        mailer.book.invalidate()
        assert await deliver_due(mailer) == 0
        [paused] = await rows(
            db, "SELECT count(*) AS n FROM mailer.enrolments WHERE state = 'paused'"
        )
        assert paused["n"] == 1
    finally:
        assert (await _put(nc, {**checklist, "version": None}))["ok"] is True
        mailer.book.invalidate()
    assert await deliver_due(mailer) == 1
    assert len(smtp.to(address)) == 1


async def test_a_step_previews_for_a_chosen_lead_and_with_fallbacks(
    mailer_settings: MailerSettings,
    mailer: MailerService,
    clock: MovableClock,
    db: AsyncEngine,
    nc: Client,
) -> None:
    [(lead_id, address)] = await known_leads(db, mailer_settings, 1, due=clock.now)

    async def preview(body: dict[str, object]) -> dict[str, object]:
        reply = await nc.request(MAILER_SEQUENCE_PREVIEW, json.dumps(body).encode(), timeout=5)
        result: dict[str, object] = json.loads(reply.data)
        return result

    chosen = await preview({"key": "checklist_2025", "position": 4, "lead_id": str(lead_id)})
    assert chosen["ok"] is True, chosen
    mail = chosen["data"]
    assert isinstance(mail, dict)
    assert mail["to"] == address and mail["subject"] == "Noch am Planen? Hier ist ein Angebot"
    assert "falls Team GmbH noch Musik sucht" in mail["text"]
    assert "Hallo Team," in mail["text"] and "Abmelden" in mail["text"]

    anonymous = await preview({"key": "checklist_2025"})
    assert anonymous["ok"] is True
    assert "Hallo zusammen," in anonymous["data"]["text"]  # type: ignore[index]

    unknown = await preview({"key": "checklist_2025", "position": 99})
    assert unknown["ok"] is False and unknown["errors"][0]["field"] == "position"  # type: ignore[index]


async def test_commands_that_do_not_parse_are_answered_with_field_errors(
    mailer: MailerService, nc: Client
) -> None:
    for subject, body in [
        (MAILER_SEQUENCE_PUT, b"not json"),
        (MAILER_SEQUENCE_PUT, b'{"key": "x"}'),
        (MAILER_SEQUENCE_PREVIEW, b'{"key": "checklist_2025", "lead_id": "kein-uuid"}'),
    ]:
        reply = json.loads((await nc.request(subject, body, timeout=5)).data)
        assert reply["ok"] is False and reply["errors"], reply
    reply = json.loads(
        (
            await nc.request(
                MAILER_SEQUENCE_PREVIEW,
                json.dumps({"key": "checklist_2025", "lead_id": str(uuid4())}).encode(),
                timeout=5,
            )
        ).data
    )
    assert reply["errors"][0]["field"] == "lead_id"


async def test_the_calculator_s_figures_are_refused_in_a_sequence_the_calculator_does_not_start(
    mailer: MailerService, nc: Client
) -> None:
    body = _sequence("Ihr Ergebnis: {{ calculator_range }}")
    body["key"] = f"calc_elsewhere_{uuid4().hex[:8]}"
    body["steps"][1]["body_html"] = "<p>Hallo {{ first_name }}</p>"  # type: ignore[index]
    reply = await _put(nc, body)  # started by another magnet's request
    assert reply["ok"] is False
    errors = {error["field"]: error["message"] for error in reply["errors"]}  # type: ignore[union-attr]
    assert set(errors) == {"steps.0.subject"}
    assert "Budget-Rechner" in errors["steps.0.subject"]
    calculator = {"event": "lead.magnet_downloaded", "filter": {"magnet_type": "budget_calculator"}}
    # saved where the calculator's request starts it (switched off: other tests'
    # calculator leads must not be enrolled in it as well)
    assert (await _put(nc, {**body, "trigger": calculator, "active": False}))["ok"] is True


async def test_a_download_link_is_refused_in_a_sequence_no_lead_magnet_starts(
    mailer: MailerService, nc: Client
) -> None:
    body = _sequence("Euer Angebot, {{ first_name }}")
    body["key"] = key = f"calculator_pdf_{uuid4().hex[:8]}"
    body["steps"][1]["body_html"] = "<p>Hallo {{ first_name }}</p>"  # type: ignore[index]
    body["steps"][0]["body_text"] = "Hier ist euer Angebot: {{ download_url }}"  # type: ignore[index]
    refused = []
    for trigger in (
        {"event": "activity.recorded", "filter": {"activity_type": "budget_calculator_used"}},
        {"event": "lead.magnet_downloaded", "filter": {}},  # which magnet's file?
    ):
        reply = await _put(nc, {**body, "trigger": trigger})
        assert reply["ok"] is False
        refused.append({error["field"]: error["message"] for error in reply["errors"]})  # type: ignore[union-attr]

    for errors in refused:
        assert set(errors) == {"steps.0.body_text"}
        assert "{{ download_url }}" in errors["steps.0.body_text"]
        assert "lead.magnet_downloaded" in errors["steps.0.body_text"]
        assert "magnet_type" in errors["steps.0.body_text"]
    listed = json.loads((await nc.request(MAILER_SEQUENCES_LIST, b"", timeout=5)).data)
    assert key not in {sequence["key"] for sequence in listed["data"]["sequences"]}
    with_magnet = await _put(nc, body)  # started by the request for its magnet: saved
    assert with_magnet["ok"] is True, with_magnet


async def test_the_preview_of_a_content_step_carries_a_download_link(
    mailer: MailerService, nc: Client
) -> None:
    reply = await nc.request(
        MAILER_SEQUENCE_PREVIEW, json.dumps({"key": "sieben_fehler"}).encode(), timeout=5
    )
    preview = json.loads(reply.data)
    assert preview["ok"] is True, preview
    assert "https://leads.musikfuerfirmen.de/v1/downloads/" in preview["data"]["text"]
    assert '<a href="https://leads.musikfuerfirmen.de/v1/downloads/' in preview["data"]["html"]
    assert "{{" not in preview["data"]["text"] + preview["data"]["html"]
