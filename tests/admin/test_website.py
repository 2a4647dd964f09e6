"""The Website area: the code to paste into the website, and the editors of what capture
owns (the calculator's price table, forms, quizzes) over NATS. Capture validates; its
errors appear at the inputs they concern; what the public gets changes with a save.
Each test puts back the content it changed (other tests use the shipped one)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from html import unescape
from typing import Any
from uuid import uuid4

import httpx
import pytest
from auftakt_admin.settings import AdminSettings

from tests.admin.conftest import Staff
from tests.admin.helpers import form_fields, log_in, signed_in_csrf, wait_for

PARTY_AT_CHRISTMAS = {
    "event_type": "weihnachtsfeier",
    "guests": 120,
    "hours": 4,
    "band_format": "partyband",
}


@pytest.fixture
async def sales(admin_http: httpx.AsyncClient, sales_user: Staff) -> httpx.AsyncClient:
    """The dashboard's client, signed in as a sales user."""
    await log_in(admin_http, sales_user.email, sales_user.password)
    return admin_http


@contextlib.asynccontextmanager
async def _restored(sales: httpx.AsyncClient, path: str) -> AsyncIterator[dict[str, Any]]:
    """The content at `path` of the JSON API, put back as it was after the test."""
    original = (await sales.get(path)).json()
    try:
        yield original
    finally:
        csrf = await signed_in_csrf(sales)
        back = {key: value for key, value in original.items() if key != "version"}
        answer = await sales.put(path, json=back, headers={"X-CSRF-Token": csrf})
        assert answer.status_code == 200, answer.text


@pytest.fixture
async def prices(sales: httpx.AsyncClient, client: httpx.AsyncClient) -> AsyncIterator[Any]:
    async with _restored(sales, "/api/v1/website/prices") as original:
        yield original


@pytest.fixture
async def anfrage(sales: httpx.AsyncClient, client: httpx.AsyncClient) -> AsyncIterator[Any]:
    async with _restored(sales, "/api/v1/website/forms/anfrage") as original:
        yield original


@pytest.fixture
async def finder(sales: httpx.AsyncClient, client: httpx.AsyncClient) -> AsyncIterator[Any]:
    async with _restored(sales, "/api/v1/website/quizzes/event-typ-finder") as original:
        yield original


def _row(fields: dict[str, str], table: str, key: str) -> str:
    """The page's name of the row whose key is `key` (`bands.3`)."""
    return next(
        name.removesuffix(".key")
        for name, value in fields.items()
        if name.startswith(f"{table}.") and name.endswith(".key") and value == key
    )


def _invalid(html: str, name: str) -> str:
    """The error shown at an input (it is marked invalid, its message follows it)."""
    found = re.search(
        rf'name="{re.escape(name)}"[^>]*aria-invalid="true">\s*<small class="field-error">([^<]+)',
        html,
    )
    assert found, f"no error at {name}"
    return found.group(1)


def _code(html: str, box: str) -> str:
    """The code in a copy box, as it is copied."""
    found = re.search(rf'<code id="{box}">(.*?)</code>', html, re.DOTALL)
    assert found, f"no code box {box}"
    return unescape(found.group(1))


async def test_the_overview_gives_the_code_to_paste_into_the_website(
    sales: httpx.AsyncClient, client: httpx.AsyncClient, admin_settings: AdminSettings
) -> None:
    page = await sales.get("/admin/website")
    assert page.status_code == 200
    assert '<a href="/admin/website">Website</a>' in page.text  # in the navigation
    capture = admin_settings.public_url.rstrip("/")
    assert _code(page.text, "embed-tracking") == (
        "<script>window.auftakt=window.auftakt||function(){(auftakt.q=auftakt.q||[])"
        ".push(arguments)};</script>\n"
        f'<script src="{capture}/t.js" async></script>'
    )
    assert _code(page.text, "embed-form-anfrage") == (
        f'<script src="{capture}/embed/form/anfrage.js" async></script>'
    )
    assert f'href="{capture}/embed/form/checkliste.html"' in page.text  # without JavaScript
    assert _code(page.text, "embed-calculator") == (
        f'<script src="{capture}/embed/calculator.js" async></script>'
    )
    assert _code(page.text, "embed-quiz-event-typ-finder") == (
        f'<script src="{capture}/embed/quiz/event-typ-finder.js" async></script>'
    )
    assert 'data-copy="embed-tracking" hidden>Kopieren</button>' in page.text  # admin.js shows it


