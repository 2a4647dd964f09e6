"""Lead submissions: JSON and plain HTML forms, deduplication, consent, magnets, bots."""

from __future__ import annotations

import uuid

import httpx
import pytest
from asgi_lifespan import LifespanManager
from auftakt_capture.app import create_app
from auftakt_capture.settings import CaptureSettings
from auftakt_common.tokens import LeadTokens
from nats.aio.client import Client

from tests.events import for_lead, stream_messages

from .conftest import WEBSITE
from .helpers import query, unique_email


def lead_id_of(response: httpx.Response, settings: CaptureSettings) -> str:
    token = response.json()["lead_token"]
    return str(LeadTokens(settings.signing_key_bytes, "lead").verify(token))


async def test_json_submission_creates_a_lead_and_publishes_lead_created(
    client: httpx.AsyncClient, capture_settings: CaptureSettings, nc: Client
) -> None:
    email = unique_email()
    response = await client.post(
        "/v1/leads",
        json={
            "email": email,
            "first_name": "Anna",
            "last_name": "Schmidt",
            "phone": "+49 170 1234567",
            "company_name": "Tech Solutions GmbH",
            "company_size": "51-200",
            "company_domain": "https://www.tech-solutions.de/",
            "event_type": "Weihnachtsfeier",
            "event_date": "2027-12-10",
            "guest_count": 120,
            "budget_min": 3000,
            "budget_max": 6000,
            "location": "Hamburg",
            "source": "google-ads",
            "medium": "cpc",
            "utm_source": "google",
            "utm_campaign": "xmas-2027",
        },
    )
    assert response.status_code == 201
    assert response.json()["status"] == "accepted"
    lead_id = lead_id_of(response, capture_settings)

    [(subject, event, headers)] = await stream_messages(nc, for_lead(lead_id), expect=1)
    assert subject == "lead.created"
    assert headers["Nats-Msg-Id"] == event["event_id"]
    assert event["lead"]["company"] == {
        "name": "Tech Solutions GmbH",
        "size": "51-200",
        "industry": None,
        "domain": "tech-solutions.de",
    }
    assert event["lead"]["event"]["type"] == "weihnachtsfeier"
    assert event["lead"]["event"]["guest_count"] == 120
    assert event["lead"]["first_touch"]["utm_campaign"] == "xmas-2027"
    assert email not in str(event) and "Anna" not in str(event)


