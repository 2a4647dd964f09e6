"""Mailer settings that cannot work are refused at start, naming the setting."""

from __future__ import annotations

import pytest
from auftakt_mailer.settings import MailerSettings
from pydantic import ValidationError


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"mailer_transport": "resend"}, "AUFTAKT_MAILER_RESEND_API_KEY"),
        ({"env": "production", "public_url": "https://leads.example.de"}, "AUFTAKT_MAILER_IMPRINT"),
        ({"mailer_whatsapp_recipients": "4917012345678"}, "WHATSAPP_PHONE_NUMBER_ID"),
        ({"mailer_alert_stages": "burning,glowing"}, "mailer_alert_stages"),
        ({"mailer_smtp_port": 0}, "mailer_smtp_port"),
        ({"mailer_alert_email": "vertrieb"}, "mailer_alert_email"),
        ({"address_form": "ihr"}, "address_form"),
    ],
)
def test_settings_that_cannot_work_are_refused_naming_the_setting(
    settings: dict[str, object], named: str, secrets: dict[str, str]
) -> None:
    with pytest.raises(ValidationError) as refused:
        MailerSettings(**secrets, **settings)  # type: ignore[arg-type]
    assert named in str(refused.value)


def test_comma_separated_lists_are_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, secrets: dict[str, str]
) -> None:
    monkeypatch.setenv("AUFTAKT_MAILER_ALERT_STAGES", "burning, hot")
    monkeypatch.setenv("AUFTAKT_MAILER_WHATSAPP_RECIPIENTS", "4917012345678,4915112345678")
    settings = MailerSettings(
        mailer_whatsapp_phone_number_id="1",
        mailer_whatsapp_token="t",
        **secrets,  # type: ignore[arg-type]
    )
    assert settings.mailer_alert_stages == ["burning", "hot"]
    assert settings.mailer_whatsapp_recipients == ["4917012345678", "4915112345678"]
