"""Delivery guarantees: each step once across processes and crashes, retries after
temporary failures, bounces suppress, provider webhooks are verified."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import ssl
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller
from auftakt_mailer.app import MailerService, create_app
from auftakt_mailer.messages import OutgoingMail
from auftakt_mailer.settings import MailerSettings
from auftakt_mailer.transports import ResendTransport, SmtpTransport, Transport
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from standardwebhooks.webhooks import Webhook

from tests.events import for_lead, stream_messages
from tests.scoring.helpers import MovableClock

from .conftest import clear_queue
from .fakes import Providers, SmtpSink
from .helpers import deliver_due, enrolments, eventually, known_leads, rows, sends


async def test_two_mailer_processes_send_each_step_exactly_once(
    mailer_settings: MailerSettings, mailer: MailerService, smtp: SmtpSink, db: AsyncEngine
) -> None:
    now = datetime.now(UTC)
    leads = await known_leads(db, mailer_settings, 300, due=now - timedelta(seconds=1))
    settings = mailer_settings.model_copy(update={"mailer_batch_size": 40})
    async with (
        MailerService(settings, dispatch=False) as first,
        MailerService(settings, dispatch=False) as second,
    ):
        sent = await asyncio.gather(deliver_due(first), deliver_due(second))
    assert sum(sent) == 300 and all(sent)  # both took a share
    addresses = {address for _, address in leads}
    received = Counter(r.recipients[0] for r in smtp.received if r.recipients[0] in addresses)
    assert set(received) == addresses and set(received.values()) == {1}


class ProcessDied(BaseException):
    """Stands for the process being killed: nothing after it runs, no cleanup."""


class DiesAfterHandingOver:
    """The real transport, then the process dies before the send is recorded."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport
        self.idempotent = transport.idempotent

    async def send(self, mail: OutgoingMail) -> str:
        await self._transport.send(mail)
        raise ProcessDied

    async def close(self) -> None:
        await self._transport.close()


async def _crash_once(settings: MailerSettings, transport: Transport, clock: MovableClock) -> None:
    async with MailerService(
        settings, clock=clock, transport=DiesAfterHandingOver(transport), dispatch=False
    ) as doomed:
        try:
            await doomed.dispatcher.run_round()
        except ProcessDied:
            pass
        else:
            raise AssertionError("the round should have died")


async def test_a_crash_between_smtp_send_and_record_does_not_send_twice(
    mailer_settings: MailerSettings,
    mailer: MailerService,
    smtp: SmtpSink,
    clock: MovableClock,
    db: AsyncEngine,
) -> None:
    [(lead_id, address)] = await known_leads(db, mailer_settings, 1, due=clock.now)
    await _crash_once(mailer_settings, SmtpTransport(mailer_settings), clock)
    assert len(smtp.to(address)) == 1
    assert [s["status"] for s in await sends(db, str(lead_id))] == ["sending"]

    clock.now += timedelta(seconds=mailer_settings.mailer_send_lease_seconds + 1)
    assert await deliver_due(mailer) == 0
    assert len(smtp.to(address)) == 1  # SMTP cannot tell: at most once, never twice
    assert [s["status"] for s in await sends(db, str(lead_id))] == ["unknown"]