async def test_a_changed_price_is_what_the_calculator_quotes(
    sales: httpx.AsyncClient, client: httpx.AsyncClient, prices: Any
) -> None:
    before = (await client.post("/v1/calculator/quote", json=PARTY_AT_CHRISTMAS)).json()
    assert before["quote"]["min"] == 4400  # 3.800 € × 1,15, rounded to 100
    editor = await sales.get("/admin/website/prices")
    fields = form_fields(editor.text, "prices")
    party = _row(fields, "bands", "partyband")
    assert fields[f"{party}.base_min"] == "3800"
    fields[f"{party}.base_min"] = "4000"
    saved = await sales.post("/admin/website/prices", data=fields)
    assert saved.status_code == 303
    page = await sales.get(saved.headers["location"])
    assert "Preistabelle gespeichert." in page.text
    assert f'name="{party}.base_min" type="number" value="4000"' in page.text

    async def quoted() -> int:
        answer = await client.post("/v1/calculator/quote", json=PARTY_AT_CHRISTMAS)
        return int(answer.json()["quote"]["min"])

    assert await wait_for(quoted, lambda low: low == 4600) == 4600  # 4.000 € × 1,15
    table = (await sales.get("/api/v1/website/prices")).json()
    assert table["version"] == prices["version"] + 1


async def test_a_band_costing_more_at_least_than_at_most_is_refused_at_its_row(
    sales: httpx.AsyncClient, client: httpx.AsyncClient, prices: Any
) -> None:
    fields = form_fields((await sales.get("/admin/website/prices")).text, "prices")
    fields["bands.0.remove"] = "on"  # a row left out: capture counts the rows after it anew
    fields["bands.2.base_min"] = "99999"
    fields["event_types.1.factor"] = "5"
    refused = await sales.post("/admin/website/prices", data=fields)
    assert refused.status_code == 422
    row_error = re.search(
        r'data-row-error="bands\.2"><td colspan="8"><small[^>]*>([^<]+)', refused.text
    )
    assert row_error and "minimum must not exceed its maximum" in row_error.group(1)
    assert "ist zu groß (höchstens 3)" in _invalid(refused.text, "event_types.1.factor")
    kept = form_fields(refused.text, "prices")  # what was typed, to correct
    assert kept["bands.2.base_min"] == "99999" and kept["bands.0.remove"] == "on"
    assert (await sales.get("/api/v1/website/prices")).json() == prices  # nothing saved


async def test_a_new_field_label_is_served_in_the_forms_embed(
    sales: httpx.AsyncClient, client: httpx.AsyncClient, anfrage: Any
) -> None:
    label = f"Telefon für Rückfragen {uuid4().hex[:6]}"
    editor = await sales.get("/admin/website/forms/anfrage")
    assert editor.status_code == 200
    fields = form_fields(editor.text, "form-editor")
    phone = next(name for name, value in fields.items() if value == "phone")
    fields[phone.replace(".name", ".label")] = label
    saved = await sales.post("/admin/website/forms/anfrage", data=fields)
    assert saved.status_code == 303
    assert "Formular gespeichert." in (await sales.get(saved.headers["location"])).text

    async def served() -> str:
        return (await client.get("/embed/form/anfrage.js")).text

    await wait_for(served, lambda script: label in script)
    form = (await sales.get("/api/v1/website/forms/anfrage")).json()
    assert form["fields"] == [  # the rest as it was: options, help texts, required
        {**field, "label": label} if field["name"] == "phone" else field
        for field in anfrage["fields"]
    ]


