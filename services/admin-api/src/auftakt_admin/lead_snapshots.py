"""Lead snapshots (lead.created, lead.updated) into the read model: each lead's newest
in one upsert per batch, never replacing a newer one, with the blind index of the address
for the exact e-mail search."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import structlog
from auftakt_common.db import bulk_insert
from auftakt_common.events import LeadCreated, LeadUpdated
from auftakt_common.vault import SealedValueInvalid, from_text
from auftakt_common.vault_store import KeyStore
from sqlalchemy.ext.asyncio import AsyncConnection

from .domain import lead_source
from .models import PROFILE_COLUMNS, leads_table

__all__ = ["write_snapshots"]

_log = structlog.get_logger("auftakt.admin.projection")
_leads = leads_table


async def write_snapshots(
    conn: AsyncConnection, keys: KeyStore, events: Sequence[LeadCreated | LeadUpdated]
) -> None:
    """Each lead's newest snapshot of the batch, in one upsert; an older one never
    replaces a newer (they arrive on two subjects)."""
    email_indexes = await _email_indexes(conn, keys, events)
    rows = [_snapshot_row(event, email_indexes.get(event.lead_id)) for event in events]
    await bulk_insert(conn, _leads, rows, _SNAPSHOT_UPSERT)


_SNAPSHOT_COLUMNS = (
    "lead_id",
    "known",
    "email_ct",
    "email_index",
    "first_name_ct",
    "last_name_ct",
    "phone_ct",
    *PROFILE_COLUMNS,
    "first_touch",
    "last_touch",
    "created_at",
    "snapshot_at",
    "last_activity_at",
)


_REPLACED = [
    name
    for name in _SNAPSHOT_COLUMNS
    if name not in ("lead_id", "last_activity_at", "email_index", "last_touch")
]
# newer snapshots replace older ones (and the stub an early event made, whose creation
# time was a guess); the blind index and the last touch only when given
_SNAPSHOT_UPSERT = (
    "ON CONFLICT (lead_id) DO UPDATE SET "
    + ", ".join(f"{name} = EXCLUDED.{name}" for name in _REPLACED)
    + ", email_index = COALESCE(EXCLUDED.email_index, leads.email_index)"
    + ", last_touch = COALESCE(EXCLUDED.last_touch, leads.last_touch)"
    + " WHERE leads.snapshot_at IS NULL OR leads.snapshot_at <= EXCLUDED.snapshot_at"
)


def _snapshot_row(event: LeadCreated | LeadUpdated, email_index: bytes | None) -> dict[str, Any]:
    lead = event.lead
    return {
        "lead_id": event.lead_id,
        "known": True,
        "email_ct": from_text(lead.contact.email),
        "email_index": email_index,
        "first_name_ct": _sealed(lead.contact.first_name),
        "last_name_ct": _sealed(lead.contact.last_name),
        "phone_ct": _sealed(lead.contact.phone),
        "company_name": lead.company.name,
        "company_size": lead.company.size,
        "industry": lead.company.industry,
        "company_domain": lead.company.domain,
        "event_type": lead.event.type,
        "event_date": lead.event.date,
        "guest_count": lead.event.guest_count,
        "budget_min": lead.event.budget_min,
        "budget_max": lead.event.budget_max,
        "event_location": lead.event.location,
        "source": lead_source(lead.first_touch),
        "first_touch": lead.first_touch.model_dump(mode="json", exclude_none=True),
        "last_touch": (
            event.touch.model_dump(mode="json", exclude_none=True)
            if isinstance(event, LeadUpdated)
            else None
        ),
        "created_at": lead.created_at,
        "snapshot_at": event.occurred_at,
        "last_activity_at": event.occurred_at,
    }


async def _email_indexes(
    conn: AsyncConnection, keys: KeyStore, events: Sequence[LeadCreated | LeadUpdated]
) -> dict[UUID, bytes]:
    """The blind index of each lead's address (the exact e-mail search), opened with the
    lead's data key; a lead whose key is gone or does not open is searchable otherwise."""
    data_keys, _ = await keys.get_openable(conn, {event.lead_id for event in events})
    indexes: dict[UUID, bytes] = {}
    for event in events:
        key = data_keys.get(event.lead_id)
        if key is None:
            continue
        try:
            email = key.open("email", from_text(event.lead.contact.email))
        except (SealedValueInvalid, ValueError):
            _log.warning("lead address does not open", lead_id=str(event.lead_id))
            continue
        indexes[event.lead_id] = keys.vault.blind_index(email)
    return indexes


def _sealed(text: str | None) -> bytes | None:
    return None if text is None else from_text(text)
