"""The mailer's settings: the shared personal-data base (it opens addresses and signs
links) plus transports, sender, imprint, dispatch and alerts."""

from __future__ import annotations

from email.utils import parseaddr
from pathlib import Path
from typing import Annotated, Literal

from auftakt_common.email_address import checked_email
from auftakt_common.events import Stage
from auftakt_common.settings import PersonalDataSettings
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode

_DEV_IMPRINT = (
    "Musik für Firmen GmbH · Musterstraße 1 · 10115 Berlin\n"
    "Geschäftsführung: Jonas Beispiel · Amtsgericht Berlin-Charlottenburg HRB 000000\n"
    "USt-IdNr.: DE000000000 · hallo@example.de"
)


class MailerSettings(PersonalDataSettings):
    # how mail leaves: `files` writes .eml files a person can open (development),
    # `smtp` hands it to a relay, `resend` posts it to the Resend API
    mailer_transport: Literal["files", "smtp", "resend"] = "files"
    mailer_files_dir: Path = Path(".auftakt/mail")
    mailer_smtp_host: str = "127.0.0.1"
    mailer_smtp_port: int = Field(default=587, ge=1, le=65535)
    mailer_smtp_username: str | None = None
    mailer_smtp_password: SecretStr | None = None
    mailer_smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    mailer_smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    # CA certificates to trust for the relay (a private relay's own CA); else the system's
    mailer_smtp_ca_file: Path | None = None
    # parallel SMTP connections (and Resend requests) per process
    mailer_connections: int = Field(default=8, ge=1, le=100)
    mailer_resend_url: str = "https://api.resend.com"
    mailer_resend_api_key: SecretStr | None = None
    # `whsec_…` from the Resend dashboard: bounce and complaint webhooks are verified
    mailer_resend_webhook_secret: SecretStr | None = None

    mailer_sender: str = "Jonas von Musik für Firmen <hallo@example.de>"
    mailer_reply_to: str | None = None
    # the sender's imprint (Impressum), printed under every mail; required by German law
    mailer_imprint: str = _DEV_IMPRINT

    # due mails claimed per round; a round starts when the last ended or after the interval
    mailer_batch_size: int = Field(default=1000, ge=1, le=10_000)
    # rounds under way at once per process: one claims and composes while another's mails
    # are in flight (rounds never share a mail: SKIP LOCKED)
    mailer_rounds_in_flight: int = Field(default=2, ge=1, le=8)
    mailer_poll_interval_seconds: float = Field(default=1.0, gt=0)
    # a send claimed this long ago and never recorded belongs to a process that died
    mailer_send_lease_seconds: int = Field(default=300, ge=1)
    # failed deliveries are retried with back-off this many times, then given up
    mailer_max_attempts: int = Field(default=8, ge=1, le=50)

    # HTTP endpoint for provider webhooks (and, in development, the mail viewer)
    mailer_http_host: str = "127.0.0.1"
    mailer_http_port: int = Field(default=8030, ge=1, le=65535)

    # hot-lead alerts: the stages whose entry alerts sales
    mailer_alert_stages: Annotated[list[Stage], NoDecode] = ["burning"]
    # alerts by e-mail (on unless switched off): to the lead's assigned rep, else to this
    # sales address (unset: the reply-to address, else the sender's)
    mailer_alert_by_email: bool = True
    mailer_alert_email: str | None = None
    mailer_slack_webhook_url: SecretStr | None = None
    mailer_whatsapp_url: str = "https://graph.facebook.com/v21.0"
    mailer_whatsapp_phone_number_id: str | None = None
    mailer_whatsapp_token: SecretStr | None = None
    mailer_whatsapp_recipients: Annotated[list[str], NoDecode] = []
    # an approved template (required for messages outside a 24 h conversation window);
    # its body takes four parameters: stage, score, company and event, lead link
    mailer_whatsapp_template: str | None = None
    mailer_whatsapp_template_language: str = "de"
    mailer_alert_timeout_seconds: float = Field(default=10.0, gt=0)

    @field_validator("mailer_alert_email")
    @classmethod
    def _alert_email_is_an_address(cls, value: str | None) -> str | None:
        # an alert to no one is noticed only when a lead is burning: refuse it at start
        return None if value is None else checked_email(value)

    @field_validator("mailer_alert_stages", "mailer_whatsapp_recipients", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip().startswith("["):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @model_validator(mode="after")
    def _transport_is_configured(self) -> MailerSettings:
        if self.mailer_transport == "resend" and self.mailer_resend_api_key is None:
            raise ValueError("AUFTAKT_MAILER_RESEND_API_KEY is required for the resend transport")
        if self.env == "production" and self.mailer_imprint == _DEV_IMPRINT:
            raise ValueError("AUFTAKT_MAILER_IMPRINT must be your imprint in production")
        if self.mailer_whatsapp_recipients and not (
            self.mailer_whatsapp_phone_number_id and self.mailer_whatsapp_token
        ):
            raise ValueError(
                "WhatsApp alerts need AUFTAKT_MAILER_WHATSAPP_PHONE_NUMBER_ID and _TOKEN"
            )
        return self

    @property
    def alert_address(self) -> str:
        """Where an alert about a lead nobody is assigned goes."""
        if self.mailer_alert_email:
            return self.mailer_alert_email
        return parseaddr(self.mailer_reply_to or self.mailer_sender)[1]

    @property
    def sender_domain(self) -> str:
        return self.mailer_sender.rsplit("@", 1)[-1].strip(" >") or "localhost"