async def test_html_form_post_redirects_to_the_thank_you_page_it_names(
    client: httpx.AsyncClient, capture_settings: CaptureSettings
) -> None:
    email = unique_email()
    response = await client.post(
        "/v1/leads",
        data={
            "email": email,
            "first_name": "Jonas",
            "guest_count": "80",
            "budget_min": "",
            "consent_marketing": "on",
            "thank_you_url": f"{WEBSITE}/danke?form=kontakt",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"{WEBSITE}/danke?form=kontakt"
    rows = await query(
        capture_settings.database_url,
        "SELECT l.guest_count, l.consent_marketing, l.budget_min, c.state, c.purpose "
        "FROM capture.leads l JOIN capture.consents c ON c.lead_id = l.id "
        "WHERE l.submission_count = 1 AND l.guest_count = 80 ORDER BY l.created_at DESC LIMIT 1",
    )
    assert rows[0] == {
        "guest_count": 80,
        "consent_marketing": True,
        "budget_min": None,
        "state": "requested",
        "purpose": "marketing_email",
    }


async def test_html_form_without_thank_you_url_lands_on_capture_s_own_page(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/v1/leads", data={"email": unique_email()})
    assert response.status_code == 303
    page = await client.get(response.headers["location"])
    assert "Vielen Dank" in page.text


async def test_a_thank_you_url_on_a_foreign_site_is_refused_and_nothing_stored(
    client: httpx.AsyncClient, capture_settings: CaptureSettings
) -> None:
    marker = f"Phish {uuid.uuid4().hex[:8]}"
    response = await client.post(
        "/v1/leads",
        data={
            "email": unique_email("mallory"),
            "company_name": marker,
            "thank_you_url": "https://evil.example/phish",
        },
    )
    assert response.status_code == 422
    assert "Danke-Seite" in response.text  # the German page names the field
    rows = await query(
        capture_settings.database_url,
        "SELECT count(*) AS n FROM capture.leads WHERE company_name = :marker",
        marker=marker,
    )
    assert rows[0]["n"] == 0


async def test_second_submission_with_same_address_updates_the_same_lead(
    client: httpx.AsyncClient, capture_settings: CaptureSettings, nc: Client
) -> None:
    email = unique_email()
    first = await client.post(
        "/v1/leads",
        json={
            "email": email,
            "first_name": "Anna",
            "source": "linkedin",
            "utm_campaign": "summer",
            "guest_count": 50,
        },
    )
    second = await client.post(
        "/v1/leads",
        json={
            "email": f"  {email.upper()} ",
            "first_name": "Anne",
            "phone": "040 1234567",
            "company_name": "Tech GmbH",
            "guest_count": 400,
            "source": "google-ads",
            "utm_campaign": "xmas",
            "lead_magnet": "checklist_2025",
            "magnet_name": "Weihnachtsfeier-Checkliste 2025",
        },
    )
    lead_id = lead_id_of(first, capture_settings)
    assert lead_id_of(second, capture_settings) == lead_id

    events = await stream_messages(nc, for_lead(lead_id), expect=3)
    assert [subject for subject, _, _ in events] == [
        "lead.created",
        "lead.updated",
        "lead.magnet_downloaded",
    ]
    updated = events[1][1]
    # empty fields filled, existing ones kept, first touch kept, the new touch recorded
    assert updated["changed_fields"] == ["company_name", "phone"]
    assert updated["lead"]["event"]["guest_count"] == 50
    assert updated["lead"]["company"]["name"] == "Tech GmbH"
    assert updated["lead"]["first_touch"]["source"] == "linkedin"
    assert updated["touch"]["source"] == "google-ads"
    assert events[2][1]["magnet_type"] == "checklist_2025"

    touches = await query(
        capture_settings.database_url,
        "SELECT outcome, attribution->>'utm_campaign' AS campaign FROM capture.submissions "
        "WHERE lead_id = :lead_id ORDER BY submitted_at",
        lead_id=lead_id,
    )
    assert touches == [
        {"outcome": "created", "campaign": "summer"},
        {"outcome": "updated", "campaign": "xmas"},
    ]


async def test_quiz_answers_from_a_form_are_stored_with_the_magnet(
    client: httpx.AsyncClient, capture_settings: CaptureSettings, nc: Client
) -> None:
    response = await client.post(
        "/v1/leads",
        data={
            "email": unique_email(),
            "lead_magnet": "quiz",
            "quiz_results": '{"stimmung": "party", "gaeste": "100-200"}',
        },
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 303
    rows = await query(
        capture_settings.database_url,
        "SELECT quiz_results FROM capture.lead_magnets WHERE magnet_type = 'quiz' "
        "ORDER BY downloaded_at DESC LIMIT 1",
    )
    assert rows[0]["quiz_results"] == {"stimmung": "party", "gaeste": "100-200"}


async def test_a_filled_honeypot_is_answered_like_success_but_stores_nothing(
    client: httpx.AsyncClient, capture_settings: CaptureSettings
) -> None:
    email = unique_email("bot")
    response = await client.post(
        "/v1/leads",
        json={
            "email": email,
            "company_name": "honeypot-check",
            "homepage": "http://spam.example",
        },
    )
    assert response.status_code == 201
    rows = await query(
        capture_settings.database_url,
        "SELECT count(*) AS n FROM capture.leads WHERE company_name = 'honeypot-check'",
    )
    assert rows[0]["n"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({}, "email"),
        ({"email": "a@example.de", "budget_min": 9000, "budget_max": 1000}, "budget_max"),
        ({"email": "a@example.de", "guest_count": 0}, "guest_count"),
        ({"email": "a@example.de", "guest_count": 100_001}, "guest_count"),
        ({"email": "a@example.de", "company_size": "huge"}, "company_size"),
        ({"email": "a@example.de", "event_date": "10.12.2027"}, "event_date"),
        ({"email": "a@example.de", "phone": "call me maybe"}, "phone"),
        ({"email": "a@example.de", "lead_magnet": "Not A Slug!"}, "lead_magnet"),
        ({"email": "a@example.de", "quiz_results": "[1, 2"}, "quiz_results"),
        ({"email": "a@example.de", "first_name": "x" * 101}, "first_name"),
        ({"email": "a@example.de", "visitor_id": "../../etc"}, "visitor_id"),
    ],
)
async def test_bad_input_is_a_422_naming_the_field(
    client: httpx.AsyncClient, body: dict[str, object], field: str
) -> None:
    response = await client.post("/v1/leads", json=body)
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]


async def test_bad_form_input_gets_a_german_page_naming_the_field(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/v1/leads", data={"email": "kaputt", "guest_count": "viele"})
    assert response.status_code == 422
    assert "E-Mail-Adresse ist ungültig" in response.text
    assert "Anzahl der Gäste muss eine ganze Zahl sein" in response.text


async def test_malformed_json_and_non_objects_are_422(client: httpx.AsyncClient) -> None:
    broken = await client.post(
        "/v1/leads", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    listed = await client.post("/v1/leads", json=["a@example.de"])
    assert (broken.status_code, listed.status_code) == (422, 422)
    assert broken.json()["errors"][0]["field"] == "body"


async def test_wrong_content_type_is_415(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/leads", content=b"<lead/>", headers={"Content-Type": "application/xml"}
    )
    assert response.status_code == 415
    assert "application/json" in response.json()["detail"]


async def test_a_body_past_the_size_limit_is_413(
    client: httpx.AsyncClient, capture_settings: CaptureSettings
) -> None:
    huge = "x" * (capture_settings.capture_max_lead_body_bytes + 1)
    response = await client.post("/v1/leads", json={"email": "a@example.de", "location": huge})
    assert response.status_code == 413


async def test_cors_allows_only_the_configured_website(client: httpx.AsyncClient) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    allowed = await client.options("/v1/leads", headers={"Origin": WEBSITE, **preflight})
    foreign = await client.options(
        "/v1/leads", headers={"Origin": "https://evil.example", **preflight}
    )
    assert allowed.headers["access-control-allow-origin"] == WEBSITE
    assert "access-control-allow-origin" not in foreign.headers


async def test_a_client_past_the_rate_limit_gets_429_with_retry_after(
    capture_settings: CaptureSettings,
) -> None:
    limited = capture_settings.model_copy(
        update={"capture_rate_limit_enabled": True, "capture_lead_rate_limit": "3/minute"}
    )
    app = create_app(limited)
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
        transport = httpx.ASGITransport(app=app, client=("192.0.2.50", 1234))
        async with httpx.AsyncClient(transport=transport, base_url="http://capture.test") as http:
            answers = [
                await http.post("/v1/leads", json={"email": unique_email()}) for _ in range(4)
            ]
            other_client = await http.post(
                "/v1/leads",
                json={"email": unique_email()},
                headers={"X-Forwarded-For": "192.0.2.99"},
            )
    assert [a.status_code for a in answers] == [201, 201, 201, 429]
    assert 1 <= int(answers[3].headers["retry-after"]) <= 60
    assert other_client.status_code == 429  # X-Forwarded-For only counts from trusted proxies


async def test_the_openapi_document_describes_json_and_form_submissions(
    client: httpx.AsyncClient,
) -> None:
    spec = (await client.get("/openapi.json")).json()
    lead_body = spec["paths"]["/v1/leads"]["post"]["requestBody"]["content"]
    assert {"application/json", "application/x-www-form-urlencoded"} <= set(lead_body)
    assert lead_body["application/json"]["schema"] == {"$ref": "#/components/schemas/LeadCreate"}
    assert "email" in spec["components"]["schemas"]["LeadCreate"]["properties"]
    assert "/v1/activities" in spec["paths"]
    assert (await client.get("/docs")).status_code == 200


@pytest.mark.parametrize(
    ("content", "field"),
    [
        (b'{"email": "a@example.de", "first_name": "Nu\\u0000ll"}', "first_name"),
        (b'{"email": "a@example.de", "quiz_results": {"q": NaN}}', "body"),
        (b"[" * 5000 + b"]" * 5000, "body"),
        (b'{"email": "a@example.de", "guest_count": ' + b"1" * 5000 + b"}", "body"),
        (b'{"email": "a@example.de", "quiz_results": {"q": 1e400}}', "body"),
        (b'{"email": "a@example.de", "quiz_results": {"q": "\\ud800"}}', "quiz_results.q"),
        (b'{"email": "a@example.de", "event_type": "' + b"x" * 60 + b'"}', "event_type"),
        (b'{"email": "a@example.de", "thank_you_url": "https://x.de:99999/"}', "thank_you_url"),
        (
            b'{"email": "a@example.de", "quiz_results": "{\\"q\\": \\"\\\\u0000\\"}"}',
            "quiz_results",
        ),
    ],
)
async def test_json_postgresql_cannot_store_is_a_422_not_a_500(
    client: httpx.AsyncClient, content: bytes, field: str
) -> None:
    response = await client.post(
        "/v1/leads", content=content, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]


async def test_a_form_in_another_encoding_is_answered_not_crashed(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/leads",
        content=b"email=m%FCller%40example.de&first_name=J%FCrgen",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 422
    assert "nicht" in response.text or "ungültig" in response.text