async def test_a_crash_after_resend_took_the_mail_resends_with_the_same_idempotency_key(
    mailer_settings: MailerSettings, providers: Providers, clock: MovableClock, db: AsyncEngine
) -> None:
    settings = mailer_settings.model_copy(update={"mailer_transport": "resend"})
    [(lead_id, address)] = await known_leads(db, settings, 1, due=clock.now)
    await _crash_once(settings, ResendTransport(settings), clock)
    clock.now += timedelta(seconds=settings.mailer_send_lease_seconds + 1)
    async with MailerService(settings, clock=clock, dispatch=False) as recovered:
        await deliver_due(recovered)
    delivered = [d for d in providers.resend_deliveries if d["to"] == [address]]
    assert len(delivered) == 1  # the resend was recognised by its key
    assert delivered[0]["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert [(s["status"], s["attempts"]) for s in await sends(db, str(lead_id))] == [("sent", 2)]


@pytest.mark.parametrize("pipelining", [True, False], ids=["pipelined", "one-by-one"])
async def test_a_temporary_smtp_failure_is_retried_with_back_off_and_sent_once(
    pipelining: bool,
    mailer_settings: MailerSettings,
    mailer: MailerService,
    smtp: SmtpSink,
    clock: MovableClock,
    db: AsyncEngine,
) -> None:
    smtp.pipelining = pipelining
    [(lead_id, address)] = await known_leads(db, mailer_settings, 1, due=clock.now)
    smtp.busy[address] = 1
    assert await deliver_due(mailer) == 0
    assert [s["status"] for s in await sends(db, str(lead_id))] == ["retry"]
    clock.now += timedelta(seconds=31)
    assert await deliver_due(mailer) == 1
    assert len(smtp.to(address)) == 1
    assert [(s["status"], s["attempts"]) for s in await sends(db, str(lead_id))] == [("sent", 2)]


@pytest.mark.parametrize("pipelining", [True, False], ids=["pipelined", "one-by-one"])
async def test_an_address_refused_for_good_is_a_bounce_that_ends_the_sequences(
    pipelining: bool,
    mailer_settings: MailerSettings,
    mailer: MailerService,
    smtp: SmtpSink,
    clock: MovableClock,
    db: AsyncEngine,
    nc,
) -> None:
    smtp.pipelining = pipelining
    [(lead_id, address), (_, neighbour)] = await known_leads(db, mailer_settings, 2, due=clock.now)
    smtp.refused.add(address)
    await deliver_due(mailer)
    assert len(smtp.to(neighbour)) == 1  # the refusal did not break the connection
    [(subject, event, _)] = await stream_messages(nc, for_lead(str(lead_id)), expect=1)
    assert (subject, event["permanent"]) == ("email.bounced", True)
    await eventually(
        lambda: enrolments(db, str(lead_id)), lambda found: found[0]["state"] == "stopped"
    )
    [enrolment] = await enrolments(db, str(lead_id))
    assert enrolment["stop_reason"] == "bounced"


def _signed(settings: MailerSettings, payload: dict[str, object]) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    secret = settings.mailer_resend_webhook_secret
    assert secret is not None
    message_id, stamp = f"msg_{uuid.uuid4().hex}", datetime.now(UTC)
    signature = Webhook(secret.get_secret_value()).sign(message_id, stamp, body.decode())
    return body, {
        "svix-id": message_id,
        "svix-timestamp": str(int(stamp.timestamp())),
        "svix-signature": signature,
        "content-type": "application/json",
    }


async def test_a_verified_resend_bounce_webhook_suppresses_the_lead(
    mailer_settings: MailerSettings,
    mailer: MailerService,
    smtp: SmtpSink,
    clock: MovableClock,
    db: AsyncEngine,
) -> None:
    [(lead_id, address)] = await known_leads(db, mailer_settings, 1, due=clock.now)
    await deliver_due(mailer)
    [send] = await rows(db, "SELECT id FROM mailer.sends WHERE lead_id = :id", id=lead_id)
    payload = {
        "type": "email.bounced",
        "created_at": "2026-11-25T10:00:00Z",
        "data": {
            "email_id": "re_123",
            "tags": {"send_id": str(send["id"])},
            "bounce": {"type": "Permanent", "subType": "General", "message": "No such user"},
        },
    }
    body, headers = _signed(mailer_settings, payload)
    app = create_app(mailer_settings, service=mailer)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mailer.test") as http:
        forged = await http.post(
            "/v1/webhooks/resend", content=body, headers={**headers, "svix-signature": "v1,AAAA"}
        )
        assert forged.status_code == 401
        accepted = await http.post("/v1/webhooks/resend", content=body, headers=headers)
        assert accepted.status_code == 204
    await eventually(
        lambda: enrolments(db, str(lead_id)), lambda found: found[0]["stop_reason"] == "bounced"
    )
    clock.now += timedelta(days=20)
    assert await deliver_due(mailer) == 0
    assert len(smtp.to(address)) == 1


async def test_a_step_that_cannot_render_fails_alone_and_the_other_mails_go_out(
    mailer_settings: MailerSettings,
    mailer: MailerService,
    smtp: SmtpSink,
    clock: MovableClock,
    db: AsyncEngine,
) -> None:
    [(_, fine)] = await known_leads(db, mailer_settings, 1, due=clock.now)
    [(broken_lead, broken)] = await known_leads(
        db, mailer_settings, 1, due=clock.now, sequence="budget_calculator"
    )
    # stored around the editor's checks (an old row, a hand edit): it must not take the
    # round down with it
    change = """UPDATE mailer.steps SET subject = :subject FROM mailer.sequences s
                WHERE s.id = sequence_id AND s.key = 'budget_calculator' AND position = 1"""
    bump = "UPDATE mailer.sequences SET version = version + 1 WHERE key = 'budget_calculator'"
    [original] = await rows(
        db,
        """SELECT subject FROM mailer.steps JOIN mailer.sequences s ON s.id = sequence_id
           WHERE s.key = 'budget_calculator' AND position = 1""",
    )
    async with db.begin() as conn:
        await conn.execute(text(change), {"subject": "{{ guests + 1 }}"})
        await conn.execute(text(bump))
    try:
        mailer.book.invalidate()
        assert await deliver_due(mailer) == 1
    finally:
        async with db.begin() as conn:
            await conn.execute(text(change), {"subject": original["subject"]})
            await conn.execute(text(bump))
        mailer.book.invalidate()
    assert len(smtp.to(fine)) == 1 and smtp.to(broken) == []
    assert [s["status"] for s in await sends(db, str(broken_lead))] == ["failed"]


async def test_a_data_key_that_does_not_open_holds_back_only_its_own_mail(
    mailer_settings: MailerSettings,
    mailer: MailerService,
    smtp: SmtpSink,
    clock: MovableClock,
    db: AsyncEngine,
) -> None:
    [(_, fine), (damaged_lead, damaged)] = await known_leads(db, mailer_settings, 2, due=clock.now)
    async with db.begin() as conn:
        await conn.execute(
            text("UPDATE vault.data_keys SET wrapped_key = :junk WHERE lead_id = :id"),
            {"junk": b"\x01" + b"\0" * 60, "id": damaged_lead},
        )
    assert await deliver_due(mailer) == 1
    assert len(smtp.to(fine)) == 1 and smtp.to(damaged) == []
    assert [s["status"] for s in await sends(db, str(damaged_lead))] == ["retry"]


async def test_stopping_the_mailer_lets_the_mails_under_way_finish_and_be_recorded(
    mailer_settings: MailerSettings, smtp: SmtpSink, clock: MovableClock, db: AsyncEngine
) -> None:
    await clear_queue(mailer_settings)
    leads = await known_leads(db, mailer_settings, 5, due=clock.now)
    smtp.delay_seconds = 0.5
    service = MailerService(mailer_settings, clock=clock)  # dispatching on its own
    await service.start()
    await eventually(lambda: rows(db, "SELECT 1 FROM mailer.sends WHERE status = 'sending'"), bool)
    await service.stop()  # a deploy, a scale-down
    for lead_id, address in leads:
        assert len(smtp.to(address)) == 1
        assert [s["status"] for s in await sends(db, str(lead_id))] == ["sent"]


async def test_a_relay_offering_pipelining_gets_each_mail_in_one_round_trip(
    mailer_settings: MailerSettings, smtp: SmtpSink
) -> None:
    transport = SmtpTransport(mailer_settings)
    offered = await transport._session()
    smtp.pipelining = False
    not_offered = await transport._session()
    for session in (offered, not_offered):
        session.close()
    assert type(offered).__name__ == "_PipelinedSession"
    assert type(not_offered).__name__ == "_CommandSession"


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as a private relay might have."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "relay.test")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "relay.pem", folder / "relay.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


async def test_mail_goes_over_starttls_to_a_relay_with_its_own_ca_and_is_pipelined(
    mailer_settings: MailerSettings, tmp_path: Path
) -> None:
    cert, key = _self_signed(tmp_path)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    relay = SmtpSink()
    controller = Controller(relay, hostname="127.0.0.1", port=relay.port, tls_context=tls)
    controller.start()
    try:
        settings = mailer_settings.model_copy(
            update={
                "mailer_smtp_port": relay.port,
                "mailer_smtp_security": "starttls",
                "mailer_smtp_ca_file": cert,
            }
        )
        transport = SmtpTransport(settings)
        session = await transport._session()
        assert type(session).__name__ == "_PipelinedSession"
        session.close()
        mail = OutgoingMail(
            uuid.uuid4(),
            settings.mailer_sender,
            "anna@tech-solutions.example",
            "Über TLS",
            "<p>Hallo</p>",
            "Hallo",
            {"Message-ID": "<tls@musikfuerfirmen.de>"},
        )
        await transport.send(mail)
        await transport.close()
    finally:
        controller.stop()
    [received] = relay.to("anna@tech-solutions.example")
    assert received["Subject"] == "Über TLS"


async def test_webhooks_that_are_unsigned_malformed_or_not_ours_change_nothing(
    mailer_settings: MailerSettings, mailer: MailerService, db: AsyncEngine
) -> None:
    before = await rows(db, "SELECT count(*) AS n FROM mailer.outbox")
    app = create_app(mailer_settings, service=mailer)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mailer.test") as http:
        unsigned = await http.post("/v1/webhooks/resend", json={"type": "email.bounced"})
        assert unsigned.status_code == 401
        body, headers = _signed(mailer_settings, {"type": "email.bounced", "data": "nope"})
        malformed = await http.post("/v1/webhooks/resend", content=body, headers=headers)
        assert malformed.status_code == 422 and "data" in malformed.text
        body, headers = _signed(mailer_settings, {"type": "email.delivered", "data": {}})
        other = await http.post("/v1/webhooks/resend", content=body, headers=headers)
        assert other.status_code == 204
        payload = {"type": "email.bounced", "data": {"email_id": "re_unknown", "tags": {}}}
        body, headers = _signed(mailer_settings, payload)
        unknown_send = await http.post("/v1/webhooks/resend", content=body, headers=headers)
        assert unknown_send.status_code == 204
    assert await rows(db, "SELECT count(*) AS n FROM mailer.outbox") == before
