"""Nurture sequences end to end: capture takes the form, the mailer sends into a real SMTP
server on loopback, consent decides what may follow, the clock is the test's."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from urllib.parse import urlsplit
from uuid import UUID

import httpx
from auftakt_capture.settings import CaptureSettings
from auftakt_common.events import ConsentConfirmed
from auftakt_common.tokens import LeadTokens
from auftakt_mailer.app import MailerService
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.scoring.helpers import MovableClock, publish

from .fakes import SmtpSink
from .helpers import deliver_due, enrolments, eventually, rows, sends, unique_address


async def submit_checklist_form(
    client: httpx.AsyncClient, settings: CaptureSettings, address: str, *, consent: bool
) -> str:
    response = await client.post(
        "/v1/leads",
        json={
            "email": address,
            "first_name": "Anna",
            "company_name": "Tech Solutions GmbH",
            "event_type": "weihnachtsfeier",
            "event_date": "2027-12-10",
            "guest_count": 120,
            "consent_marketing": consent,
            "consent_text": "Ja, ich möchte Tipps und Angebote per E-Mail erhalten.",
            "lead_magnet": "checklist_2025",
            "magnet_name": "Event-Checkliste 2025",
        },
    )
    assert response.status_code == 201, response.text
    return str(LeadTokens(settings.signing_key_bytes, "lead").verify(response.json()["lead_token"]))


async def enrolled(db: AsyncEngine, lead_id: str) -> None:
    await eventually(lambda: enrolments(db, lead_id), lambda found: len(found) == 1)


async def checklist_lead_asked_to_confirm(
    client: httpx.AsyncClient, settings: CaptureSettings, db: AsyncEngine, address: str
) -> str:
    """A lead that downloaded the checklist with consent ticked, once the mailer has
    enrolled it and queued its confirmation mail."""
    lead_id = await submit_checklist_form(client, settings, address, consent=True)
    await enrolled(db, lead_id)
    await eventually(lambda: sends(db, lead_id), lambda found: len(found) == 1)
    return lead_id


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


async def test_checklist_with_consent_gives_checklist_and_doi_at_once_and_step_two_at_72h_after_confirming(  # noqa: E501
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    mailer: MailerService,
    smtp: SmtpSink,
    clock: MovableClock,
    db: AsyncEngine,
) -> None:
    address = unique_address()
    lead_id = await checklist_lead_asked_to_confirm(
        client, capture_settings, db, address
    )  # the DOI

    assert await deliver_due(mailer) == 2
    checklist, doi = sorted(smtp.to(address), key=lambda m: "Checkliste" not in str(m["Subject"]))
    assert checklist["Subject"] == "Hier ist Ihre Checkliste 📋 (+ Bonus)"
    assert text_of(checklist).startswith("Hallo Anna,\n\nvielen Dank für Ihr Interesse!")
    assert "{{" not in text_of(checklist) and "{{" not in html_of(checklist)
    unsubscribe = str(checklist["List-Unsubscribe"])
    assert unsubscribe.startswith("<https://leads.musikfuerfirmen.de/v1/unsubscribe?token=")
    assert address not in unsubscribe and "anna" not in unsubscribe.lower()
    assert checklist["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Amtsgericht" in text_of(checklist)  # the imprint
    assert "/v1/e/o/" not in html_of(checklist)  # no tracking without consent
    assert doi["Subject"] == "Bitte bestätigen Sie Ihre Anmeldung"
    assert "https://leads.musikfuerfirmen.de/v1/consent/confirm?token=" in text_of(doi)

    confirmed = await client.post(path_of(_link(text_of(doi), "/v1/consent/confirm")))
    assert confirmed.status_code == 200
    await eventually(lambda: _consent_confirmed(db, lead_id), lambda confirmed: confirmed)
    clock.now += timedelta(hours=71)
    assert await deliver_due(mailer) == 0
    clock.now += timedelta(hours=1, minutes=1)
    assert await deliver_due(mailer) == 1
    [step_two] = [m for m in smtp.to(address) if "Schritt 2" in str(m["Subject"])]
    assert step_two["Subject"] == "Schritt 1 erledigt? Hier ist Schritt 2"
    assert "/v1/e/o/" in html_of(step_two)  # opens are measured with consent
    assert "https://leads.musikfuerfirmen.de/v1/e/c/" in html_of(step_two)
    assert "https://www.musikfuerfirmen.de/bands" not in html_of(step_two)
    assert await deliver_due(mailer) == 0


def _link(text: str, path: str) -> str:
    return next(word for word in text.split() if path in word)


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def _consent_confirmed(db: AsyncEngine, lead_id: str) -> bool:
    found = await rows(
        db,
        "SELECT consent_confirmed_at FROM mailer.leads WHERE lead_id = :id",
        id=UUID(lead_id),
    )
    return bool(found and found[0]["consent_confirmed_at"])


async def test_without_confirmation_there_is_no_step_two(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    mailer: MailerService,
    smtp: SmtpSink,
    clock: MovableClock,
    db: AsyncEngine,
) -> None:
    address = unique_address("ben")
    lead_id = await checklist_lead_asked_to_confirm(client, capture_settings, db, address)
    await deliver_due(mailer)
    clock.now += timedelta(hours=73)
    assert await deliver_due(mailer) == 0
    [enrolment] = await enrolments(db, lead_id)
    assert enrolment["state"] == "waiting_consent"
    clock.now += timedelta(days=8)  # the confirmation link has expired: the sequence ends
    await deliver_due(mailer)
    assert len(smtp.to(address)) == 2  # checklist and DOI, nothing else


async def test_without_consent_only_the_requested_checklist_goes_out(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    mailer: MailerService,
    smtp: SmtpSink,
    clock: MovableClock,
    db: AsyncEngine,
) -> None:
    address = unique_address("carla")
    lead_id = await submit_checklist_form(client, capture_settings, address, consent=False)
    await enrolled(db, lead_id)
    assert await deliver_due(mailer) == 1
    clock.now += timedelta(days=15)
    await deliver_due(mailer)
    [checklist] = smtp.to(address)
    assert "Checkliste" in str(checklist["Subject"])
    [enrolment] = await enrolments(db, lead_id)
    assert (enrolment["state"], enrolment["stop_reason"]) == ("stopped", "no_consent")


async def test_unsubscribing_stops_everything(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    mailer: MailerService,
    smtp: SmtpSink,
    clock: MovableClock,
    db: AsyncEngine,
    nc,
) -> None:
    address = unique_address("dora")
    lead_id = await checklist_lead_asked_to_confirm(client, capture_settings, db, address)
    await deliver_due(mailer)
    await publish(nc, ConsentConfirmed(lead_id=UUID(lead_id)))
    await eventually(lambda: _consent_confirmed(db, lead_id), lambda confirmed: confirmed)
    [checklist] = [m for m in smtp.to(address) if "Checkliste" in str(m["Subject"])]
    one_click = await client.post(
        path_of(str(checklist["List-Unsubscribe"]).strip("<>")),
        data={"List-Unsubscribe": "One-Click"},
    )
    assert one_click.status_code == 200
    await eventually(lambda: enrolments(db, lead_id), lambda found: found[0]["state"] == "stopped")
    clock.now += timedelta(days=20)
    assert await deliver_due(mailer) == 0
    assert len(smtp.to(address)) == 2
    [enrolment] = await enrolments(db, lead_id)
    assert enrolment["stop_reason"] == "opted_out"

    # weeks later the lead asks for the checklist again, consent ticked: the checklist
    # again (content it asked for) and a new confirmation mail
    await submit_checklist_form(client, capture_settings, address, consent=True)
    await eventually(lambda: sends(db, lead_id), lambda found: len(found) == 4)
    assert await deliver_due(mailer) == 2
    confirmations = [m for m in smtp.to(address) if "bestätigen" in str(m["Subject"])]
    assert len(confirmations) == 2
    assert len([m for m in smtp.to(address) if "Checkliste" in str(m["Subject"])]) == 2


async def test_the_confirmation_mail_carries_one_click_unsubscribe_that_records_the_opt_out(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    mailer: MailerService,
    smtp: SmtpSink,
    clock: MovableClock,
    db: AsyncEngine,
) -> None:
    address = unique_address("emil")
    lead_id = await checklist_lead_asked_to_confirm(client, capture_settings, db, address)
    await deliver_due(mailer)
    [doi] = [m for m in smtp.to(address) if "bestätigen" in str(m["Subject"])]
    unsubscribe = str(doi["List-Unsubscribe"])
    assert unsubscribe.startswith("<https://leads.musikfuerfirmen.de/v1/unsubscribe?token=")
    assert address not in unsubscribe
    assert doi["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Abmelden" in text_of(doi)

    one_click = await client.post(
        path_of(unsubscribe.strip("<>")), data={"List-Unsubscribe": "One-Click"}
    )
    assert one_click.status_code == 200
    ledger = await rows(
        db,
        "SELECT state FROM capture.consents WHERE lead_id = :id ORDER BY recorded_at",
        id=UUID(lead_id),
    )
    assert ledger[-1]["state"] == "withdrawn"
    opted_out = "SELECT opted_out_at FROM mailer.leads WHERE lead_id = :id"
    await eventually(
        lambda: rows(db, opted_out, id=UUID(lead_id)),
        lambda found: bool(found and found[0]["opted_out_at"]),
    )
