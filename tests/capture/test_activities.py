"""Activities from the website: single and batched, anonymous visitors merged on submit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from auftakt_capture.settings import CaptureSettings

from tests.events import for_lead, stream_messages

from .helpers import execute, query, unique_email, visitor_id
from .test_leads import lead_id_of


async def submit(client: httpx.AsyncClient, **fields: object) -> httpx.Response:
    response = await client.post("/v1/leads", json={"email": unique_email(), **fields})
    assert response.status_code == 201
    return response


async def test_a_batch_for_a_known_lead_is_stored_and_published_once_each(
    client: httpx.AsyncClient, capture_settings: CaptureSettings, nc
) -> None:
    lead = await submit(client)
    token, lead_id = lead.json()["lead_token"], lead_id_of(lead, capture_settings)
    batch = [
        {
            "type": "page_view",
            "lead_token": token,
            "page_url": "https://www.musikfuerfirmen.de/preise",
        },
        {"type": "click", "lead_token": token, "target": "tel:+494012345"},
        {
            "type": "budget_calculator_used",
            "lead_token": token,
            "detail": {"guests": 150, "format": "band"},
        },
        {"type": "Video_Progress", "lead_token": token, "detail": {"percent": 50}},
    ]
    response = await client.post("/v1/activities", json={"activities": batch})
    assert response.status_code == 202
    assert response.json() == {"accepted": 4, "ignored": 0}

    events = await stream_messages(nc, for_lead(lead_id), expect=5)
    activities = [payload for subject, payload, _ in events if subject == "activity.recorded"]
    assert [a["activity_type"] for a in activities] == [
        "page_view",
        "click",
        "budget_calculator_used",
        "video_progress",
    ]
    assert activities[2]["detail"] == {"guests": 150, "format": "band"}
    assert len({a["event_id"] for a in activities}) == 4


async def test_a_single_activity_and_a_bare_list_are_accepted_too(
    client: httpx.AsyncClient,
) -> None:
    visitor = visitor_id()
    single = await client.post("/v1/activities", json={"type": "page_view", "visitor_id": visitor})
    listed = await client.post(
        "/v1/activities",
        json=[
            {"type": "page_view", "visitor_id": visitor},
            {"type": "scroll", "visitor_id": visitor},
        ],
    )
    assert single.json() == {"accepted": 1, "ignored": 0}
    assert listed.json() == {"accepted": 2, "ignored": 0}


async def test_beacons_sent_as_text_plain_are_read_as_json(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/activities",
        content=b'{"type": "page_view", "visitor_id": "beacon-visitor-1"}',
        headers={"Content-Type": "text/plain;charset=UTF-8"},
    )
    assert response.status_code == 202


async def test_unknown_activity_types_are_stored_not_rejected(
    client: httpx.AsyncClient, capture_settings: CaptureSettings
) -> None:
    visitor = visitor_id()
    response = await client.post(
        "/v1/activities",
        json={
            "type": "konfetti_kanone_gezuendet",
            "visitor_id": visitor,
            "detail": {"farbe": "gold"},
        },
    )
    assert response.status_code == 202
    rows = await query(
        capture_settings.database_url,
        "SELECT activity_type, detail, ip_prefix FROM capture.activities WHERE visitor_id = :v",
        v=visitor,
    )
    assert rows == [
        {
            "activity_type": "konfetti_kanone_gezuendet",
            "detail": {"farbe": "gold"},
            "ip_prefix": "203.0.113.0/24",
        }
    ]


async def test_an_anonymous_visitor_s_history_joins_the_lead_when_it_submits_a_form(
    client: httpx.AsyncClient, capture_settings: CaptureSettings, nc
) -> None:
    visitor = visitor_id()
    earlier = await client.post(
        "/v1/activities",
        json=[
            {
                "type": "page_view",
                "visitor_id": visitor,
                "page_url": "https://www.musikfuerfirmen.de/",
            },
            {
                "type": "page_view",
                "visitor_id": visitor,
                "page_url": "https://www.musikfuerfirmen.de/preise",
            },
        ],
    )
    assert earlier.json()["accepted"] == 2

    lead = await submit(client, visitor_id=visitor)
    lead_id = lead_id_of(lead, capture_settings)
    later = await client.post(
        "/v1/activities",
        json={"type": "click", "visitor_id": visitor, "target": "https://wa.me/4940123"},
    )
    assert later.json()["accepted"] == 1

    events = await stream_messages(nc, for_lead(lead_id), expect=4)
    subjects = [(subject, payload.get("attributed_later")) for subject, payload, _ in events]
    assert subjects == [
        ("lead.created", None),
        ("activity.recorded", True),
        ("activity.recorded", True),
        ("activity.recorded", False),
    ]
    assert {p["visitor_id"] for s, p, _ in events if s == "activity.recorded"} == {visitor}
    rows = await query(
        capture_settings.database_url,
        "SELECT count(*) AS n FROM capture.activities WHERE visitor_id = :v AND lead_id = :l",
        v=visitor,
        l=lead_id,
    )
    assert rows[0]["n"] == 3


async def test_a_forged_lead_token_is_a_422_naming_it(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/activities",
        json=[
            {"type": "page_view", "visitor_id": visitor_id()},
            {"type": "page_view", "lead_token": "eyJmYWtlIjoidG9rZW4ifQ.forged"},
        ],
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "activities[1].lead_token"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "page_view"}, "activities[0]"),
        ({"type": "Seite angesehen!", "visitor_id": "visitor-123"}, "activities[0].type"),
        ({"type": "page_view", "visitor_id": "x"}, "activities[0].visitor_id"),
        (
            {
                "type": "page_view",
                "visitor_id": "visitor-123",
                "occurred_at": "2026-01-01T10:00:00",
            },
            "activities[0].occurred_at",
        ),
        (
            {"type": "page_view", "visitor_id": "visitor-123", "detail": {"blob": "x" * 5000}},
            "activities[0].detail",
        ),
        ({"activities": []}, "activities"),
        ({"activities": [{"type": "page_view", "visitor_id": "visitor-123"}] * 101}, "activities"),
    ],
)
async def test_bad_activities_are_a_422_naming_the_field(
    client: httpx.AsyncClient, body: dict[str, object], field: str
) -> None:
    response = await client.post("/v1/activities", json=body)
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]


async def test_an_activity_claiming_to_be_months_old_is_refused(client: httpx.AsyncClient) -> None:
    months_ago = (datetime.now(UTC) - timedelta(days=90)).isoformat()
    response = await client.post(
        "/v1/activities",
        json={
            "type": "page_view",
            "visitor_id": visitor_id(),
            "occurred_at": months_ago,
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "activities[0].occurred_at"


async def test_a_browser_clock_in_the_future_is_clamped_to_now(
    client: httpx.AsyncClient, capture_settings: CaptureSettings
) -> None:
    visitor = visitor_id()
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    await client.post(
        "/v1/activities", json={"type": "page_view", "visitor_id": visitor, "occurred_at": tomorrow}
    )
    rows = await query(
        capture_settings.database_url,
        "SELECT occurred_at = received_at AS clamped FROM capture.activities WHERE visitor_id = :v",
        v=visitor,
    )
    assert rows == [{"clamped": True}]


async def test_activities_for_an_erased_lead_are_ignored(
    client: httpx.AsyncClient, capture_settings: CaptureSettings
) -> None:
    lead = await submit(client)
    await execute(
        capture_settings.database_url,
        "DELETE FROM capture.leads WHERE id = :id",
        id=lead_id_of(lead, capture_settings),
    )
    response = await client.post(
        "/v1/activities",
        json={
            "type": "page_view",
            "lead_token": lead.json()["lead_token"],
        },
    )
    assert response.json() == {"accepted": 0, "ignored": 1}


async def test_wrong_content_type_and_oversized_batches_are_refused(
    client: httpx.AsyncClient, capture_settings: CaptureSettings
) -> None:
    form = await client.post("/v1/activities", data={"type": "page_view"})
    huge = await client.post(
        "/v1/activities",
        content=b"[" + b" " * capture_settings.capture_max_activity_body_bytes + b"]",
        headers={"Content-Type": "application/json"},
    )
    assert (form.status_code, huge.status_code) == (415, 413)


@pytest.mark.parametrize(
    ("content", "field"),
    [
        (
            b'{"type": "page_view", "visitor_id": "visitor-123", "page_url": "/a\\u0000"}',
            "activities[0].page_url",
        ),
        (
            b'[{"type": "page_view", "visitor_id": "visitor-123", "detail": {"p": Infinity}}]',
            "body",
        ),
    ],
)
async def test_activities_postgresql_cannot_store_are_a_422_not_a_500(
    client: httpx.AsyncClient, content: bytes, field: str
) -> None:
    response = await client.post(
        "/v1/activities", content=content, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


async def test_addresses_in_urls_and_details_are_not_stored_in_the_clear(
    client: httpx.AsyncClient, capture_settings: CaptureSettings
) -> None:
    visitor = visitor_id()
    await client.post(
        "/v1/activities",
        json={
            "type": "click",
            "visitor_id": visitor,
            "page_url": "https://www.musikfuerfirmen.de/danke?email=anna.s%40firma.de",
            "target": "mailto:booking@musikfuerfirmen.de",
            "detail": {"note": "von anna.s@firma.de"},
        },
    )
    rows = await query(
        capture_settings.database_url,
        "SELECT page_url, target, detail FROM capture.activities WHERE visitor_id = :v",
        v=visitor,
    )
    assert rows == [
        {
            "page_url": "https://www.musikfuerfirmen.de/danke?email=[email]",
            "target": "mailto:[email]",
            "detail": {"note": "von [email]"},
        }
    ]


async def test_activities_from_a_website_capture_does_not_know_are_refused_not_stored(
    client: httpx.AsyncClient, capture_settings: CaptureSettings
) -> None:
    visitor = visitor_id()
    activity = [{"type": "page_view", "visitor_id": visitor, "page_url": "https://x.de/"}]
    foreign = await client.post(
        "/v1/activities", json=activity, headers={"Origin": "https://fremde-seite.example"}
    )
    assert foreign.status_code == 403
    assert "AUFTAKT_CAPTURE_ALLOWED_ORIGINS" in foreign.json()["detail"]
    ours = await client.post(
        "/v1/activities", json=activity, headers={"Origin": "https://www.musikfuerfirmen.de"}
    )
    assert ours.status_code == 202
    rows = await query(
        capture_settings.database_url,
        "SELECT count(*) AS n FROM capture.activities WHERE visitor_id = :v",
        v=visitor,
    )
    assert rows == [{"n": 1}]  # the refused batch left nothing behind


async def test_a_magnet_used_again_by_the_same_visitor_or_lead_is_recorded_once(
    client: httpx.AsyncClient, capture_settings: CaptureSettings
) -> None:
    visitor = visitor_id()
    quiz = {"type": "quiz_completed", "visitor_id": visitor, "detail": {"quiz_id": "eventtyp"}}
    clicks = await client.post("/v1/activities", json=[quiz] * 7)  # clicked on after its result
    assert clicks.json() == {"accepted": 1, "ignored": 6}
    calculator = {"type": "budget_calculator_used", "visitor_id": visitor}
    again = await client.post(
        "/v1/activities",
        json=[calculator, {**calculator, "detail": {"guests": 300}}, quiz],
    )
    assert again.json() == {"accepted": 1, "ignored": 2}
    other_quiz = {**quiz, "detail": {"quiz_id": "budget-check"}}
    assert (await client.post("/v1/activities", json=other_quiz)).json()["accepted"] == 1

    # the visitor becomes a lead: its token does not make the same magnet new again
    lead = await submit(client, visitor_id=visitor)
    token = lead.json()["lead_token"]
    by_token = await client.post(
        "/v1/activities", json={"type": "budget_calculator_used", "lead_token": token}
    )
    assert by_token.json() == {"accepted": 0, "ignored": 1}
    rows = await query(
        capture_settings.database_url,
        "SELECT activity_type, count(*) AS uses FROM capture.activities "
        "WHERE visitor_id = :visitor GROUP BY activity_type ORDER BY activity_type",
        visitor=visitor,
    )
    assert [(row["activity_type"], row["uses"]) for row in rows] == [
        ("budget_calculator_used", 1),
        ("quiz_completed", 2),
    ]
