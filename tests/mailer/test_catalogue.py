"""The published event catalogue (docs/asyncapi/mailer.json) is what the code declares."""

from __future__ import annotations

from pathlib import Path

from auftakt_common.catalogue import asyncapi_json
from auftakt_mailer.app import MailerService
from auftakt_mailer.settings import MailerSettings

CATALOGUE = Path(__file__).parents[2] / "docs" / "asyncapi" / "mailer.json"


def test_the_asyncapi_document_in_the_docs_is_up_to_date(mailer_settings: MailerSettings) -> None:
    service = MailerService(mailer_settings, dispatch=False)
    generated = asyncapi_json(service.broker, title="Auftakt mailer", version="0.1.0")
    assert generated == CATALOGUE.read_text(), (
        "regenerate: python -m auftakt_mailer asyncapi > docs/asyncapi/mailer.json"
    )
    for subject in ("lead.magnet_downloaded", "consent.confirmed", "email.sent"):
        assert f'"address": "{subject}"' in generated
