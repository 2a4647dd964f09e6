"""Art. 17 through the real services: a lead that was scored, projected, mailed, alerted
and enriched is erased by the admin API, and then a dump of the whole database holds
nothing of it but the tombstones that prove the erasure; the copies in the stream no
longer open, because its data key is gone."""

from __future__ import annotations

import asyncio
import random
import re
import shutil
import string
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx
import pytest
from auftakt_admin import accounts
from auftakt_admin.app import AdminService, create_app
from auftakt_capture.settings import CaptureSettings
from auftakt_common.embedded import postgres_program
from auftakt_common.events import LeadErasureRequested
from auftakt_common.testing import Servers
from auftakt_common.tokens import LeadTokens
from auftakt_common.vault import from_text
from auftakt_common.vault_store import DataKeyShredded, KeyStore
from auftakt_enrichment.app import EnrichmentService
from auftakt_mailer.app import MailerService
from auftakt_scoring.app import ScoringService
from nats.aio.client import Client
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.admin.conftest import admin, admin_settings  # noqa: F401
from tests.admin.helpers import wait_for
from tests.enrichment.conftest import enrichment, enrichment_settings, sites  # noqa: F401
from tests.enrichment.helpers import caught_up
from tests.events import for_lead, stream_messages
from tests.mailer.conftest import mailer, mailer_settings, providers, smtp  # noqa: F401
from tests.mailer.fakes import Providers
from tests.mailer.helpers import deliver_due
from tests.scoring.helpers import publish

SITE = "https://www.musikfuerfirmen.de"
SERVICES = ("capture", "scoring", "mailer", "enrichment", "admin")
# the only rows an erasure leaves: which lead was erased, and when
TOMBSTONES = {
    "scoring.erased_leads",
    "mailer.erased_leads",
    "enrichment.erased_leads",
    "admin.erased_leads",
}


def _letters(count: int) -> str:
    return "".join(random.choices(string.ascii_lowercase, k=count))


def _spellings(value: str) -> list[str]:
    """How a value can stand in a plain dump, lower-cased: as text, and as the hex of its
    bytes (a `bytea` column, such as an outbox payload, is dumped as `\\x<hex>`)."""
    return [value.lower(), value.encode().hex()]


def lead_id_spellings(lead_id: UUID) -> list[str]:
    """The lead id with dashes and as 32 hex digits (also: its 16 bytes in a `bytea`)."""
    return [*_spellings(str(lead_id)), *_spellings(lead_id.hex)]


def tables_holding(dump: str, needles: Iterable[str]) -> set[str]:
    """The tables of a plain `pg_dump` whose rows hold any of `needles` (lower-case);
    `(outside rows)` if one stands elsewhere in the dump."""
    wanted = list(needles)
    found: set[str] = set()
    table: str | None = None
    for line in dump.splitlines():
        if table is None and (copy := re.match(r"COPY (\S+) \(", line)):
            table = copy.group(1)
            continue
        if table is not None and line == "\\.":
            table = None
            continue
        lowered = line.lower()
        if any(needle in lowered for needle in wanted):
            found.add(table or "(outside rows)")
    return found


