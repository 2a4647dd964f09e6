"""What sales read on a lead's page, in German: the event type's title, the budget as
people say it, score reasons with their points once, magnets and mails by their titles,
an honest analysis button, and a failed enrichment said so."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import httpx
import pytest
from auftakt_admin.app import AdminService
from auftakt_common.events import (
    NO_CLAUDE_KEY,
    AnalysisMethod,
    EmailHeld,
    EmailOpened,
    EmailSent,
    Event,
    EventDetails,
    LeadAnalyzed,
    LeadMagnetDownloaded,
    LeadScored,
    NotificationSent,
    ScoreChange,
)
from auftakt_common.testing import Servers
from auftakt_enrichment.app import EnrichmentService
from auftakt_mailer.app import MailerService
from auftakt_mailer.app import migrate as migrate_mailer
from auftakt_mailer.settings import MailerSettings
from nats.aio.client import Client

from tests.admin.conftest import Staff
from tests.admin.helpers import all_projected, analyzed, log_in, new_lead, submit_lead, wait_for
from tests.enrichment.sites import Sites
from tests.scoring.helpers import publish

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


async def _project(admin: AdminService, nc: Client, *events: Event) -> None:
    for event in events:
        await publish(nc, event)
    await all_projected(admin, list(events))


async def _lead(admin: AdminService, nc: Client, details: EventDetails, *later: Event) -> UUID:
    lead_id, created = await new_lead(admin, AT)
    created = created.model_copy(
        update={"lead": created.lead.model_copy(update={"event": details})}
    )
    await _project(admin, nc, created, *later)
    return lead_id


def _fact(page: str, name: str) -> str:
    return page.split(f"<dt>{name}</dt><dd>")[1].split("</dd>")[0]


async def test_a_budget_reads_up_to_from_or_between_and_the_event_type_by_its_title(
    admin: AdminService, admin_http: httpx.AsyncClient, sales_user: Staff, nc: Client
) -> None:
    await log_in(admin_http, sales_user.email, sales_user.password)
    cases = [
        (EventDetails(type="firmenjubilaeum", budget_max=8000), "bis 8.000 €"),
        (EventDetails(type="weihnachtsfeier", budget_min=5000), "ab 5.000 €"),
        (EventDetails(type="sommerfest", budget_min=5000, budget_max=8000), "5.000 – 8.000 €"),
        (EventDetails(type="sommerfest"), "–"),
    ]
    for details, budget in cases:
        lead_id = await _lead(admin, nc, details)
        page = (await admin_http.get(f"/admin/leads/{lead_id}")).text
        assert _fact(page, "Budget") == budget
    jubilee = await _lead(admin, nc, EventDetails(type="firmenjubilaeum"))
    page = (await admin_http.get(f"/admin/leads/{jubilee}")).text
    assert _fact(page, "Art") == "Firmenjubiläum"


async def test_a_score_reason_shows_its_points_once(
    admin: AdminService, admin_http: httpx.AsyncClient, sales_user: Staff, nc: Client
) -> None:
    await log_in(admin_http, sales_user.email, sales_user.password)
    lead_id, created = await new_lead(admin, AT)
    scored = [
        LeadScored(
            occurred_at=AT + timedelta(minutes=minute),
            lead_id=lead_id,
            score=score,
            previous_score=score - delta,
            stage="warm",
            changes=[ScoreChange(activity=activity, points=delta, delta=delta, reason=reason)],
        )
        for minute, score, delta, activity, reason in (
            # as scoring said it before the delta had its own place, and as it says it now
            (1, 25, 25, "budget_calculator_used", "Budget Calculator verwendet (+25)"),
            (2, 45, 20, "pricing_page_visited", "Preisseite besucht"),
        )
    ]
    await _project(admin, nc, created, *scored)
    page = (await admin_http.get(f"/admin/leads/{lead_id}")).text
    history = page.split('class="score-history"')[1].split("</ol>")[0]
    assert history.count("+25") == 1 and history.count("+20") == 1
    assert "Preisseite besucht" in history
    detail = (await admin_http.get(f"/api/v1/leads/{lead_id}")).json()
    assert [entry["reason"] for entry in detail["score_history"]] == [
        "Preisseite besucht",
        "Budget Calculator verwendet",
    ]


@pytest.fixture
async def mailer(
    servers: Servers, secrets: dict[str, str], tmp_path: Path
) -> AsyncIterator[MailerService]:
    settings = MailerSettings(
        env="test",
        database_url=servers.database_url,
        nats_url=servers.nats_url,
        mailer_files_dir=tmp_path,
        **secrets,
    )
    migrate_mailer(settings)
    async with MailerService(settings, dispatch=False) as service:
        yield service


async def test_the_timeline_names_magnets_and_mails_by_their_titles(
    admin: AdminService,
    admin_http: httpx.AsyncClient,
    sales_user: Staff,
    nc: Client,
    mailer: MailerService,
) -> None:
    await log_in(admin_http, sales_user.email, sales_user.password)
    lead_id, created = await new_lead(admin, AT)
    sent, confirmation = uuid4(), uuid4()
    later = [
        LeadMagnetDownloaded(
            occurred_at=AT, lead_id=lead_id, download_id=uuid4(), magnet_type="budget_calculator"
        ),
        LeadMagnetDownloaded(
            occurred_at=AT,
            lead_id=lead_id,
            download_id=uuid4(),
            magnet_type="checklist_2025",
            magnet_name="Checkliste 2025",
        ),
        EmailSent(
            occurred_at=AT,
            lead_id=lead_id,
            send_id=confirmation,
            kind="double_opt_in",
            marketing=False,
        ),  # fmt: skip
        EmailSent(
            occurred_at=AT + timedelta(hours=1),
            lead_id=lead_id,
            send_id=sent,
            kind="sequence",
            sequence_key="checklist_2025",
            step=1,
            marketing=False,
        ),  # fmt: skip
        EmailOpened(occurred_at=AT + timedelta(hours=2), lead_id=lead_id, send_id=sent),
    ]
    await _project(admin, nc, created, *later)
    sequences = (await admin_http.get("/api/v1/sequences")).json()["sequences"]
    checklist = next(s for s in sequences if s["key"] == "checklist_2025")
    first = min(checklist["steps"], key=lambda step: step["position"])
    mail = f"{checklist['name']} – Mail 1: {first['subject']}"
    detail = (await admin_http.get(f"/api/v1/leads/{lead_id}")).json()
    assert {entry["title"] for entry in detail["activities"]} == {
        "Budget-Rechner",
        "Checkliste 2025",
    }
    assert [(entry["kind"], entry["title"]) for entry in detail["email_events"]] == [
        ("opened", mail),
        ("sent", mail),
        ("sent", "Bestätigungsmail (Double-Opt-in)"),
    ]
    page = (await admin_http.get(f"/admin/leads/{lead_id}")).text
    assert "budget_calculator" not in page and "Schritt 1" not in page
    assert html.escape(mail) in page


async def test_the_analysis_button_offers_claude_only_when_enrichment_has_a_key(
    admin: AdminService, admin_http: httpx.AsyncClient, sales_user: Staff, nc: Client
) -> None:
    await log_in(admin_http, sales_user.email, sales_user.password)
    budget_used_up = "Tagesbudget für Claude aufgebraucht"  # a key, but not today
    cases = [
        (_analyzed_by("regelbasiert", NO_CLAUDE_KEY), "Regelbasiert analysieren"),
        (_analyzed_by("regelbasiert", budget_used_up), "Mit Claude analysieren"),
        (_analyzed_by("claude", None), "Mit Claude analysieren"),
    ]
    for analysis, button in cases:
        lead_id, created = await new_lead(admin, AT)
        await _project(admin, nc, created, analysis(lead_id))
        page = (await admin_http.get(f"/admin/leads/{lead_id}")).text
        card = page.split('id="analysis"')[1].split("</section>")[0]
        assert f'<button type="submit">{button}</button>' in card
        if button == "Regelbasiert analysieren":
            assert "regelbasiert (kein Claude-API-Schlüssel eingerichtet)" in card
            assert "Mit Claude" not in card


def _analyzed_by(method: AnalysisMethod, reason: str | None) -> Callable[[UUID], LeadAnalyzed]:
    return lambda lead_id: analyzed(
        lead_id, AT + timedelta(minutes=5), method=method, fallback_reason=reason
    )


async def test_a_held_mail_and_the_alerts_sales_got_show_on_the_lead(
    admin: AdminService,
    admin_http: httpx.AsyncClient,
    sales_user: Staff,
    nc: Client,
    mailer: MailerService,
) -> None:
    await log_in(admin_http, sales_user.email, sales_user.password)
    lead_id, created = await new_lead(admin, AT)
    later = [
        EmailHeld(
            occurred_at=AT,
            lead_id=lead_id,
            send_id=uuid4(),
            sequence_key="budget_calculator",
            sequence_name="Budget-Rechner – Ergebnis und Nachfassen",
            step=3,
            missing=["Eventdatum", "freie Termine im Eventmonat"],
        ),
        NotificationSent(
            occurred_at=AT + timedelta(minutes=5),
            lead_id=lead_id,
            notification_id=uuid4(),
            channel="email",
            stage="burning",
            score=88,
            recipient="vertrieb@musikfuerfirmen.de",
        ),
        NotificationSent(
            occurred_at=AT + timedelta(minutes=5),
            lead_id=lead_id,
            notification_id=uuid4(),
            channel="slack",
            stage="burning",
            score=88,
        ),
    ]
    await _project(admin, nc, created, *later)
    detail = (await admin_http.get(f"/api/v1/leads/{lead_id}")).json()
    [held] = detail["email_events"]
    assert (held["kind"], held["note"]) == ("held", "Eventdatum, freie Termine im Eventmonat")
    assert held["title"] == (
        "Budget-Rechner – Ergebnis und Nachfassen – Mail 3: Update: Nur noch … freie Termine im …"
    )  # the subject's placeholders are not raw template text
    assert sorted((a["channel"], a["recipient"]) for a in detail["alerts"]) == [
        ("email", "vertrieb@musikfuerfirmen.de"),
        ("slack", None),
    ]
    page = (await admin_http.get(f"/admin/leads/{lead_id}")).text
    assert "zurückgehalten" in page and "{{" not in page
    assert "nicht gesendet, es fehlt: Eventdatum, freie Termine im Eventmonat" in page
    alerts = page.split('id="alerts"')[1].split("</section>")[0]
    assert "E-Mail an vertrieb@musikfuerfirmen.de" in alerts and "Slack" in alerts
    assert "Score 88" in alerts


async def test_a_failed_enrichment_is_said_in_german_on_the_lead_and_company_page(
    client: httpx.AsyncClient,
    enrichment: EnrichmentService,
    sites: Sites,
    admin_http: httpx.AsyncClient,
    sales_user: Staff,
) -> None:
    await log_in(admin_http, sales_user.email, sales_user.password)
    domain = f"kaputt-{uuid4().hex[:6]}-gmbh.de"
    sites.failing.add(domain)  # its website answers HTTP 500, three times
    email, _ = await submit_lead(client, activities=[], email=f"info@{domain}")

    async def lead_page() -> str | None:
        found = (await admin_http.get("/api/v1/leads", params={"email": email})).json()
        if not found["items"]:
            return None
        return (await admin_http.get(f"/admin/leads/{found['items'][0]['lead_id']}")).text

    said = "Anreicherung fehlgeschlagen: Unter der Domain der Firma ist keine lesbare Website"
    page = await wait_for(lead_page, lambda text: text is not None and said in text, timeout=30)
    assert "noch nicht angereichert" not in page
    assert "HTTP 500" not in page and "answered" not in page
    company_id = page.split('href="/admin/companies/')[1].split('"')[0]
    company = (await admin_http.get(f"/admin/companies/{company_id}")).text
    assert "fehlgeschlagen" in company and "keine lesbare Website" in company
    assert "HTTP 500" not in company and "answered" not in company
    api = (await admin_http.get(f"/api/v1/companies/{company_id}")).json()
    assert api["profile"]["failure"] == "no_website"
