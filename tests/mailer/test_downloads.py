"""Gated downloads end to end: a lead submits a lead magnet's form to capture, the mailer
sends the requested content at once with a personal download link (into a real SMTP
server on loopback), and following it from the mail downloads the file from capture.
Capture and the mailer share the test's clock."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from uuid import UUID

import httpx
import pytest
from auftakt_capture.downloads import request_time
from auftakt_capture.settings import CaptureSettings
from auftakt_common.tokens import LeadTokens
from auftakt_mailer.app import MailerService
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.scoring.helpers import MovableClock

from .fakes import SmtpSink
from .helpers import deliver_due, enrolments, eventually, rows, sends, unique_address
from .test_sequences import html_of, path_of, text_of

MAGNETS = Path(__file__).parents[2] / "services" / "capture" / "src" / "auftakt_capture" / "magnets"
PUBLIC = "https://leads.musikfuerfirmen.de"
_DOWNLOAD_LINK = re.compile(re.escape(PUBLIC) + r"/v1/downloads/[A-Za-z0-9_.-]+")


@pytest.fixture(autouse=True)
def capture_on_the_test_clock(capture_app: FastAPI, clock: MovableClock) -> None:
    """Capture counts a link's age to the same clock the mailer issued it by."""
    capture_app.dependency_overrides[request_time] = clock


async def request_magnet(
    client: httpx.AsyncClient,
    settings: CaptureSettings,
    address: str,
    magnet: str,
    *,
    consent: bool = False,
) -> str:
    response = await client.post(
        "/v1/leads",
        json={
            "email": address,
            "first_name": "Anna",
            "company_name": "Tech Solutions GmbH",
            "consent_marketing": consent,
            "consent_text": "Ja, ich möchte Tipps und Angebote per E-Mail erhalten.",
            "lead_magnet": magnet,
        },
    )
    assert response.status_code == 201, response.text
    return str(LeadTokens(settings.signing_key_bytes, "lead").verify(response.json()["lead_token"]))


async def content_mail(
    client: httpx.AsyncClient,
    settings: CaptureSettings,
    mailer: MailerService,
    smtp: SmtpSink,
    db: AsyncEngine,
    magnet: str,
    *,
    consent: bool = False,
) -> tuple[str, str, EmailMessage]:
    """A new lead's request for `magnet`, and the mail that answered it at once."""
    address = unique_address()
    lead_id = await request_magnet(client, settings, address, magnet, consent=consent)
    expected = 2 if consent else 1  # with consent ticked, the double-opt-in mail too
    await eventually(lambda: enrolments(db, lead_id), lambda found: len(found) == 1)
    await eventually(lambda: sends(db, lead_id), lambda found: len(found) == expected - 1)
    assert await deliver_due(mailer) == expected
    [mail] = [m for m in smtp.to(address) if "bestätigen" not in str(m["Subject"])]
    return lead_id, address, mail


def download_link(mail: EmailMessage) -> str:
    [in_text] = _DOWNLOAD_LINK.findall(text_of(mail))
    assert _DOWNLOAD_LINK.findall(html_of(mail)) == [in_text]
    return in_text


async def downloads_of(db: AsyncEngine, lead_id: str) -> list[str]:
    found = await rows(
        db,
        "SELECT target FROM capture.activities WHERE lead_id = :id AND activity_type = 'download'",
        id=UUID(lead_id),
    )
    return [row["target"] for row in found]


