"""The links in Auftakt's mails, served by capture: double-opt-in confirmation, unsubscribe
(RFC 8058 one-click and the page), the open pixel and the click redirect."""

from __future__ import annotations

import asyncio
import io
import json
import os
import time
import uuid

import httpx
from asgi_lifespan import LifespanManager
from auftakt_capture.app import create_app
from auftakt_capture.settings import CaptureSettings
from auftakt_common.embedded import free_port
from auftakt_common.logging import configure_logging
from auftakt_common.tokens import MailLink, MailLinks
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from nats.aio.client import Client

from tests.events import for_lead, stream_messages

from .helpers import execute, query, unique_email
from .test_leads import lead_id_of

SEND_ID = uuid.UUID("5e0d0000-0000-4000-8000-000000000001")


def mail_links(settings: CaptureSettings) -> MailLinks:
    return MailLinks(settings.signing_key_bytes)


CREATED = ["lead.created", "consent.requested"]  # what `new_lead` publishes


async def submit(
    client: httpx.AsyncClient, settings: CaptureSettings, email: str, *, consent: bool = True
) -> uuid.UUID:
    body: dict[str, object] = {"email": email}
    if consent:
        body |= {"consent_marketing": True, "consent_text": "Ja, ich möchte Tipps per E-Mail."}
    response = await client.post("/v1/leads", json=body)
    assert response.status_code == 201
    return uuid.UUID(lead_id_of(response, settings))


async def new_lead(
    client: httpx.AsyncClient, settings: CaptureSettings, email: str | None = None
) -> uuid.UUID:
    return await submit(client, settings, email or unique_email())


async def confirm(client: httpx.AsyncClient, token: str) -> httpx.Response:
    """What the confirmation page's button sends."""
    return await client.post("/v1/consent/confirm", params={"token": token}, data={"confirm": "1"})


