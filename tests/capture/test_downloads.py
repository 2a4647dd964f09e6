"""Gated downloads: a lead magnet's file only through the signed, expiring personal link
in its mail; each download is the lead's activity; no token in the logs."""

from __future__ import annotations

import io
import json
import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager
from auftakt_capture.app import create_app
from auftakt_capture.domain import content_disposition
from auftakt_capture.downloads import request_time
from auftakt_capture.settings import CaptureSettings
from auftakt_common.embedded import free_port
from auftakt_common.logging import configure_logging
from auftakt_common.tokens import MailLink, MailLinks
from fastapi import FastAPI
from nats.aio.client import Client

from tests.events import for_lead, stream_messages

from .helpers import query
from .test_mail_links import CREATED, SEND_ID, erase, issue, mail_links, new_lead

MAGNETS = Path(__file__).parents[2] / "services" / "capture" / "src" / "auftakt_capture" / "magnets"
EXPIRED = "Der Link ist abgelaufen – fordern Sie die Datei einfach erneut an."


def download_token(
    settings: CaptureSettings,
    lead_id: uuid.UUID,
    magnet: str = "checklist_2025",
    *,
    issued_at: datetime | None = None,
) -> str:
    link = MailLink(lead_id, SEND_ID, magnet=magnet)
    return mail_links(settings).issue("download", link, issued_at=issued_at)


async def downloads_of(settings: CaptureSettings, lead_id: uuid.UUID) -> list[dict[str, object]]:
    return await query(
        settings.database_url,
        "SELECT activity_type, target, detail FROM capture.activities "
        "WHERE lead_id = :id AND activity_type = 'download'",
        id=lead_id,
    )


async def test_a_download_link_answers_the_checklist_pdf_as_an_attachment_and_records_it(
    client: httpx.AsyncClient, capture_settings: CaptureSettings, nc: Client
) -> None:
    lead_id = await new_lead(client, capture_settings)

    response = await client.get(f"/v1/downloads/{download_token(capture_settings, lead_id)}")

    assert response.status_code == 200
    assert response.content == (MAGNETS / "checklist_2025.pdf").read_bytes()
    assert response.content.startswith(b"%PDF")
    assert response.headers["content-type"] == "application/pdf"
    assert (
        response.headers["content-disposition"]
        == 'attachment; filename="Checkliste-Firmenevent-2025.pdf"'
    )
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert await downloads_of(capture_settings, lead_id) == [
        {
            "activity_type": "download",
            "target": "checklist_2025",
            "detail": {"send_id": str(SEND_ID)},
        }
    ]
    events = await stream_messages(nc, for_lead(str(lead_id)), expect=3)
    assert [subject for subject, _, _ in events] == [*CREATED, "activity.recorded"]
    recorded = events[-1][1]
    assert (recorded["activity_type"], recorded["target"]) == ("download", "checklist_2025")


async def test_each_magnet_s_link_gets_its_own_file(
    client: httpx.AsyncClient, capture_settings: CaptureSettings
) -> None:
    lead_id = await new_lead(client, capture_settings)

    token = download_token(capture_settings, lead_id, "sieben_fehler")
    response = await client.get(f"/v1/downloads/{token}")

    assert response.status_code == 200
    assert response.content == (MAGNETS / "sieben_fehler.pdf").read_bytes()
    assert 'filename="7-Fehler-bei-Firmenfeiern.pdf"' in response.headers["content-disposition"]
    assert [row["target"] for row in await downloads_of(capture_settings, lead_id)] == [
        "sieben_fehler"
    ]


async def test_a_link_works_for_its_days_and_is_a_410_page_after_them(
    client: httpx.AsyncClient, capture_settings: CaptureSettings
) -> None:
    lead_id = await new_lead(client, capture_settings)
    days = capture_settings.capture_download_link_days
    now = datetime.now(UTC)
    still_valid = download_token(capture_settings, lead_id, issued_at=now - timedelta(days - 1))
    too_old = download_token(capture_settings, lead_id, issued_at=now - timedelta(days + 1))

    valid = await client.get(f"/v1/downloads/{still_valid}")
    expired = await client.get(f"/v1/downloads/{too_old}")

    assert valid.status_code == 200
    assert expired.status_code == 410
    assert "text/html" in expired.headers["content-type"]
    assert EXPIRED in expired.text
    assert f"{days} Tage" in expired.text
    assert 'href="https://www.musikfuerfirmen.de"' in expired.text
    assert expired.headers["cache-control"] == "no-store, max-age=0"
    assert len(await downloads_of(capture_settings, lead_id)) == 1