async def pg_dump(servers: Servers) -> str:
    """The whole database as plain SQL, by the pg_dump of the server's own version."""
    if servers.origin == "embedded":
        program = str(postgres_program("pg_dump"))
    elif (on_path := shutil.which("pg_dump")) is not None:
        program = on_path
    else:
        pytest.skip(f"no pg_dump on PATH for the {servers.origin} PostgreSQL")
    url = servers.database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    dumping = await asyncio.create_subprocess_exec(
        program,
        "--no-owner",
        f"--dbname={url}",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    output, errors = await dumping.communicate()
    if dumping.returncode != 0 and b"server version mismatch" in errors:
        pytest.skip(f"the pg_dump on PATH is older than the server: {errors.decode()}")
    assert dumping.returncode == 0, errors.decode()
    return output.decode()


async def _one(db: AsyncEngine, sql: str, **params: Any) -> dict[str, Any]:
    async with db.connect() as conn:
        return dict((await conn.execute(text(sql), params)).mappings().one())


async def _left_of(db: AsyncEngine, lead_id: UUID) -> dict[str, Any]:
    """What each service still holds of the lead that an erasure removes, and whether each
    tombstone is there."""
    outboxes = " + ".join(
        f"(SELECT count(*) FROM {schema}.outbox WHERE lead_id = :id)" for schema in SERVICES
    )
    tombstones = ", ".join(
        f'EXISTS (SELECT FROM {table} WHERE lead_id = :id) AS "{table}"' for table in TOMBSTONES
    )
    return await _one(
        db,
        "SELECT (SELECT count(*) FROM capture.leads WHERE id = :id) AS lead, "
        "(SELECT count(*) FROM vault.data_keys WHERE lead_id = :id) AS data_key, "
        f"{outboxes} AS outbox_rows, {tombstones}",
        id=lead_id,
    )


async def test_an_erased_lead_leaves_only_its_tombstones_in_a_dump_of_the_whole_database(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    scoring: ScoringService,
    mailer: MailerService,  # noqa: F811
    providers: Providers,  # noqa: F811
    enrichment: EnrichmentService,  # noqa: F811
    admin: AdminService,  # noqa: F811
    servers: Servers,
    db: AsyncEngine,
    nc: Client,
) -> None:
    suffix = _letters(8)
    first_name, last_name = f"Fenja{suffix}", f"Oltmanns{suffix}"
    phone = "+49 30 " + "".join(random.choices(string.digits, k=8))
    email = f"fenja.{suffix}@eventhaus-{suffix}.de"
    visitor = f"v-{suffix}"

    # a visitor browses, asks for the checklist with consent, then shows buying intent
    anonymous = [
        {"type": "page_view", "visitor_id": visitor, "page_url": f"{SITE}/"},
        {"type": "page_view", "visitor_id": visitor, "page_url": f"{SITE}/bands"},
    ]
    assert (await client.post("/v1/activities", json=anonymous)).status_code == 202
    form = await client.post(
        "/v1/leads",
        json={
            "email": email,
            "first_name": first_name,
            "last_name": last_name,
            "phone": phone,
            "company_name": f"Eventhaus {suffix.title()} GmbH",
            "event_type": "weihnachtsfeier",
            "event_date": "2027-12-10",
            "guest_count": 140,
            "budget_max": 9000,
            "location": "Hamburg",
            "visitor_id": visitor,
            "consent_marketing": True,
            "consent_text": "Ja, ich möchte Tipps und Angebote per E-Mail erhalten.",
            "lead_magnet": "checklist_2025",
        },
    )
    assert form.status_code == 201, form.text
    token = form.json()["lead_token"]
    lead_id = LeadTokens(capture_settings.signing_key_bytes, "lead").verify(token)
    intent = [
        {"type": "page_view", "page_url": f"{SITE}/preise"},
        {"type": "click", "target": "tel:+4940123456"},
        {"type": "calendar_booking_started"},
    ]
    for activity in intent:  # one at a time: each scored on its own
        sent = await client.post("/v1/activities", json=[{**activity, "lead_token": token}])
        assert sent.status_code == 202, sent.text

    # every service works on it: scored, alerted, mailed, enriched and analysed, projected
    await wait_for(
        lambda: _one(  # one row even before scoring has the lead
            db,
            "SELECT (SELECT stage FROM scoring.lead_scores WHERE lead_id = :id) AS stage",
            id=lead_id,
        ),
        lambda row: row["stage"] == "burning",
    )
    await wait_for(
        lambda: _one(
            db,
            "SELECT (SELECT count(*) FROM mailer.sends WHERE lead_id = :id) AS sends, "
            "(SELECT count(*) FROM mailer.notifications WHERE lead_id = :id) AS alerts",
            id=lead_id,
        ),
        lambda row: row["sends"] >= 1 and row["alerts"] >= 1,
    )
    await deliver_due(mailer)
    await wait_for(
        lambda: _one(
            db,
            "SELECT (SELECT count(*) FROM enrichment.analyses WHERE lead_id = :id "
            "AND status = 'done') AS analysed, (SELECT count(*) FROM admin.leads "
            "WHERE lead_id = :id AND score > 0) AS projected",
            id=lead_id,
        ),
        lambda row: row["analysed"] >= 1 and row["projected"] == 1,
        timeout=40,
    )
    async with admin.engine.begin() as conn:
        user, _ = await accounts.create_user(
            conn,
            email=f"dpo.{suffix}@musikfuerfirmen.example",
            name="Datenschutz",
            role="admin",
            password=f"Geheim-{suffix}",
        )
        _, secret = await accounts.create_api_token(
            conn, user.id, "Löschskript", now=datetime.now(UTC)
        )
    transport = httpx.ASGITransport(app=create_app(admin.settings, admin))
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://admin.test",
        headers={"Authorization": f"Bearer {secret}"},
    ) as api:
        moved = await api.post(f"/api/v1/leads/{lead_id}/status", json={"status": "contacted"})
        noted = await api.post(f"/api/v1/leads/{lead_id}/notes", json={"body": "Rückruf Do"})
        assert (moved.status_code, noted.status_code) == (200, 201)
        await caught_up(nc, db, SERVICES)

        needles = lead_id_spellings(lead_id)
        personal = [
            spelling
            for value in (email, first_name, last_name, phone, phone.replace(" ", ""))
            for spelling in _spellings(value)
        ]
        before = await pg_dump(servers)
        # the scan sees the lead where it is: its rows, and every outbox's payloads
        assert {
            "capture.leads",
            "vault.data_keys",
            "scoring.lead_scores",
            "mailer.sends",
            "enrichment.analyses",
            "admin.leads",
            *(f"{schema}.outbox" for schema in SERVICES),
        } <= tables_holding(before, needles)
        assert tables_holding(before, personal) == set()  # only ever stored sealed

        erased = await api.delete(f"/api/v1/leads/{lead_id}")
        assert erased.status_code == 202, erased.text

    def everywhere(left: dict[str, Any]) -> bool:
        return (left["lead"], left["data_key"], left["outbox_rows"]) == (0, 0, 0) and all(
            left[table] for table in TOMBSTONES
        )

    await wait_for(lambda: _left_of(db, lead_id), everywhere)
    await caught_up(nc, db, SERVICES)  # nothing about the lead is still on its way
    assert everywhere(await _left_of(db, lead_id))

    after = await pg_dump(servers)
    assert tables_holding(after, needles) == TOMBSTONES
    assert tables_holding(after, personal) == set()


