"""Embeddable forms and the interactive lead magnets as a website sees them through
capture's real HTTP API: the form's script and its plain HTML, its rules in German (the
same for browser and server), its own consent text and magnet, the calculator's range
from the price table, the quiz's outcome, both computed again on submission; the
content edited by command; and erasure."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
from auftakt_capture.settings import CaptureSettings
from auftakt_common.content import CAPTURE_PRICES_GET, CAPTURE_PRICES_PUT
from auftakt_common.events import LeadErasureRequested
from auftakt_common.tokens import LeadTokens
from nats.aio.client import Client

from tests.admin.helpers import wait_for
from tests.capture.helpers import query, unique_email
from tests.scoring.helpers import publish


async def _script_config(client: httpx.AsyncClient, path: str) -> dict[str, Any]:
    response = await client.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith(
        "text/javascript"
    )
    call = re.search(r"AuftaktEmbed\.\w+\((\{.*\})\);\s*$", response.text, re.S)
    assert call, "the script mounts the embed"
    config: dict[str, Any] = json.loads(call.group(1))
    return config


async def test_a_form_script_carries_its_accessible_markup_and_its_rules(
    client: httpx.AsyncClient,
) -> None:
    config = await _script_config(client, "/embed/form/anfrage.js")
    markup = config["html"]
    assert 'action="http://capture.test/v1/leads"' in markup
    assert '<label for="af-anfrage-email">E-Mail' in markup
    assert 'aria-describedby="af-anfrage-email-error"' in markup
    assert 'name="consent_marketing" type="checkbox" value="on">' in markup  # not ticked
    assert 'name="homepage"' in markup and 'tabindex="-1"' in markup  # the honeypot
    email = next(rule for rule in config["rules"] if rule["name"] == "email")
    assert (email["kind"], email["required"]) == ("email", True)
    assert config["messages"]["required"] == "Bitte füllen Sie „{label}“ aus."
    missing = await client.get("/embed/form/gibt-es-nicht.js")
    assert missing.status_code == 404 and "gibt es nicht" in missing.text


async def test_the_plain_form_to_copy_works_without_javascript(client: httpx.AsyncClient) -> None:
    fragment = await client.get("/embed/form/checkliste.html")
    assert fragment.status_code == 200
    assert '<link rel="stylesheet" href="http://capture.test/embed/embed.css">' in fragment.text
    assert 'method="post"' in fragment.text and "<script" not in fragment.text
    stylesheet = await client.get("/embed/embed.css")
    assert ".af-trap" in stylesheet.text  # the honeypot is hidden from people


async def test_a_form_post_missing_what_the_form_requires_is_answered_in_german(
    client: httpx.AsyncClient,
) -> None:
    page = await client.post(
        "/v1/leads",
        data={"form_id": "anfrage", "guest_count": "0", "first_name": "Jana"},
        headers={"Referer": "https://www.musikfuerfirmen.de/anfrage"},
    )
    assert page.status_code == 422
    assert "Bitte füllen Sie „E-Mail“ aus." in page.text
    assert "„Anzahl Gäste“ muss eine ganze Zahl von 1 bis 10.000 sein." in page.text
    assert 'href="https://www.musikfuerfirmen.de/anfrage">Zurück zum Formular' in page.text
    api = await client.post("/v1/leads", json={"form_id": "anfrage", "event_date": "2020-01-01"})
    errors = {e["field"]: e["msg"] for e in api.json()["errors"]}
    assert errors == {
        "email": "Bitte füllen Sie „E-Mail“ aus.",
        "event_date": "„Datum der Veranstaltung“ darf nicht in der Vergangenheit liegen.",
    }


async def test_a_form_gives_its_own_magnet_consent_text_and_version(
    client: httpx.AsyncClient, capture_settings: CaptureSettings
) -> None:
    email = unique_email("lena")
    response = await client.post(
        "/v1/leads",
        json={
            "form_id": "checkliste",
            "email": email,
            "consent_marketing": True,
            "lead_magnet": "etwas_anderes",  # the browser's word does not count
            "consent_text": "nichts",
        },
    )
    assert response.status_code == 201, response.text
    lead_id = LeadTokens(capture_settings.signing_key_bytes, "lead").verify(
        response.json()["lead_token"]
    )
    magnets = await query(
        capture_settings.database_url,
        "SELECT magnet_type, magnet_name FROM capture.lead_magnets WHERE lead_id = :id",
        id=lead_id,
    )
    assert magnets == [{"magnet_type": "checklist_2025", "magnet_name": "Checkliste 2025"}]
    consents = await query(
        capture_settings.database_url,
        "SELECT consent_text FROM capture.consents WHERE lead_id = :id",
        id=lead_id,
    )
    assert consents[0]["consent_text"].startswith("Ja, ich möchte per E-Mail Tipps")
    assert consents[0]["consent_text"].endswith("[Fassung 2025-01]")


async def test_the_calculator_quotes_from_the_price_table(client: httpx.AsyncClient) -> None:
    answer = await client.post(
        "/v1/calculator/quote",
        json={
            "event_type": "weihnachtsfeier",
            "guests": 180,
            "hours": 5,
            "band_format": "partyband",
        },
    )
    assert answer.status_code == 200, answer.text
    # (3,800 + 1 × 450) × 1.15 + 600 = 5,487.5 → 5,500; (5,500 + 650) × 1.15 + 900 = 7,972.5
    assert (answer.json()["quote"]["min"], answer.json()["quote"]["max"]) == (5500, 8000)
    assert "Ihr Budgetrahmen: 5.500 – 8.000 €" in answer.json()["html"]
    no_script = await client.post(
        "/v1/calculator/quote",
        data={"event_type": "sommerfest", "guests": "40", "hours": "3", "band_format": "duo"},
    )
    assert no_script.status_code == 200 and "1.000 – 1.500 €" in no_script.text
    assert 'name="quiz_results"' in no_script.text  # the e-mail form that sends it
    wrong = await client.post(
        "/v1/calculator/quote",
        json={"event_type": "weihnachtsfeier", "guests": 10, "hours": 20, "band_format": "x"},
    )
    assert {e["field"] for e in wrong.json()["errors"]} == {"band_format", "hours"}


async def test_a_calculator_lead_keeps_its_inputs_and_the_range_computed_again(
    client: httpx.AsyncClient, capture_settings: CaptureSettings
) -> None:
    inputs = {"event_type": "sommerfest", "guests": 40, "hours": 3, "band_format": "duo"}
    response = await client.post(
        "/v1/leads",
        json={
            "email": unique_email("calc"),
            "lead_magnet": "budget_calculator",
            "quiz_results": {"inputs": inputs, "quote": {"min": 1, "max": 2}},  # tampered
        },
    )
    assert response.status_code == 201, response.text
    lead_id = LeadTokens(capture_settings.signing_key_bytes, "lead").verify(
        response.json()["lead_token"]
    )
    rows = await query(
        capture_settings.database_url,
        "SELECT m.quiz_results, l.budget_min, l.budget_max, l.guest_count, l.event_type "
        "FROM capture.lead_magnets m JOIN capture.leads l ON l.id = m.lead_id "
        "WHERE m.lead_id = :id",
        id=lead_id,
    )
    stored = rows[0]
    assert stored["quiz_results"]["inputs"] == inputs
    assert (stored["quiz_results"]["quote"]["min"], stored["quiz_results"]["quote"]["max"]) == (
        1000,
        1500,
    )
    assert stored["quiz_results"]["quote"]["details"] == ["Duo, 3 Stunden, Sommerfest, 40 Gäste"]
    # the range is the calculator's estimate, kept with the magnet: not a budget she gave
    assert (stored["budget_min"], stored["budget_max"], stored["guest_count"]) == (None, None, 40)
    assert stored["event_type"] == "sommerfest"


async def test_the_quiz_outcome_is_computed_from_the_answers_and_stored(
    client: httpx.AsyncClient, capture_settings: CaptureSettings
) -> None:
    answers = {"anlass": "jubilaeum", "stimmung": "gespraech", "gaeste": "mittel",
               "budget": "bis5000"}  # fmt: skip
    result = await client.post("/v1/quiz/event-typ-finder/result", json={"answers": answers})
    assert result.json()["outcome"]["key"] == "jazz-trio"
    unanswered = await client.post("/v1/quiz/event-typ-finder/result", json={"answers": {}})
    assert unanswered.status_code == 422
    assert (
        unanswered.json()["errors"][0]["msg"]
        == "Bitte beantworten Sie die Frage „Was feiern Sie?“."
    )
    response = await client.post(
        "/v1/leads",
        json={
            "email": unique_email("quiz"),
            "lead_magnet": "quiz",
            "quiz_results": {"quiz_id": "event-typ-finder", "answers": answers, "outcome": "dj"},
        },
    )
    lead_id = LeadTokens(capture_settings.signing_key_bytes, "lead").verify(
        response.json()["lead_token"]
    )
    rows = await query(
        capture_settings.database_url,
        "SELECT quiz_results, magnet_name FROM capture.lead_magnets WHERE lead_id = :id",
        id=lead_id,
    )
    assert rows[0]["quiz_results"]["outcome"] == "jazz-trio"  # not what the browser said
    assert rows[0]["quiz_results"]["answers"] == answers
    assert rows[0]["magnet_name"] == "Event-Typ-Finder: Welche Musik passt zu Ihrem Event?"


async def test_sales_change_the_price_table_by_command_and_a_bad_one_is_refused(
    client: httpx.AsyncClient, nc: Client
) -> None:
    current = json.loads((await nc.request(CAPTURE_PRICES_GET, b"", timeout=5)).data)["data"]
    duo = next(band for band in current["bands"] if band["key"] == "duo")
    broken = {**current, "bands": [{**duo, "base_min": 2000, "base_max": 1000}]}
    refused = json.loads(
        (await nc.request(CAPTURE_PRICES_PUT, json.dumps(broken).encode(), timeout=5)).data
    )
    assert not refused["ok"] and refused["errors"][0]["field"].startswith("bands.0")
    bands = [
        {**band, "base_min": band["base_min"] - 100} if band["key"] == "duo" else band
        for band in current["bands"]
    ]
    cheaper = {**current, "bands": bands}
    saved = json.loads(
        (await nc.request(CAPTURE_PRICES_PUT, json.dumps(cheaper).encode(), timeout=5)).data
    )
    assert saved["ok"] and saved["data"]["version"] == current["version"] + 1
    try:
        answer = await client.post(
            "/v1/calculator/quote",
            json={"event_type": "sommerfest", "guests": 40, "hours": 3, "band_format": "duo"},
        )
        assert answer.json()["quote"]["min"] == 900
    finally:
        await nc.request(CAPTURE_PRICES_PUT, json.dumps(current).encode(), timeout=5)


async def test_an_erased_lead_is_gone_from_capture_and_its_key_destroyed(
    client: httpx.AsyncClient, capture_settings: CaptureSettings, nc: Client
) -> None:
    response = await client.post("/v1/leads", json={"email": unique_email("weg")})
    lead_id = LeadTokens(capture_settings.signing_key_bytes, "lead").verify(
        response.json()["lead_token"]
    )
    await publish(nc, LeadErasureRequested(lead_id=lead_id))

    async def remaining() -> list[dict[str, Any]] | None:
        rows = await query(
            capture_settings.database_url,
            "SELECT (SELECT count(*) FROM capture.leads WHERE id = :id) AS leads, "
            "(SELECT count(*) FROM vault.data_keys WHERE lead_id = :id) AS keys",
            id=lead_id,
        )
        return rows

    assert await wait_for(remaining, lambda rows: rows[0] == {"leads": 0, "keys": 0})