async def test_the_same_link_expires_when_its_days_have_passed(
    capture_app: FastAPI, client: httpx.AsyncClient, capture_settings: CaptureSettings
) -> None:
    lead_id = await new_lead(client, capture_settings)
    token = download_token(capture_settings, lead_id)
    days = capture_settings.capture_download_link_days

    later = datetime.now(UTC) + timedelta(days=days, minutes=1)
    capture_app.dependency_overrides[request_time] = lambda: later
    response = await client.get(f"/v1/downloads/{token}")

    assert response.status_code == 410
    assert EXPIRED in response.text
    assert await downloads_of(capture_settings, lead_id) == []


async def test_forged_tampered_and_other_purpose_tokens_are_a_400_page_and_record_nothing(
    client: httpx.AsyncClient, capture_settings: CaptureSettings
) -> None:
    lead_id = await new_lead(client, capture_settings)
    genuine = download_token(capture_settings, lead_id)
    forged = MailLinks(os.urandom(32)).issue(
        "download", MailLink(lead_id, SEND_ID, magnet="checklist_2025")
    )
    tampered = [  # one character changed: in the payload, in the signature
        genuine[:at] + ("x" if genuine[at] != "x" else "y") + genuine[at + 1 :] for at in (5, -10)
    ]
    click = issue(capture_settings, "click", lead_id, send_id=SEND_ID, url="https://a.example/")
    unsubscribe = issue(capture_settings, "unsubscribe", lead_id, send_id=SEND_ID)
    no_magnet = mail_links(capture_settings).issue("download", MailLink(lead_id, SEND_ID))

    for token in (forged, *tampered, click, unsubscribe, no_magnet, "kaputt", "x" * 2000):
        response = await client.get(f"/v1/downloads/{token}")
        assert response.status_code == 400, token
        assert "text/html" in response.headers["content-type"]
        assert "Ungültiger Link" in response.text
        assert "content-disposition" not in response.headers
    assert await downloads_of(capture_settings, lead_id) == []


async def test_the_link_of_an_erased_lead_is_a_404_page_and_records_nothing(
    client: httpx.AsyncClient, capture_settings: CaptureSettings, nc: Client
) -> None:
    lead_id = await new_lead(client, capture_settings)
    token = download_token(capture_settings, lead_id)
    await erase(capture_settings, lead_id)

    response = await client.get(f"/v1/downloads/{token}")

    assert response.status_code == 404
    assert "keine Daten" in response.text
    assert "content-disposition" not in response.headers
    assert await downloads_of(capture_settings, lead_id) == []
    assert [s for s, _, _ in await stream_messages(nc, for_lead(str(lead_id)), expect=2)] == CREATED


async def test_a_link_to_a_magnet_without_a_file_is_a_404_page(
    client: httpx.AsyncClient, capture_settings: CaptureSettings
) -> None:
    lead_id = await new_lead(client, capture_settings)
    token = download_token(capture_settings, lead_id, "budget_calculator")

    response = await client.get(f"/v1/downloads/{token}")

    assert response.status_code == 404
    assert "Datei nicht gefunden" in response.text
    assert await downloads_of(capture_settings, lead_id) == []


async def test_download_tokens_never_reach_the_logs(
    client: httpx.AsyncClient, capture_settings: CaptureSettings
) -> None:
    lead_id = await new_lead(client, capture_settings)
    token = download_token(capture_settings, lead_id)
    logs = io.StringIO()
    configure_logging(service="capture", fmt="json", level="DEBUG", stream=logs)
    try:
        assert (await client.get(f"/v1/downloads/{token}")).status_code == 200
        assert (await client.get(f"/v1/downloads/{token}x")).status_code == 400
    finally:
        configure_logging(service="capture", fmt="console")

    lines = [json.loads(line) for line in logs.getvalue().splitlines() if line.strip()]
    logged = "\n".join(json.dumps(line) for line in lines if line.get("logger") != "httpx")
    assert '"path": "/v1/downloads/{token}"' in logged
    assert "mail link refused" in logged and "magnet downloaded" in logged
    assert token not in logged and token[8:40] not in logged


async def test_with_postgresql_down_a_download_link_answers_a_german_503_page(
    capture_settings: CaptureSettings,
) -> None:
    settings = capture_settings.model_copy(
        update={"database_url": f"postgresql+psycopg://auftakt@127.0.0.1:{free_port()}/auftakt"}
    )
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
        transport = httpx.ASGITransport(app=app, client=("198.51.100.21", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://capture.test") as client:
            response = await client.get(f"/v1/downloads/{download_token(settings, uuid.uuid4())}")

    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert "Gerade nicht erreichbar" in response.text


def test_a_file_name_beyond_ascii_is_given_exactly_and_as_a_plain_fallback() -> None:
    assert content_disposition("Checkliste.pdf") == 'attachment; filename="Checkliste.pdf"'
    assert content_disposition('Übersicht "2025".pdf') == (
        'attachment; filename="_bersicht _2025_.pdf"; '
        "filename*=UTF-8''%C3%9Cbersicht%20%222025%22.pdf"
    )
    assert "\r" not in content_disposition("a\r\nSet-Cookie: x.pdf")
