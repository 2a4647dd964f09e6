"""Signing in through the real login form, reading a page's CSRF token and a form's
fields as a browser would send them, sending a lead through capture (or its
lead.created as capture would publish it, and enrichment's analysis), and waiting for
the read model."""

from __future__ import annotations

import re
from datetime import datetime
from html.parser import HTMLParser
from typing import Any, TypeVar
from uuid import UUID, uuid4

import httpx
from auftakt_admin.app import AdminService
from auftakt_common.events import (
    AnalysisMethod,
    Attribution,
    CompanyInfo,
    EncryptedContact,
    Event,
    EventDetails,
    IntentLevel,
    LeadAnalysis,
    LeadAnalyzed,
    LeadCreated,
    LeadSnapshot,
)
from auftakt_common.vault import to_text
from sqlalchemy import text

from tests.polling import wait_for

_T = TypeVar("_T")

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "page has no CSRF field"
    return found.group(1)


class _FormReader(HTMLParser):
    """The fields of one form (by id) with the values a browser would submit untouched:
    inputs, ticked checkboxes, a select's chosen option, a textarea's text."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.inside = found.get("id") == self.form_id
        if not self.inside or "name" not in found and tag != "option":
            return
        if tag == "input" and found.get("type") != "checkbox":
            self.fields[found["name"]] = found.get("value", "")
        elif tag == "input" and "checked" in found:
            self.fields[found["name"]] = "on"
        elif tag == "select":
            self._select = found["name"]
        elif tag == "option" and self._select is not None:
            if "selected" in found or self._select not in self.fields:
                self.fields[self._select] = found.get("value", "")
        elif tag == "textarea":
            self._textarea = found["name"]
            self.fields[self._textarea] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self.fields[self._textarea] += data


def form_fields(html: str, form_id: str) -> dict[str, str]:
    """What the form `form_id` of a page submits when nothing is changed."""
    reader = _FormReader(form_id)
    reader.feed(html)
    assert reader.fields, f"page has no form #{form_id}"
    return reader.fields


async def log_in(http: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    page = await http.get("/admin/login")
    return await http.post(
        "/admin/login",
        data={"email": email, "password": password, "csrf_token": csrf_of(page.text)},
    )


async def signed_in_csrf(http: httpx.AsyncClient) -> str:
    """The session's CSRF token, read from a page as a browser would."""
    return csrf_of((await http.get("/admin")).text)


async def submit_lead(
    capture: httpx.AsyncClient, *, activities: list[dict[str, Any]], **fields: Any
) -> tuple[str, str]:
    """A website lead through capture, then its activities; (email, lead token)."""
    email = fields.pop("email", f"lead.{uuid4().hex[:10]}@firma-{uuid4().hex[:6]}.de")
    response = await capture.post("/v1/leads", json={"email": email, **fields})
    assert response.status_code == 201, response.text
    token: str = response.json()["lead_token"]
    if activities:
        batch = [{**activity, "lead_token": token} for activity in activities]
        assert (await capture.post("/v1/activities", json=batch)).status_code == 202
    return email, token


async def new_lead(
    admin: AdminService, at: datetime, *, company: str | None = None, first_name: str = "Lena"
) -> tuple[UUID, LeadCreated]:
    """A lead's data key and its lead.created (not yet published), as capture makes them."""
    lead_id = uuid4()
    key, wrapped = admin.keys.vault.new_data_key(lead_id)
    async with admin.engine.begin() as conn:
        await admin.keys.add(conn, lead_id, wrapped)
    created = LeadCreated(
        occurred_at=at,
        lead_id=lead_id,
        lead=LeadSnapshot(
            contact=EncryptedContact(
                email=to_text(key.seal("email", f"{lead_id}@example.de")),
                first_name=to_text(key.seal("first_name", first_name)),
            ),
            company=CompanyInfo(name=company or f"Reihenfolge {lead_id.hex[:6]} GmbH"),
            event=EventDetails(type="sommerfest"),
            first_touch=Attribution(utm_source="google-ads"),
            consent_marketing=False,
            created_at=at,
        ),
    )
    return lead_id, created


async def all_projected(admin: AdminService, events: list[Event]) -> None:
    """Wait until the projector took every one of `events` (its inbox has them)."""
    ids = list({event.event_id for event in events})

    async def taken() -> int:
        async with admin.engine.connect() as conn:
            found = await conn.scalar(
                text("SELECT count(*) FROM admin.inbox WHERE event_id = ANY(:ids)"), {"ids": ids}
            )
        return int(found or 0)

    await wait_for(taken, lambda count: count == len(ids))


def analyzed(
    lead_id: UUID,
    at: datetime,
    intent: IntentLevel = "high",
    method: AnalysisMethod = "claude",
    fallback_reason: str | None = None,
) -> LeadAnalyzed:
    """An analysis as enrichment publishes it (`requested`: the dashboard asked)."""
    return LeadAnalyzed(
        occurred_at=at,
        lead_id=lead_id,
        analysis_id=uuid4(),
        analysis=LeadAnalysis(
            intent_level=intent,
            buying_signals=["Preisseite dreimal besucht", "Termin-Buchung begonnen"],
            recommended_approach="Heute anrufen und zwei Bands für 150 Gäste vorschlagen.",
            qualification_score=87,
            next_best_action="Rückruf mit Angebot bis Freitag",
        ),
        method=method,
        model="claude-sonnet-5-5" if method == "claude" else None,
        input_hash="a1b2c3",
        trigger="requested",
        fallback_reason=fallback_reason,
    )
