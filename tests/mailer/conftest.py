"""The mailer on real PostgreSQL and NATS, sending into an SMTP server on loopback, with
fake Slack, WhatsApp and Resend servers; its clock is moved by the test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from auftakt_common.testing import Servers
from auftakt_mailer.app import MailerService, migrate
from auftakt_mailer.settings import MailerSettings
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.scoring.helpers import MovableClock

from .fakes import Providers, SmtpServer, SmtpSink, serve_providers


@pytest.fixture(scope="session")
def smtp() -> Iterator[SmtpSink]:
    with SmtpServer(SmtpSink()) as sink:
        yield sink


@pytest.fixture(autouse=True)
def relay_behaves(smtp: SmtpSink) -> Iterator[None]:
    """Each test starts with a relay that offers PIPELINING, answers at once, refuses no
    one (the SMTP server is shared by the session)."""
    yield
    smtp.pipelining, smtp.delay_seconds = True, 0.0
    smtp.busy.clear()
    smtp.refused.clear()


@pytest.fixture(scope="session")
async def providers() -> AsyncIterator[Providers]:
    fake = Providers()
    server, task = await serve_providers(fake)
    yield fake
    server.should_exit = True
    await task


@pytest.fixture(scope="session")
def mailer_settings(
    servers: Servers, secrets: dict[str, str], smtp: SmtpSink, providers: Providers
) -> MailerSettings:
    settings = MailerSettings(
        env="test",
        database_url=servers.database_url,
        nats_url=servers.nats_url,
        public_url="https://leads.musikfuerfirmen.de",
        admin_url="https://crm.musikfuerfirmen.de/admin",
        mailer_transport="smtp",
        mailer_smtp_port=smtp.port,
        mailer_smtp_security="none",
        mailer_sender="Jonas von Musik für Firmen <hallo@musikfuerfirmen.de>",
        mailer_slack_webhook_url=f"{providers.url}/slack",  # type: ignore[arg-type]
        mailer_whatsapp_url=f"{providers.url}/v21.0",
        mailer_whatsapp_phone_number_id="1098765",
        mailer_whatsapp_token="wa-token",  # type: ignore[arg-type]
        mailer_whatsapp_recipients=["4917012345678"],
        mailer_whatsapp_template="hot_lead_alert",
        mailer_resend_url=providers.url,
        mailer_resend_api_key="re_test",  # type: ignore[arg-type]
        mailer_resend_webhook_secret="whsec_" + "c2VjcmV0LWZvci10ZXN0cy0xMjM0NTY3ODkw",  # type: ignore[arg-type]
        **secrets,  # type: ignore[arg-type]
    )
    migrate(settings)
    return settings


@pytest.fixture
async def mailer(
    mailer_settings: MailerSettings, clock: MovableClock
) -> AsyncIterator[MailerService]:
    """Consuming events; sending only when the test runs a round (`deliver_due`). Each test
    starts with an empty queue: other tests' sequences would fall due as clocks move."""
    await clear_queue(mailer_settings)
    async with MailerService(mailer_settings, clock=clock, dispatch=False) as service:
        yield service


async def clear_queue(settings: MailerSettings) -> None:
    engine = create_async_engine(settings.database_url)
    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE mailer.sends, mailer.enrolments, mailer.notifications"))
    await engine.dispose()
