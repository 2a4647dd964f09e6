"""What staff typed wrong is said in German, the field named as the page labels it, in
the forms and in the JSON API alike (never pydantic's English)."""

from __future__ import annotations

from uuid import uuid4

import httpx

from tests.admin.conftest import Staff
from tests.admin.helpers import log_in, signed_in_csrf


async def test_the_api_names_each_wrong_field_in_german(
    admin_http: httpx.AsyncClient, admin_user: Staff
) -> None:
    await log_in(admin_http, admin_user.email, admin_user.password)
    csrf = await signed_in_csrf(admin_http)
    refused = await admin_http.post(
        "/api/v1/users",
        json={"email": "lena@musikfuerfirmen.example", "name": "x" * 201, "role": "chef"},
        headers={"X-CSRF-Token": csrf},
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "name", "message": "Name ist zu lang (höchstens 200 Zeichen)"},
        {"field": "role", "message": "Rolle hat keinen erlaubten Wert (möglich: admin, sales)"},
    ]
    status = await admin_http.post(
        f"/api/v1/leads/{uuid4()}/status",
        json={"status": "won", "deal_value": "viel"},
        headers={"X-CSRF-Token": csrf},
    )
    assert status.status_code == 422
    assert status.json()["errors"] == [
        {"field": "deal_value", "message": "Auftragswert muss eine Zahl sein"}
    ]
    note = await admin_http.post(
        f"/api/v1/leads/{uuid4()}/notes", json={"body": ""}, headers={"X-CSRF-Token": csrf}
    )
    assert note.json()["errors"] == [{"field": "body", "message": "Notiz fehlt"}]
    broken = await admin_http.post(
        "/api/v1/tokens",
        content=b"{name",
        headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"},
    )
    assert broken.json()["errors"] == [
        {"field": "body", "message": "Die Anfrage ist kein gültiges JSON"}
    ]


async def test_a_form_field_too_long_is_refused_with_its_german_label(
    admin_http: httpx.AsyncClient, sales_user: Staff
) -> None:
    await log_in(admin_http, sales_user.email, sales_user.password)
    csrf = await signed_in_csrf(admin_http)
    page = await admin_http.post("/admin/tokens", data={"name": "x" * 101, "csrf_token": csrf})
    assert page.status_code == 422
    assert "Name ist zu lang (höchstens 100 Zeichen)" in page.text
    assert "String should" not in page.text and "name:" not in page.text
