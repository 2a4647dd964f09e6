"""The editors change what scoring and the mailer own, over NATS: the owner validates,
its errors show in the form, and an owner that does not answer is said so."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from auftakt_common.testing import Servers
from auftakt_mailer.app import MailerService
from auftakt_mailer.app import migrate as migrate_mailer
from auftakt_mailer.settings import MailerSettings
from auftakt_scoring.app import ScoringService

from tests.admin.conftest import Staff
from tests.admin.helpers import log_in, signed_in_csrf, submit_lead, wait_for
from tests.scoring.helpers import MovableClock


@pytest.fixture
async def mailer(
    servers: Servers, secrets: dict[str, str], clock: MovableClock, tmp_path: Path
) -> AsyncIterator[MailerService]:
    settings = MailerSettings(
        env="test",
        database_url=servers.database_url,
        nats_url=servers.nats_url,
        mailer_files_dir=tmp_path,
        **secrets,  # type: ignore[arg-type]
    )
    migrate_mailer(settings)
    async with MailerService(settings, clock=clock, dispatch=False) as service:
        yield service


async def test_a_rule_scoring_rejects_is_shown_in_the_form_and_not_saved(
    admin_http: httpx.AsyncClient, sales_user: Staff, scoring: ScoringService
) -> None:
    await log_in(admin_http, sales_user.email, sales_user.password)
    csrf = await signed_in_csrf(admin_http)
    page = await admin_http.post(
        "/admin/rules",
        data={
            "activity": "pricing_page_visited",
            "points": "500",
            "description": "Preise-Seite besucht",
            "active": "on",
            "csrf_token": csrf,
        },
    )
    assert page.status_code == 422
    assert "Nicht gespeichert: Punkte: ist zu groß (höchstens 100)" in page.text
    assert 'value="500"' in page.text  # the submitted value stays in the form to correct
    api = await admin_http.put(
        "/api/v1/scoring/rules/pricing_page_visited",
        json={"points": "viele", "description": "x"},
        headers={"X-CSRF-Token": csrf},
    )
    assert api.status_code == 422
    assert api.json()["detail"]["errors"] == [
        {"field": "points", "message": "muss eine ganze Zahl sein"}
    ]
    rules = (await admin_http.get("/api/v1/scoring")).json()["rules"]
    assert next(r for r in rules if r["activity"] == "pricing_page_visited")["points"] == 20


async def test_an_editor_says_so_when_scoring_does_not_answer(
    admin_http: httpx.AsyncClient, sales_user: Staff
) -> None:
    await log_in(admin_http, sales_user.email, sales_user.password)
    page = await admin_http.get("/admin/rules")
    assert page.status_code == 503
    assert "Scoring antwortet nicht" in page.text
    assert (await admin_http.get("/api/v1/scoring")).status_code == 503


async def test_a_sequence_with_an_unknown_placeholder_is_refused_with_the_field_named(
    admin_http: httpx.AsyncClient, sales_user: Staff, mailer: MailerService
) -> None:
    await log_in(admin_http, sales_user.email, sales_user.password)
    editor = await admin_http.get("/admin/sequences/checklist_2025")
    assert editor.status_code == 200 and "Checkliste" in editor.text
    csrf = await signed_in_csrf(admin_http)
    refused = await admin_http.post(
        "/admin/sequences/checklist_2025",
        data={
            "name": "Checkliste",
            "trigger_event": "lead.magnet_downloaded",
            "trigger_filter": "magnet_type=checklist_2025",
            "active": "on",
            "steps-0-delay_hours": "0",
            "steps-0-subject": "Hallo {{ vorname }}",
            "steps-0-body_text": "Ihre Checkliste",
            "steps-0-transactional": "on",
            "steps-0-active": "on",
            "csrf_token": csrf,
        },
    )
    assert refused.status_code == 422
    assert "Schritt 1 › Betreff" in refused.text and "vorname" in refused.text
    still = (await admin_http.get("/api/v1/sequences")).json()["sequences"]
    checklist = next(s for s in still if s["key"] == "checklist_2025")
    assert len(checklist["steps"]) == 4  # nothing was changed


async def test_a_step_is_previewed_for_a_chosen_lead(
    admin_http: httpx.AsyncClient,
    sales_user: Staff,
    mailer: MailerService,
    client: httpx.AsyncClient,
    scoring: ScoringService,
) -> None:
    await log_in(admin_http, sales_user.email, sales_user.password)
    email, _ = await submit_lead(
        client, activities=[], first_name="Greta", company_name="Vorschau GmbH"
    )

    async def listed() -> list[dict[str, object]] | None:
        items = (await admin_http.get("/api/v1/leads", params={"email": email})).json()["items"]
        return items or None

    await wait_for(listed)  # the read model knows the address

    async def previewed() -> httpx.Response | None:
        csrf = await signed_in_csrf(admin_http)
        page = await admin_http.post(
            "/admin/sequences/checklist_2025/preview",
            data={"lead": email, "csrf_token": csrf},  # chosen by address
        )
        return page if page.status_code == 200 else None  # the mailer learns of the lead

    page = await wait_for(previewed)
    assert "Greta" in page.text and email in page.text
    assert 'sandbox=""' in page.text  # the mail's HTML runs no script in the dashboard