async def test_a_form_that_does_not_ask_for_the_address_is_refused(
    sales: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    form_id = f"ohne-adresse-{uuid4().hex[:6]}"
    new = await sales.get("/admin/website/forms/new")
    fields = form_fields(new.text, "form-editor")
    fields.update({"form_id": form_id, "name": "Ohne Adresse", "fields.0.name": "first_name",
                   "fields.0.label": "Vorname"})  # fmt: skip
    refused = await sales.post("/admin/website/forms/new", data=fields)
    assert refused.status_code == 422
    assert "a form must ask for the e-mail address" in refused.text
    assert form_fields(refused.text, "form-editor")["form_id"] == form_id
    api = await sales.put(
        f"/api/v1/website/forms/{form_id}",
        json={"name": "Ohne Adresse", "fields": [{"name": "phone", "label": "Telefon"}]},
        headers={"X-CSRF-Token": await signed_in_csrf(sales)},
    )
    assert api.status_code == 422
    assert api.json()["detail"]["errors"][0]["field"] == "body"
    forms = (await sales.get("/api/v1/website/forms")).json()["forms"]
    assert form_id not in {form["form_id"] for form in forms}


async def test_the_quiz_editor_saves_and_refuses_points_for_an_unknown_outcome(
    sales: httpx.AsyncClient, client: httpx.AsyncClient, finder: Any
) -> None:
    title = f"Welche Band passt? {uuid4().hex[:6]}"
    editor = await sales.get("/admin/website/quizzes/event-typ-finder")
    fields = form_fields(editor.text, "quiz-editor")
    assert fields["questions.0.answers.0.points.partyband"] == "2"
    fields["title"] = title
    saved = await sales.post("/admin/website/quizzes/event-typ-finder", data=fields)
    assert saved.status_code == 303
    assert "Quiz gespeichert." in (await sales.get(saved.headers["location"])).text

    async def served() -> str:
        return (await client.get("/embed/quiz/event-typ-finder.js")).text

    await wait_for(served, lambda script: title in script)

    fields["title"] = "Nicht gespeichert"
    fields[f"{_row(fields, 'outcomes', 'dj')}.remove"] = "on"  # answers still give it points
    refused = await sales.post("/admin/website/quizzes/event-typ-finder", data=fields)
    assert refused.status_code == 422
    assert "points for unknown outcomes dj" in refused.text
    quiz = (await sales.get("/api/v1/website/quizzes/event-typ-finder")).json()
    assert quiz["title"] == title and "dj" in {outcome["key"] for outcome in quiz["outcomes"]}


async def test_the_website_area_says_so_when_capture_does_not_answer(
    sales: httpx.AsyncClient,
) -> None:
    silent = "Capture antwortet nicht – läuft der Dienst? Nichts wurde geändert."
    for path in ("/admin/website", "/admin/website/prices", "/admin/website/forms/anfrage"):
        page = await sales.get(path)
        assert page.status_code == 503 and silent in page.text, path
    csrf = await signed_in_csrf(sales)
    posted = await sales.post(
        "/admin/website/prices", data={"csrf_token": csrf, "bands.0.key": "solo", "note": "x"}
    )
    assert posted.status_code == 503 and silent in posted.text
    assert 'value="solo"' in posted.text  # nothing typed is lost
    api = await sales.get("/api/v1/website/quizzes")
    assert api.status_code == 503
    assert api.json()["detail"]["errors"][0]["message"] == silent


async def test_a_change_without_the_csrf_token_is_refused(
    sales: httpx.AsyncClient, client: httpx.AsyncClient, prices: Any
) -> None:
    fields = form_fields((await sales.get("/admin/website/prices")).text, "prices")
    fields["note"] = "Von einer fremden Seite geschickt"
    del fields["csrf_token"]
    assert (await sales.post("/admin/website/prices", data=fields)).status_code == 403
    api = await sales.put("/api/v1/website/prices", json={**prices, "note": "fremd"})
    assert api.status_code == 403
    assert (await sales.get("/api/v1/website/prices")).json() == prices