async def opt_out(client: httpx.AsyncClient, settings: CaptureSettings, lead_id: uuid.UUID) -> None:
    token = issue(settings, "unsubscribe", lead_id, send_id=SEND_ID)
    response = await client.post(
        "/v1/unsubscribe", params={"token": token}, data={"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200


def issue(settings: CaptureSettings, purpose: str, lead_id: uuid.UUID, **link: object) -> str:
    return mail_links(settings).issue(purpose, MailLink(lead_id, **link))  # type: ignore[arg-type]


def issued_days_ago(settings: CaptureSettings, purpose: str, token: str, days: int) -> str:
    """The same token, signed as if it had been issued `days` ago."""
    salt = f"auftakt.mail.{purpose}"
    payload = URLSafeTimedSerializer(settings.signing_key_bytes, salt=salt).loads(token)

    class IssuedEarlier(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - days * 86400

    earlier = URLSafeTimedSerializer(settings.signing_key_bytes, salt=salt, signer=IssuedEarlier)
    return str(earlier.dumps(payload))


async def consent_states(settings: CaptureSettings, lead_id: uuid.UUID) -> list[str]:
    rows = await query(
        settings.database_url,
        "SELECT state FROM capture.consents WHERE lead_id = :id AND purpose = 'marketing_email' "
        "ORDER BY recorded_at",
        id=lead_id,
    )
    return [row["state"] for row in rows]


async def consent_flag(settings: CaptureSettings, lead_id: uuid.UUID) -> bool:
    [row] = await query(
        settings.database_url,
        "SELECT consent_marketing FROM capture.leads WHERE id = :id",
        id=lead_id,
    )
    return bool(row["consent_marketing"])


async def erase(settings: CaptureSettings, lead_id: uuid.UUID) -> None:
    await execute(settings.database_url, "DELETE FROM capture.leads WHERE id = :id", id=lead_id)


async def subjects_for(nc: Client, lead_id: uuid.UUID, expect: int) -> list[str]:
    return [s for s, _, _ in await stream_messages(nc, for_lead(str(lead_id)), expect=expect)]


async def test_opening_the_confirmation_link_only_asks_and_records_nothing(
    client: httpx.AsyncClient, capture_settings: CaptureSettings, nc: Client
) -> None:
    lead_id = await new_lead(client, capture_settings)
    token = issue(capture_settings, "confirm", lead_id)

    # a mail scanner fetching the link, twice
    for _ in range(2):
        response = await client.get("/v1/consent/confirm", params={"token": token})
        assert response.status_code == 200
        assert "text/html" in response.headers["content-type"]
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["cache-control"] == "no-store, max-age=0"
        assert '<form method="post"' in response.text
        assert f'action="?token={token}"' in response.text
        assert ">Anmeldung bestätigen</button>" in response.text
        assert "Anmeldung bestätigt" not in response.text

    assert await consent_states(capture_settings, lead_id) == ["requested"]
    assert await subjects_for(nc, lead_id, expect=2) == CREATED


async def test_the_confirmation_page_s_button_records_the_consent_and_publishes_consent_confirmed(
    client: httpx.AsyncClient, capture_settings: CaptureSettings, nc: Client
) -> None:
    lead_id = await new_lead(client, capture_settings)
    token = issue(capture_settings, "confirm", lead_id)
    await execute(
        capture_settings.database_url,
        "UPDATE capture.leads SET consent_marketing = false WHERE id = :id",
        id=lead_id,
    )

    response = await confirm(client, token)

    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert "Anmeldung bestätigt" in response.text and "Vielen Dank" in response.text
    assert response.headers["referrer-policy"] == "no-referrer"
    assert await consent_states(capture_settings, lead_id) == ["requested", "confirmed"]
    assert await consent_flag(capture_settings, lead_id)
    events = await stream_messages(nc, for_lead(str(lead_id)), expect=3)
    assert [subject for subject, _, _ in events] == [*CREATED, "consent.confirmed"]
    assert events[-1][1]["purpose"] == "marketing_email"


async def test_confirming_twice_records_the_consent_once_and_publishes_one_consent_confirmed(
    client: httpx.AsyncClient, capture_settings: CaptureSettings, nc: Client
) -> None:
    lead_id = await new_lead(client, capture_settings)
    token = issue(capture_settings, "confirm", lead_id)

    first = await confirm(client, token)
    second = await confirm(client, token)
    opened_again = await client.get("/v1/consent/confirm", params={"token": token})

    for response in (first, second, opened_again):
        assert response.status_code == 200
        assert "Anmeldung bestätigt" in response.text
    assert "bereits bestätigt" in opened_again.text
    assert "<form" not in opened_again.text
    assert await consent_states(capture_settings, lead_id) == ["requested", "confirmed"]
    assert await consent_flag(capture_settings, lead_id)
    subjects = await subjects_for(nc, lead_id, expect=3)
    assert subjects.count("consent.confirmed") == 1


async def test_two_simultaneous_clicks_on_the_confirmation_button_confirm_once(
    client: httpx.AsyncClient, capture_settings: CaptureSettings, nc: Client
) -> None:
    lead_id = await new_lead(client, capture_settings)
    token = issue(capture_settings, "confirm", lead_id)

    responses = await asyncio.gather(*(confirm(client, token) for _ in range(3)))

    assert [r.status_code for r in responses] == [200, 200, 200]
    assert await consent_states(capture_settings, lead_id) == ["requested", "confirmed"]
    subjects = await subjects_for(nc, lead_id, expect=3)
    assert subjects.count("consent.confirmed") == 1


async def test_an_expired_confirmation_link_is_a_410_page_saying_how_to_get_a_new_one(
    client: httpx.AsyncClient, capture_settings: CaptureSettings
) -> None:
    lead_id = await new_lead(client, capture_settings)
    days = capture_settings.doi_link_days + 1
    token = issued_days_ago(
        capture_settings, "confirm", issue(capture_settings, "confirm", lead_id), days
    )

    shown = await client.get("/v1/consent/confirm", params={"token": token})
    posted = await confirm(client, token)

    for response in (shown, posted):
        assert response.status_code == 410
        assert "abgelaufen" in response.text
        assert "Formular" in response.text and "noch einmal" in response.text
        assert "<form" not in response.text
    assert await consent_states(capture_settings, lead_id) == ["requested"]


async def test_a_confirmation_link_within_its_days_still_works(
    client: httpx.AsyncClient, capture_settings: CaptureSettings
) -> None:
    lead_id = await new_lead(client, capture_settings)
    days = capture_settings.doi_link_days - 1
    token = issued_days_ago(
        capture_settings, "confirm", issue(capture_settings, "confirm", lead_id), days
    )

    shown = await client.get("/v1/consent/confirm", params={"token": token})
    posted = await confirm(client, token)

    assert (shown.status_code, posted.status_code) == (200, 200)
    assert ">Anmeldung bestätigen</button>" in shown.text
    assert await consent_states(capture_settings, lead_id) == ["requested", "confirmed"]


async def test_a_forged_or_missing_confirmation_token_is_a_400_page_and_changes_nothing(
    client: httpx.AsyncClient, capture_settings: CaptureSettings
) -> None:
    lead_id = await new_lead(client, capture_settings)
    forged = MailLinks(os.urandom(32)).issue("confirm", MailLink(lead_id))
    genuine = issue(capture_settings, "confirm", lead_id)
    tampered = genuine[:-2] + ("AA" if not genuine.endswith("AA") else "BB")

    for params in ({"token": forged}, {"token": tampered}, {"token": "kaputt"}, {}):
        shown = await client.get("/v1/consent/confirm", params=params)
        posted = await client.post("/v1/consent/confirm", params=params, data={"confirm": "1"})
        for response in (shown, posted):
            assert response.status_code == 400, params
            assert "Ungültiger Link" in response.text
    assert await consent_states(capture_settings, lead_id) == ["requested"]


async def test_confirming_for_an_erased_lead_is_a_neutral_404_page(
    client: httpx.AsyncClient, capture_settings: CaptureSettings
) -> None:
    lead_id = await new_lead(client, capture_settings)
    token = issue(capture_settings, "confirm", lead_id)
    await erase(capture_settings, lead_id)

    shown = await client.get("/v1/consent/confirm", params={"token": token})
    posted = await confirm(client, token)

    for response in (shown, posted):
        assert response.status_code == 404
        assert "text/html" in response.headers["content-type"]
        assert "keine Daten" in response.text
        assert "<form" not in response.text


async def test_a_new_lead_with_consent_is_asked_once_consent_requested_after_lead_created(
    client: httpx.AsyncClient, capture_settings: CaptureSettings, nc: Client
) -> None:
    response = await client.post(
        "/v1/leads",
        json={"email": unique_email(), "consent_marketing": True},
        headers={"X-Correlation-ID": "doi-request-1"},
    )
    assert response.status_code == 201
    lead_id = uuid.UUID(lead_id_of(response, capture_settings))

    events = await stream_messages(nc, for_lead(str(lead_id)), expect=2)
    assert [subject for subject, _, _ in events] == CREATED
    requested = events[1]
    assert requested[1]["purpose"] == "marketing_email"
    assert [headers["X-Correlation-ID"] for _, _, headers in events] == ["doi-request-1"] * 2
    assert await consent_states(capture_settings, lead_id) == ["requested"]
    assert await consent_flag(capture_settings, lead_id)


async def test_a_submission_without_consent_requests_none(
    client: httpx.AsyncClient, capture_settings: CaptureSettings, nc: Client
) -> None:
    email = unique_email()
    lead_id = await submit(client, capture_settings, email, consent=False)
    assert await submit(client, capture_settings, email, consent=False) == lead_id

    assert await subjects_for(nc, lead_id, expect=2) == ["lead.created", "lead.updated"]
    assert await consent_states(capture_settings, lead_id) == []
    assert not await consent_flag(capture_settings, lead_id)


async def test_submitting_again_after_the_link_expired_requests_consent_again(
    client: httpx.AsyncClient, capture_settings: CaptureSettings, nc: Client
) -> None:
    email = unique_email()
    lead_id = await new_lead(client, capture_settings, email)
    expired = issued_days_ago(
        capture_settings,
        "confirm",
        issue(capture_settings, "confirm", lead_id),
        capture_settings.doi_link_days + 1,
    )
    assert (await client.get("/v1/consent/confirm", params={"token": expired})).status_code == 410

    # what the expired-link page asks for: the form once more, consent ticked again
    assert await new_lead(client, capture_settings, email) == lead_id

    events = await stream_messages(nc, for_lead(str(lead_id)), expect=4)
    assert [subject for subject, _, _ in events] == [*CREATED, "lead.updated", *CREATED[1:]]
    assert events[2][1]["changed_fields"] == []  # consent was ticked before: nothing changed
    assert events[3][1]["purpose"] == "marketing_email"
    assert await consent_states(capture_settings, lead_id) == ["requested", "requested"]
    # …and the new mail's link confirms
    assert (await confirm(client, issue(capture_settings, "confirm", lead_id))).status_code == 200
    assert await consent_states(capture_settings, lead_id) == [
        "requested",
        "requested",
        "confirmed",
    ]


async def test_an_opted_out_lead_ticking_consent_again_is_asked_again(
    client: httpx.AsyncClient, capture_settings: CaptureSettings, nc: Client
) -> None:
    email = unique_email()
    lead_id = await new_lead(client, capture_settings, email)
    assert (await confirm(client, issue(capture_settings, "confirm", lead_id))).status_code == 200
    await opt_out(client, capture_settings, lead_id)

    assert await new_lead(client, capture_settings, email) == lead_id

    events = await stream_messages(nc, for_lead(str(lead_id)), expect=6)
    assert [subject for subject, _, _ in events] == [
        *CREATED,
        "consent.confirmed",
        "lead.opted_out",
        "lead.updated",
        "consent.requested",
    ]
    assert events[4][1]["changed_fields"] == ["consent_marketing"]
    assert await consent_states(capture_settings, lead_id) == [
        "requested",
        "confirmed",
        "withdrawn",
        "requested",
    ]
    assert await consent_flag(capture_settings, lead_id)


async def test_a_confirmed_lead_submitting_again_with_consent_is_not_asked_again(
    client: httpx.AsyncClient, capture_settings: CaptureSettings, nc: Client
) -> None:
    email = unique_email()
    lead_id = await new_lead(client, capture_settings, email)
    assert (await confirm(client, issue(capture_settings, "confirm", lead_id))).status_code == 200

    assert await new_lead(client, capture_settings, email) == lead_id

    subjects = await subjects_for(nc, lead_id, expect=4)
    assert subjects == [*CREATED, "consent.confirmed", "lead.updated"]
    assert await consent_states(capture_settings, lead_id) == ["requested", "confirmed"]
    assert await consent_flag(capture_settings, lead_id)


async def test_opening_the_unsubscribe_link_only_asks_and_changes_nothing(
    client: httpx.AsyncClient, capture_settings: CaptureSettings, nc: Client
) -> None:
    lead_id = await new_lead(client, capture_settings)
    token = issue(capture_settings, "unsubscribe", lead_id, send_id=SEND_ID)

    response = await client.get("/v1/unsubscribe", params={"token": token})

    assert response.status_code == 200
    assert '<form method="post"' in response.text
    assert f'action="?token={token}"' in response.text
    assert ">Abmelden</button>" in response.text
    assert await consent_states(capture_settings, lead_id) == ["requested"]
    assert await consent_flag(capture_settings, lead_id)
    assert await subjects_for(nc, lead_id, expect=2) == CREATED


async def test_one_click_unsubscribe_withdraws_consent_and_publishes_lead_opted_out_once(
    client: httpx.AsyncClient, capture_settings: CaptureSettings, nc: Client
) -> None:
    lead_id = await new_lead(client, capture_settings)
    token = issue(capture_settings, "unsubscribe", lead_id, send_id=SEND_ID)

    for _ in range(2):  # the provider's POST, then the person clicking again
        response = await client.post(
            "/v1/unsubscribe",
            params={"token": token},
            data={"List-Unsubscribe": "One-Click"},
        )
        assert response.status_code == 200
        assert "Sie wurden abgemeldet" in response.text

    assert await consent_states(capture_settings, lead_id) == ["requested", "withdrawn"]
    assert not await consent_flag(capture_settings, lead_id)
    events = await stream_messages(nc, for_lead(str(lead_id)), expect=3)
    opted_out = [payload for subject, payload, _ in events if subject == "lead.opted_out"]
    assert len(opted_out) == 1
    assert opted_out[0]["method"] == "one_click"
    assert opted_out[0]["send_id"] == str(SEND_ID)


async def test_one_click_sent_as_multipart_counts_as_one_click_too(
    client: httpx.AsyncClient, capture_settings: CaptureSettings, nc: Client
) -> None:
    lead_id = await new_lead(client, capture_settings)
    token = issue(capture_settings, "unsubscribe", lead_id)
    body = (
        b"--grenze\r\n"
        b'Content-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
        b"One-Click\r\n"
        b"--grenze--\r\n"
    )

    response = await client.post(
        "/v1/unsubscribe",
        params={"token": token},
        content=body,
        headers={"Content-Type": "multipart/form-data; boundary=grenze"},
    )

    assert response.status_code == 200
    events = await stream_messages(nc, for_lead(str(lead_id)), expect=3)
    [opted_out] = [payload for subject, payload, _ in events if subject == "lead.opted_out"]
    assert opted_out["method"] == "one_click"
    assert opted_out["send_id"] is None


async def test_the_unsubscribe_page_s_own_button_is_recorded_as_method_page(
    client: httpx.AsyncClient, capture_settings: CaptureSettings, nc: Client
) -> None:
    lead_id = await new_lead(client, capture_settings)
    token = issue(capture_settings, "unsubscribe", lead_id, send_id=SEND_ID)

    response = await client.post("/v1/unsubscribe", params={"token": token}, data={"confirm": "1"})

    assert response.status_code == 200
    assert "Sie wurden abgemeldet" in response.text
    assert not await consent_flag(capture_settings, lead_id)
    events = await stream_messages(nc, for_lead(str(lead_id)), expect=3)
    [opted_out] = [payload for subject, payload, _ in events if subject == "lead.opted_out"]
    assert opted_out["method"] == "page"


async def test_unsubscribing_an_erased_lead_shows_the_same_page_and_publishes_nothing(
    client: httpx.AsyncClient, capture_settings: CaptureSettings, nc: Client
) -> None:
    lead_id = await new_lead(client, capture_settings)
    token = issue(capture_settings, "unsubscribe", lead_id)
    await erase(capture_settings, lead_id)

    response = await client.post(
        "/v1/unsubscribe", params={"token": token}, data={"List-Unsubscribe": "One-Click"}
    )

    assert response.status_code == 200
    assert "Sie wurden abgemeldet" in response.text
    assert await subjects_for(nc, lead_id, expect=2) == CREATED


async def test_a_forged_unsubscribe_token_is_a_400_page(
    client: httpx.AsyncClient, capture_settings: CaptureSettings
) -> None:
    lead_id = await new_lead(client, capture_settings)
    forged = MailLinks(os.urandom(32)).issue("unsubscribe", MailLink(lead_id))

    shown = await client.get("/v1/unsubscribe", params={"token": forged})
    posted = await client.post(
        "/v1/unsubscribe", params={"token": forged}, data={"List-Unsubscribe": "One-Click"}
    )

    assert (shown.status_code, posted.status_code) == (400, 400)
    assert "Ungültiger Link" in posted.text
    assert await consent_flag(capture_settings, lead_id)


async def test_the_open_pixel_is_a_gif_and_publishes_email_opened_with_the_send_id(
    client: httpx.AsyncClient, capture_settings: CaptureSettings, nc: Client
) -> None:
    lead_id = await new_lead(client, capture_settings)
    token = issue(capture_settings, "open", lead_id, send_id=SEND_ID)

    response = await client.get(f"/v1/e/o/{token}")

    assert response.status_code == 200
    assert response.headers["content-type"] == "image/gif"
    assert response.headers["cache-control"] == "no-store, max-age=0"
    assert response.content.startswith(b"GIF89a\x01\x00\x01\x00")
    events = await stream_messages(nc, for_lead(str(lead_id)), expect=3)
    [opened] = [payload for subject, payload, _ in events if subject == "email.opened"]
    assert opened["send_id"] == str(SEND_ID)


async def test_the_open_pixel_is_a_gif_for_forged_tokens_and_erased_leads_but_records_nothing(
    client: httpx.AsyncClient, capture_settings: CaptureSettings, nc: Client
) -> None:
    lead_id = await new_lead(client, capture_settings)
    genuine = issue(capture_settings, "open", lead_id, send_id=SEND_ID)
    forged = MailLinks(os.urandom(32)).issue("open", MailLink(lead_id, SEND_ID))

    forged_response = await client.get(f"/v1/e/o/{forged}")
    await erase(capture_settings, lead_id)
    erased_response = await client.get(f"/v1/e/o/{genuine}")

    for response in (forged_response, erased_response):
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/gif"
    assert await subjects_for(nc, lead_id, expect=2) == CREATED


async def test_a_click_redirects_to_the_signed_url_and_publishes_email_clicked(
    client: httpx.AsyncClient, capture_settings: CaptureSettings, nc: Client
) -> None:
    lead_id = await new_lead(client, capture_settings)
    url = "https://www.musikfuerfirmen.de/preise?utm_source=mail&for=anna%40example-firma.de"
    token = issue(capture_settings, "click", lead_id, send_id=SEND_ID, url=url)

    # a target in the query string is ignored: the only target is the signed one
    response = await client.get(f"/v1/e/c/{token}", params={"url": "https://evil.example"})

    assert response.status_code == 302
    assert response.headers["location"] == url
    assert response.headers["cache-control"] == "no-store, max-age=0"
    events = await stream_messages(nc, for_lead(str(lead_id)), expect=3)
    [clicked] = [payload for subject, payload, _ in events if subject == "email.clicked"]
    assert clicked["send_id"] == str(SEND_ID)
    assert clicked["url"] == "https://www.musikfuerfirmen.de/preise?utm_source=mail&for=[email]"


async def test_a_click_link_in_a_mail_from_before_download_links_still_redirects(
    client: httpx.AsyncClient, capture_settings: CaptureSettings
) -> None:
    lead_id = await new_lead(client, capture_settings)
    url = "https://www.musikfuerfirmen.de/bands"
    # the payload as mails carried it then: lead, send, address (no fourth element)
    earlier = URLSafeTimedSerializer(capture_settings.signing_key_bytes, salt="auftakt.mail.click")
    token = str(earlier.dumps([lead_id.hex, SEND_ID.hex, url]))

    response = await client.get(f"/v1/e/c/{token}")

    assert (response.status_code, response.headers["location"]) == (302, url)


async def test_a_click_for_an_erased_lead_still_redirects_but_records_nothing(
    client: httpx.AsyncClient, capture_settings: CaptureSettings, nc: Client
) -> None:
    lead_id = await new_lead(client, capture_settings)
    url = "https://www.musikfuerfirmen.de/bands"
    token = issue(capture_settings, "click", lead_id, send_id=SEND_ID, url=url)
    await erase(capture_settings, lead_id)

    response = await client.get(f"/v1/e/c/{token}")

    assert (response.status_code, response.headers["location"]) == (302, url)
    assert await subjects_for(nc, lead_id, expect=2) == CREATED


async def test_a_tampered_click_token_is_a_404_page_and_redirects_nowhere(
    client: httpx.AsyncClient, capture_settings: CaptureSettings, nc: Client
) -> None:
    lead_id = await new_lead(client, capture_settings)
    genuine = issue(capture_settings, "click", lead_id, send_id=SEND_ID, url="https://a.example/")
    forged = MailLinks(os.urandom(32)).issue(
        "click", MailLink(lead_id, SEND_ID, "https://evil.example/")
    )
    tampered = genuine[:-2] + ("AA" if not genuine.endswith("AA") else "BB")

    for token in (forged, tampered):
        response = await client.get(f"/v1/e/c/{token}")
        assert response.status_code == 404
        assert "location" not in response.headers
        assert "Link nicht gefunden" in response.text
    assert await subjects_for(nc, lead_id, expect=2) == CREATED


async def test_a_signed_click_to_anything_but_a_web_address_is_refused(
    client: httpx.AsyncClient, capture_settings: CaptureSettings
) -> None:
    lead_id = await new_lead(client, capture_settings)
    for url in ("javascript:alert(1)", "mailto:info@example.de", "//evil.example/", "https:///"):
        token = issue(capture_settings, "click", lead_id, send_id=SEND_ID, url=url)
        response = await client.get(f"/v1/e/c/{token}")
        assert response.status_code == 404, url
        assert "location" not in response.headers


async def test_a_token_made_for_one_purpose_does_not_work_for_another(
    client: httpx.AsyncClient, capture_settings: CaptureSettings
) -> None:
    lead_id = await new_lead(client, capture_settings)
    unsubscribe_token = issue(capture_settings, "unsubscribe", lead_id, send_id=SEND_ID)
    confirm_token = issue(capture_settings, "confirm", lead_id)
    opened = issue(capture_settings, "open", lead_id, send_id=SEND_ID, url="https://a.example/")

    shown_as_confirm = await client.get("/v1/consent/confirm", params={"token": unsubscribe_token})
    as_confirm = await confirm(client, unsubscribe_token)
    as_unsubscribe = await client.post(
        "/v1/unsubscribe", params={"token": confirm_token}, data={"List-Unsubscribe": "One-Click"}
    )
    as_click = await client.get(f"/v1/e/c/{opened}")

    assert (shown_as_confirm.status_code, as_confirm.status_code) == (400, 400)
    assert as_unsubscribe.status_code == 400
    assert as_click.status_code == 404 and "location" not in as_click.headers
    assert await consent_states(capture_settings, lead_id) == ["requested"]
    assert await consent_flag(capture_settings, lead_id)


async def test_tokens_in_mail_links_never_reach_the_logs(
    client: httpx.AsyncClient, capture_settings: CaptureSettings
) -> None:
    lead_id = await new_lead(client, capture_settings)
    tokens = {
        "confirm": issue(capture_settings, "confirm", lead_id),
        "open": issue(capture_settings, "open", lead_id, send_id=SEND_ID),
        "click": issue(
            capture_settings, "click", lead_id, send_id=SEND_ID, url="https://a.example/"
        ),
    }
    logs = io.StringIO()
    configure_logging(service="capture", fmt="json", level="DEBUG", stream=logs)
    try:
        await client.get("/v1/consent/confirm", params={"token": tokens["confirm"]})
        await confirm(client, tokens["confirm"])
        await client.get(f"/v1/e/o/{tokens['open']}")
        await client.get(f"/v1/e/c/{tokens['click']}")
        await client.get(f"/v1/e/c/{tokens['click']}x")  # refused, and logged as refused
        await client.get(f"/v1/e/x/{tokens['open']}")  # no such route
    finally:
        configure_logging(service="capture", fmt="console")

    # the test's own HTTP client logs the URLs it requests; capture's lines are the rest
    lines = [json.loads(line) for line in logs.getvalue().splitlines() if line.strip()]
    logged = "\n".join(json.dumps(line) for line in lines if line.get("logger") != "httpx")
    assert "/v1/e/o/{token}" in logged and "/v1/e/c/{token}" in logged
    assert "mail link refused" in logged
    for token in tokens.values():
        assert token not in logged
        assert token[8:40] not in logged


async def test_with_postgresql_down_pixel_and_redirect_still_work_and_pages_say_so_in_german(
    capture_settings: CaptureSettings,
) -> None:
    settings = capture_settings.model_copy(
        update={"database_url": f"postgresql+psycopg://auftakt@127.0.0.1:{free_port()}/auftakt"}
    )
    lead_id = uuid.uuid4()
    url = "https://www.musikfuerfirmen.de/bands"
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
        transport = httpx.ASGITransport(app=app, client=("198.51.100.21", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://capture.test") as client:
            pixel = await client.get(f"/v1/e/o/{issue(settings, 'open', lead_id, send_id=SEND_ID)}")
            click = await client.get(
                f"/v1/e/c/{issue(settings, 'click', lead_id, send_id=SEND_ID, url=url)}"
            )
            confirm_token = issue(settings, "confirm", lead_id)
            shown = await client.get("/v1/consent/confirm", params={"token": confirm_token})
            confirmed = await confirm(client, confirm_token)
            unsubscribe = await client.post(
                "/v1/unsubscribe",
                params={"token": issue(settings, "unsubscribe", lead_id)},
                data={"List-Unsubscribe": "One-Click"},
            )

    assert (pixel.status_code, pixel.headers["content-type"]) == (200, "image/gif")
    assert (click.status_code, click.headers["location"]) == (302, url)
    for page in (shown, confirmed, unsubscribe):
        assert page.status_code == 503
        assert page.headers["retry-after"] == "5"
        assert "Gerade nicht erreichbar" in page.text
