"""One form of address everywhere: with AUFTAKT_ADDRESS_FORM=du capture's pages, form
checks, the calculator and its script speak "du" as the mails do; "Sie" is the default."""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import uuid4

import httpx
import pytest
from asgi_lifespan import LifespanManager
from auftakt_capture.app import create_app
from auftakt_capture.settings import CaptureSettings
from auftakt_capture.wording import words
from auftakt_common.tokens import MailLink, MailLinks

_FORMAL = ("Sie ", "Ihr ", "Ihre ", "Ihnen")


@pytest.fixture
async def informal(capture_settings: CaptureSettings) -> AsyncIterator[httpx.AsyncClient]:
    settings = capture_settings.model_copy(update={"address_form": "du"})
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://capture.test") as c:
            yield c


def test_every_word_exists_in_both_forms_of_address() -> None:
    assert set(words("sie")) == set(words("du"))
    for key, text in words("du").items():
        assert not any(formal in text for formal in _FORMAL), (key, text)


def _informal_only(text: str) -> None:
    assert not any(formal in text for formal in _FORMAL), text


async def test_pages_checks_and_the_calculator_say_du_when_configured(
    informal: httpx.AsyncClient, capture_settings: CaptureSettings
) -> None:
    links = MailLinks(capture_settings.signing_key_bytes)
    confirm = links.issue("confirm", MailLink(uuid4()))
    page = await informal.get("/v1/consent/confirm", params={"token": confirm})
    unsubscribe = links.issue("unsubscribe", MailLink(uuid4(), uuid4()))
    asked = await informal.get("/v1/unsubscribe", params={"token": unsubscribe})
    assert "Möchtest du keine Tipps und Angebote mehr" in asked.text
    broken = await informal.get("/v1/unsubscribe", params={"token": "kaputt"})
    assert "Bitte öffne ihn direkt aus unserer E-Mail" in broken.text
    for answer in (page, asked, broken):
        _informal_only(answer.text)

    checked = await informal.post(
        "/v1/leads",
        data={"form_id": "anfrage", "email": "kein-at-zeichen"},
        headers={"Accept": "text/html"},
    )
    assert checked.status_code == 422
    assert "Bitte gib eine gültige E-Mail-Adresse an." in checked.text
    assert "Bitte prüfe deine Angaben" in checked.text

    script = (await informal.get("/embed/calculator.js")).text
    assert "Was kostet Live-Musik für dein Event?" in script
    assert "Dein Ergebnis ist auf dem Weg in dein Postfach." in script
    quoted = await informal.post(
        "/v1/calculator/quote",
        json={"event_type": "sommerfest", "guests": 40, "hours": 3, "band_format": "duo"},
    )
    assert quoted.json()["html"].count("Dein Budgetrahmen:") == 1


async def test_sie_is_the_default(client: httpx.AsyncClient) -> None:
    script = (await client.get("/embed/calculator.js")).text
    assert "Was kostet Live-Musik für Ihr Event?" in script
    assert "Bitte versuchen Sie es in einer Minute erneut." in script
