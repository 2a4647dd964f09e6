"""The sequence editor's commands over NATS: saved only when every text can be sent."""

from __future__ import annotations

import json

from auftakt_common.commands import MAILER_SEQUENCE_PUT, MAILER_SEQUENCES_LIST
from auftakt_mailer.app import MailerService
from nats.aio.client import Client


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
