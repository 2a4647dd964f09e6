"""admin-api's OpenAPI document (served to staff) is one a client can read — every
reference resolves — and requests generated from it, fitting it or not, get no server
error from admin-api or from the owners it asks (capture, scoring, the mailer,
enrichment, all running).

The generated requests save whatever the document allows: price tables, forms, scoring
rules, sequences. Other tests expect those as shipped, so the run has a database and a
NATS server of its own (same PostgreSQL server, a fresh database; an embedded NATS)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import psycopg
import pytest
from asgi_lifespan import LifespanManager
from auftakt_admin import accounts
from auftakt_admin.app import AdminService, create_app
from auftakt_admin.app import migrate as migrate_admin
from auftakt_admin.settings import AdminSettings
from auftakt_capture.app import create_app as create_capture_app
from auftakt_capture.app import migrate as migrate_capture
from auftakt_capture.settings import CaptureSettings
from auftakt_common.embedded import EmbeddedNats, free_port
from auftakt_common.events import utc_now
from auftakt_common.testing import Servers
from auftakt_enrichment.app import EnrichmentService
from auftakt_enrichment.app import migrate as migrate_enrichment
from auftakt_enrichment.settings import EnrichmentSettings
from auftakt_mailer.app import MailerService
from auftakt_mailer.app import migrate as migrate_mailer
from auftakt_mailer.settings import MailerSettings
from auftakt_scoring.app import ScoringService
from auftakt_scoring.app import migrate as migrate_scoring
from auftakt_scoring.settings import ScoringSettings
from sqlalchemy.engine import make_url

from tests.admin.conftest import Staff
from tests.admin.helpers import log_in, signed_in_csrf
from tests.openapi import EXAMPLES, listening, server_errors, unresolved_refs


async def test_every_reference_in_the_openapi_document_resolves(
    admin_http: httpx.AsyncClient, sales_user: Staff
) -> None:
    await log_in(admin_http, sales_user.email, sales_user.password)

    response = await admin_http.get("/api/openapi.json")

    assert response.status_code == 200, response.text
    document = response.json()
    assert document["paths"], "the document describes no operation"
    assert unresolved_refs(document) == []


# What earlier runs got a 5xx for (the database refused a NUL character or an id past
# BIGINT), kept as examples: each is refused naming the field.
_FOUND = [
    ("POST", "/api/v1/tokens", {"name": "Skript\u0000"}, "name"),
    ("POST", "/api/v1/tokens", {"name": "   "}, "name"),
    (
        "POST",
        "/api/v1/users",
        {"email": "neu@example.de", "name": "N\u0000", "role": "sales"},
        "name",
    ),
    ("GET", "/api/v1/leads?company=%00", None, "company"),
    ("GET", "/api/v1/leads?source=utm%00", None, "source"),
    ("GET", "/api/v1/companies?search=%00", None, "search"),
    (
        "PUT",
        "/api/v1/scoring/rules/page_view",
        {"points": 1, "description": "\u0000"},
        "description",
    ),
    ("DELETE", f"/api/v1/scoring/mappings/{2**63}", None, "id"),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), _FOUND)
async def test_input_the_database_cannot_hold_is_refused_naming_the_field(
    admin_http: httpx.AsyncClient,
    admin_user: Staff,
    scoring: ScoringService,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    field: str,
) -> None:
    await log_in(admin_http, admin_user.email, admin_user.password)
    csrf = await signed_in_csrf(admin_http)

    response = await admin_http.request(method, path, json=body, headers={"X-CSRF-Token": csrf})

    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["detail"]["errors"]] == [field]


@pytest.fixture
def own_servers(servers: Servers, tmp_path: Path) -> Iterator[Servers]:
    """A fresh database on the session's PostgreSQL and a NATS server of its own."""
    url = make_url(servers.database_url)
    name = f"fuzz_{uuid4().hex[:12]}"
    server = url.set(drivername="postgresql", database="postgres").render_as_string(False)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    nats = EmbeddedNats(tmp_path / "nats", free_port())
    try:
        nats_url = nats.start()
        yield Servers(url.set(database=name).render_as_string(False), nats_url, "fuzz")
    finally:
        nats.stop()
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@contextlib.asynccontextmanager
async def _running_owners(
    own: Servers,
    capture_settings: CaptureSettings,
    scoring_settings: ScoringSettings,
    enrichment_settings: EnrichmentSettings,
    mailer_settings: MailerSettings,
) -> AsyncIterator[None]:
    """Capture, scoring, the mailer and enrichment as their tests run them, moved onto
    `own` and migrated there."""
    moved = {"database_url": own.database_url, "nats_url": own.nats_url}
    capture = capture_settings.model_copy(update=moved)
    scoring = scoring_settings.model_copy(update=moved)
    enrichment = enrichment_settings.model_copy(update=moved)
    mailer = mailer_settings.model_copy(update=moved)
    migrate_capture(capture)
    migrate_scoring(scoring)
    migrate_enrichment(enrichment)
    migrate_mailer(mailer)
    async with (
        LifespanManager(create_capture_app(capture), startup_timeout=30, shutdown_timeout=30),
        ScoringService(scoring, decay=False),
        MailerService(mailer, dispatch=False),  # answers the editor; sends nothing
        EnrichmentService(enrichment),
    ):
        yield


@pytest.fixture
async def admin_on_own_servers(
    own_servers: Servers,
    admin_settings: AdminSettings,
    capture_settings: CaptureSettings,
    scoring_settings: ScoringSettings,
    enrichment_settings: EnrichmentSettings,
    secrets: dict[str, str],
    tmp_path: Path,
) -> AsyncIterator[tuple[str, str]]:
    """admin-api listening on loopback with every owner it asks running; its base URL and
    an administrator's API token."""
    mailer_settings = MailerSettings(  # as the editors' tests run it
        env="test",
        mailer_files_dir=tmp_path,
        **secrets,
    )
    settings = admin_settings.model_copy(
        update={"database_url": own_servers.database_url, "nats_url": own_servers.nats_url}
    )
    migrate_admin(settings)
    async with (
        _running_owners(
            own_servers, capture_settings, scoring_settings, enrichment_settings, mailer_settings
        ),
        AdminService(settings) as admin,
    ):
        async with admin.engine.begin() as conn:
            user, _ = await accounts.create_user(
                conn,
                email="fuzz@musikfuerfirmen.example",
                name="Fuzz",
                role="admin",
                password=f"Geheim-{uuid4().hex}",
            )
            _, token = await accounts.create_api_token(conn, user.id, "fuzz", now=utc_now())
        async with listening(create_app(settings, admin), lifespan=True) as base_url:
            yield base_url, token


async def test_requests_generated_from_the_openapi_document_get_no_server_error(
    admin_on_own_servers: tuple[str, str],
) -> None:
    base_url, token = admin_on_own_servers
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers) as http:
        response = await http.get("/api/openapi.json")
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()

    started = time.monotonic()
    report = await asyncio.to_thread(
        server_errors, document, base_url, headers=headers, examples=EXAMPLES
    )
    print(f"{report.requests} requests in {time.monotonic() - started:.1f}s\n{report.summary()}")

    assert report.server_errors == {}, report.describe()
    assert report.requests > len(document["paths"]) * EXAMPLES
    refused = [label for label, counts in report.statuses.items() if {401, 403} & set(counts)]
    assert refused == [], "the run did not reach these signed in"