async def test_a_stream_message_of_an_erased_lead_no_longer_opens(
    client: httpx.AsyncClient, capture_settings: CaptureSettings, db: AsyncEngine, nc: Client
) -> None:
    email = f"weg.{_letters(10)}@firma-{_letters(6)}.de"
    form = await client.post("/v1/leads", json={"email": email, "first_name": "Jorinde"})
    assert form.status_code == 201, form.text
    lead_id = LeadTokens(capture_settings.signing_key_bytes, "lead").verify(
        form.json()["lead_token"]
    )
    of_lead = for_lead(str(lead_id))
    created = await stream_messages(
        nc,
        lambda subject, payload: subject == "lead.created" and of_lead(subject, payload),
        expect=1,
    )
    sealed = from_text(created[0][1]["lead"]["contact"]["email"])
    keys = KeyStore(capture_settings.vault())
    async with db.connect() as conn:
        assert (await keys.get(conn, lead_id)).open("email", sealed) == email

    await publish(nc, LeadErasureRequested(lead_id=lead_id))
    await wait_for(lambda: _left_of(db, lead_id), lambda left: left["data_key"] == 0)

    event_id = created[0][1]["event_id"]
    again = await stream_messages(
        nc, lambda _s, payload: payload.get("event_id") == event_id, expect=1
    )
    assert from_text(again[0][1]["lead"]["contact"]["email"]) == sealed  # still in the stream
    async with db.connect() as conn:
        with pytest.raises(DataKeyShredded):
            await keys.get(conn, lead_id)