async def test_the_checklist_mail_links_the_personal_download_that_gets_the_pdf_and_is_recorded(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    mailer: MailerService,
    smtp: SmtpSink,
    db: AsyncEngine,
) -> None:
    lead_id, address, mail = await content_mail(
        client, capture_settings, mailer, smtp, db, "checklist_2025"
    )

    assert mail["Subject"] == "Hier ist Ihre Checkliste 📋 (+ Bonus)"
    link = download_link(mail)
    assert f'<a href="{link}">Checkliste herunterladen</a>' in html_of(mail)
    assert "checkliste-2025" not in text_of(mail) + html_of(mail)  # no public page
    assert address not in link and "anna" not in link.lower()

    downloaded = await client.get(path_of(link))

    assert downloaded.status_code == 200
    assert downloaded.content.startswith(b"%PDF")
    assert downloaded.content == (MAGNETS / "checklist_2025.pdf").read_bytes()
    assert downloaded.headers["content-disposition"] == (
        'attachment; filename="Checkliste-Firmenevent-2025.pdf"'
    )
    assert await downloads_of(db, lead_id) == ["checklist_2025"]

    token = link.rsplit("/", 1)[1]
    for at in (3, len(token) // 2, -12):  # one character changed anywhere
        changed = token[:at] + ("x" if token[at] != "x" else "y") + token[at + 1 :]
        response = await client.get(f"/v1/downloads/{changed}")
        assert response.status_code == 400
        assert "Ungültiger Link" in response.text
    assert await downloads_of(db, lead_id) == ["checklist_2025"]


async def test_the_link_from_the_mail_expires_after_its_days(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    mailer: MailerService,
    smtp: SmtpSink,
    clock: MovableClock,
    db: AsyncEngine,
) -> None:
    lead_id, _, mail = await content_mail(
        client, capture_settings, mailer, smtp, db, "checklist_2025"
    )
    link = download_link(mail)
    days = capture_settings.capture_download_link_days

    clock.now += timedelta(days=days, hours=-1)
    assert (await client.get(path_of(link))).status_code == 200
    clock.now += timedelta(hours=2)
    expired = await client.get(path_of(link))

    assert expired.status_code == 410
    assert "Der Link ist abgelaufen – fordern Sie die Datei einfach erneut an." in expired.text
    assert await downloads_of(db, lead_id) == ["checklist_2025"]


async def test_asking_again_after_the_link_expired_brings_the_content_with_a_new_link(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    mailer: MailerService,
    smtp: SmtpSink,
    clock: MovableClock,
    db: AsyncEngine,
) -> None:
    lead_id, address, first = await content_mail(
        client, capture_settings, mailer, smtp, db, "checklist_2025"
    )
    clock.now += timedelta(days=capture_settings.capture_download_link_days + 1)
    assert (await client.get(path_of(download_link(first)))).status_code == 410

    # what the page asks for: the form once more
    await request_magnet(client, capture_settings, address, "checklist_2025")
    await eventually(lambda: sends(db, lead_id), lambda found: len(found) == 2)
    assert await deliver_due(mailer) == 1

    again = smtp.to(address)[-1]
    assert again["Subject"] == first["Subject"]
    assert download_link(again) != download_link(first)
    assert (await client.get(path_of(download_link(again)))).status_code == 200
    assert await downloads_of(db, lead_id) == ["checklist_2025"]
    [enrolment] = await enrolments(db, lead_id)
    assert enrolment["state"] == "stopped"  # still no consent: no nurture came with it
    assert len(smtp.to(address)) == 2


async def test_the_link_of_an_erased_lead_is_a_404_page(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    mailer: MailerService,
    smtp: SmtpSink,
    db: AsyncEngine,
) -> None:
    lead_id, _, mail = await content_mail(
        client, capture_settings, mailer, smtp, db, "checklist_2025"
    )
    async with db.begin() as conn:  # what capture keeps of the lead is deleted
        await conn.exec_driver_sql("DELETE FROM capture.leads WHERE id = %s", (UUID(lead_id),))

    response = await client.get(path_of(download_link(mail)))

    assert response.status_code == 404
    assert "keine Daten" in response.text
    assert "content-disposition" not in response.headers
    assert await downloads_of(db, lead_id) == []


async def test_the_seven_mistakes_pdf_comes_in_its_own_mail_then_two_tips_after_consent(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    mailer: MailerService,
    smtp: SmtpSink,
    clock: MovableClock,
    db: AsyncEngine,
) -> None:
    lead_id, address, mail = await content_mail(
        client, capture_settings, mailer, smtp, db, "sieben_fehler", consent=True
    )

    assert mail["Subject"] == "Ihr PDF: 7 Fehler bei Firmenfeiern"
    assert text_of(mail).startswith("Hallo Anna,\n\nvielen Dank für Ihr Interesse!")
    assert f'<a href="{download_link(mail)}">PDF herunterladen</a>' in html_of(mail)
    downloaded = await client.get(path_of(download_link(mail)))
    assert downloaded.status_code == 200
    assert downloaded.content == (MAGNETS / "sieben_fehler.pdf").read_bytes()
    assert 'filename="7-Fehler-bei-Firmenfeiern.pdf"' in downloaded.headers["content-disposition"]
    assert await downloads_of(db, lead_id) == ["sieben_fehler"]

    [doi] = [m for m in smtp.to(address) if "bestätigen" in str(m["Subject"])]
    confirm = next(word for word in text_of(doi).split() if "/v1/consent/confirm" in word)
    assert (await client.post(path_of(confirm))).status_code == 200
    await eventually(
        lambda: rows(
            db,
            "SELECT consent_confirmed_at FROM mailer.leads WHERE lead_id = :id",
            id=UUID(lead_id),
        ),
        lambda found: bool(found and found[0]["consent_confirmed_at"]),
    )
    clock.now += timedelta(hours=72, minutes=1)
    assert await deliver_due(mailer) == 1
    clock.now += timedelta(hours=96)
    assert await deliver_due(mailer) == 1
    subjects = [str(m["Subject"]) for m in smtp.to(address)][2:]
    assert subjects == ["Welche Band passt zu Ihrem Event?", "Sollen wir Ihnen ein Angebot machen?"]
    assert "plant Tech Solutions GmbH gerade ein Event?" in text_of(smtp.to(address)[-1])

    # asked for again with consent confirmed: opens are measured, the download link stays
    # as it is (it records itself; its token never travels in email.clicked)
    await request_magnet(client, capture_settings, address, "sieben_fehler")
    await eventually(lambda: sends(db, lead_id), lambda found: len(found) == 5)
    assert await deliver_due(mailer) == 1
    again = smtp.to(address)[-1]
    assert "/v1/e/o/" in html_of(again)
    assert f'<a href="{download_link(again)}">PDF herunterladen</a>' in html_of(again)
