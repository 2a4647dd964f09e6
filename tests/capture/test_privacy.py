"""Personal data is stored and sent only encrypted: no table, event or log line holds it
in plaintext, and destroying the lead's data key makes every copy unreadable."""

from __future__ import annotations

import io
import uuid

import httpx
from auftakt_capture.settings import CaptureSettings
from auftakt_common.db import create_engine
from auftakt_common.logging import configure_logging
from auftakt_common.testing import Servers
from auftakt_common.vault import from_text
from auftakt_common.vault_store import DataKeyShredded, KeyStore
from nats.aio.client import Client

from tests.events import for_lead, stream_messages

from .helpers import query
from .test_leads import lead_id_of


async def all_rows_as_text(database_url: str) -> str:
    tables = await query(
        database_url,
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_schema IN ('capture', 'vault') AND table_type = 'BASE TABLE'",
    )
    dumps = []
    for table in tables:
        rows = await query(
            database_url,
            f'SELECT t::text AS row FROM "{table["table_schema"]}"."{table["table_name"]}" t',
        )
        dumps.extend(row["row"] for row in rows)
        dumps.extend(  # bytea columns as UTF-8, in case plaintext hid in binary
            row["row"]
            for row in await query(
                database_url,
                f"SELECT encode(convert_to(t::text, 'UTF8'), 'escape') AS row "
                f'FROM "{table["table_schema"]}"."{table["table_name"]}" t',
            )
        )
    return "\n".join(dumps)


async def test_no_plaintext_personal_data_in_tables_events_or_logs(
    client: httpx.AsyncClient, capture_settings: CaptureSettings, servers: Servers, nc: Client
) -> None:
    marker = uuid.uuid4().hex[:8]
    email = f"klara.{marker}@privat-beispiel.de"
    first, last, phone = f"Klara{marker}", f"Musterfrau{marker}", "+49 151 55501234"
    logs = io.StringIO()
    configure_logging(service="capture", fmt="json", level="DEBUG", stream=logs)
    try:
        created = await client.post(
            "/v1/leads",
            data={
                "email": email,
                "first_name": first,
                "last_name": last,
                "phone": phone,
                "consent_marketing": "on",
                "visitor_id": f"visitor{marker}",
            },
        )
        again = await client.post("/v1/leads", json={"email": email.upper(), "location": "Köln"})
        assert (created.status_code, again.status_code) == (303, 201)
        lead_id = lead_id_of(again, capture_settings)
        await client.post(
            "/v1/activities",
            json={
                "type": "page_view",
                "lead_token": again.json()["lead_token"],
                "page_url": "https://www.musikfuerfirmen.de/preise",
            },
        )
        # lead.created, consent.requested, lead.updated, activity.recorded
        events = await stream_messages(nc, for_lead(lead_id), expect=4)
    finally:
        configure_logging(service="capture", fmt="console")

    secrets = [email, email.upper(), first, last, phone, "55501234", "203.0.113.7"]
    stored = await all_rows_as_text(servers.database_url)
    published = "\n".join(str(payload) for _, payload, _ in events)
    logged = logs.getvalue()
    assert lead_id in stored and lead_id in published and "lead submitted" in logged
    for secret in secrets:
        assert secret not in stored, f"{secret!r} stored in plaintext"
        assert secret not in published, f"{secret!r} published in plaintext"
        assert secret not in logged, f"{secret!r} logged in plaintext"

    # …yet staff can read it with the lead's key, until that key is destroyed
    created_event = next(p for s, p, _ in events if s == "lead.created")
    vault = capture_settings.vault()
    keys = KeyStore(vault)
    engine = create_engine(servers.database_url)
    try:
        async with engine.begin() as conn:
            data_key = await keys.get(conn, uuid.UUID(lead_id))
            sealed_email = from_text(created_event["lead"]["contact"]["email"])
            assert data_key.open("email", sealed_email) == email
            assert await keys.shred(conn, uuid.UUID(lead_id))
        async with engine.connect() as conn:
            try:
                await keys.get(conn, uuid.UUID(lead_id))
                raise AssertionError("the data key survived shredding")
            except DataKeyShredded:
                pass
    finally:
        await engine.dispose()
