"""Leads through the real capture API, and the enrichment commands as the dashboard
sends them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from uuid import UUID, uuid4

import httpx
from auftakt_capture.settings import CaptureSettings
from auftakt_common.commands import (
    ENRICHMENT_ANALYZE,
    ENRICHMENT_COMPANY_GET,
    ENRICHMENT_COMPANY_PUT,
    AnalysisAnswer,
    CommandReply,
    CompanyProfile,
)
from auftakt_common.streams import EVENTS_STREAM
from auftakt_common.tokens import LeadTokens
from nats.aio.client import Client
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.admin.helpers import wait_for

SITE = "https://www.musikfuerfirmen.de"
# +20, +30, +40: warm, then burning
BURNING_VISIT = [
    {"type": "page_view", "page_url": f"{SITE}/preise"},
    {"type": "click", "target": "tel:+4940123456"},
    {"type": "calendar_booking_started"},
]


def company_domain(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:6]}-gmbh.de"


async def submit(
    client: httpx.AsyncClient,
    settings: CaptureSettings,
    email: str,
    *,
    activities: Sequence[dict[str, Any]] = (),
    **fields: Any,
) -> UUID:
    """A lead through capture's form API (then its activities); its id."""
    response = await client.post("/v1/leads", json={"email": email, **fields})
    assert response.status_code == 201, response.text
    token = response.json()["lead_token"]
    for activity in activities:  # one at a time: each scored on its own
        sent = await client.post("/v1/activities", json=[{**activity, "lead_token": token}])
        assert sent.status_code == 202, sent.text
    return LeadTokens(settings.signing_key_bytes, "lead").verify(token)


async def analyze(
    nc: Client, lead_id: UUID | str, timeout: float = 10
) -> CommandReply[AnalysisAnswer]:
    reply = await nc.request(
        ENRICHMENT_ANALYZE, f'{{"lead_id": "{lead_id}"}}'.encode(), timeout=timeout
    )
    return CommandReply[AnalysisAnswer].model_validate_json(reply.data)


async def company_command(
    nc: Client, body: dict[str, Any], *, put: bool = False
) -> CommandReply[CompanyProfile]:
    subject = ENRICHMENT_COMPANY_PUT if put else ENRICHMENT_COMPANY_GET
    reply = await nc.request(subject, json.dumps(body).encode(), timeout=5)
    return CommandReply[CompanyProfile].model_validate_json(reply.data)


async def caught_up(nc: Client, db: AsyncEngine, services: Sequence[str] = ("enrichment",)) -> None:
    """Wait until enrichment (and the other running `services`) took every event already
    in the stream — earlier tests left leads that turn hot — and enrichment ran every
    analysis they asked for that is due (one waiting for its lead to arrive is not)."""

    async def pending() -> list[str]:
        """What is still to do: consumers with messages, analyses not finished."""
        infos = await nc.jetstream().consumers_info(EVENTS_STREAM)
        prefixes = tuple(f"{service}-" for service in services)
        waiting = [
            f"{info.name}: {info.num_pending} pending, {info.num_ack_pending} unacked"
            for info in infos
            if (info.name or "").startswith(prefixes) and (info.num_pending or info.num_ack_pending)
        ]
        async with db.connect() as conn:
            jobs = await conn.execute(
                text(
                    "SELECT id, trigger, attempts, lease_until FROM enrichment.analyses "
                    "WHERE status = 'pending' AND due_at <= now()"
                )
            )
            waiting += [f"analysis {row}" for row in jobs]
        return waiting

    await wait_for(pending, lambda left: not left, timeout=60)
