"""What sales change about a lead: pipeline status (with the deal value when won),
assignee, notes, and the request to erase it. Each is one transaction with its event in
the outbox."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID, uuid4

from auftakt_common.events import LeadAssigned, LeadErasureRequested, LeadStatusChanged
from auftakt_common.outbox import add_events
from auftakt_common.vault_store import DataKeyShredded, KeyStore
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from .accounts import User, get_user
from .domain import PipelineMoveInvalid, check_pipeline_move
from .models import LeadRow, NoteRow, PipelineRow, StatusChangeRow, outbox
from .projection import erase

__all__ = ["LeadNotFound", "add_note", "assign", "change_status", "request_erasure"]

_MAX_NOTE = 10_000


class LeadNotFound(LookupError):
    pass


async def _current(conn: AsyncConnection, lead_id: UUID) -> tuple[str, UUID | None]:
    """The lead's status and assignee, locked for the change."""
    row = (
        await conn.execute(
            select(LeadRow.status, LeadRow.assignee_id)
            .where(LeadRow.lead_id == lead_id, LeadRow.known.is_(True))
            .with_for_update()
        )
    ).first()
    if row is None:
        raise LeadNotFound(str(lead_id))
    return row.status, row.assignee_id


async def _save_pipeline(
    conn: AsyncConnection, lead_id: UUID, now: datetime, **values: object
) -> None:
    status, assignee_id = await _current(conn, lead_id)
    row = {"status": status, "assignee_id": assignee_id, **values}
    statement = insert(PipelineRow).values(lead_id=lead_id, updated_at=now, **row)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=["lead_id"],
            set_={**{name: statement.excluded[name] for name in values}, "updated_at": now},
        )
    )
    copied = {name: value for name, value in values.items() if name != "deal_value"}
    if copied:  # the list filters on these
        await conn.execute(update(LeadRow).where(LeadRow.lead_id == lead_id).values(**copied))


async def change_status(
    conn: AsyncConnection,
    lead_id: UUID,
    status: str,
    *,
    deal_value: Decimal | None,
    by: User,
    now: datetime,
) -> bool:
    """Move the lead; False if it already had that status (nothing published)."""
    previous, _ = await _current(conn, lead_id)
    value = check_pipeline_move(previous, status, deal_value)
    if previous == status and status != "won":
        return False
    await _save_pipeline(conn, lead_id, now, status=status, deal_value=value)
    await conn.execute(
        insert(StatusChangeRow).values(
            lead_id=lead_id,
            previous_status=previous,
            status=status,
            deal_value=value,
            user_id=by.id,
            changed_at=now,
        )
    )
    await add_events(
        conn,
        outbox,
        [
            LeadStatusChanged(
                lead_id=lead_id,
                previous_status=previous,
                status=status,
                deal_value=value,
                occurred_at=now,
            )
        ],
    )
    return True


async def assign(
    conn: AsyncConnection, lead_id: UUID, assignee_id: UUID | None, *, now: datetime
) -> bool:
    """Give the lead to a colleague (None: to nobody); False if nothing changed."""
    _, previous = await _current(conn, lead_id)
    assignee = None
    if assignee_id is not None:
        assignee = await get_user(conn, assignee_id)
        if assignee is None or not assignee.active:
            raise PipelineMoveInvalid("assignee_id", "unbekannter oder deaktivierter Benutzer")
    if previous == assignee_id:
        return False
    await _save_pipeline(conn, lead_id, now, assignee_id=assignee_id)
    await add_events(
        conn,
        outbox,
        [
            LeadAssigned(
                lead_id=lead_id,
                assignee_id=assignee_id,
                previous_assignee_id=previous,
                assignee_email=assignee.email if assignee else None,
                occurred_at=now,
            )
        ],
    )
    return True


async def add_note(
    conn: AsyncConnection, keys: KeyStore, lead_id: UUID, body: str, *, by: User, now: datetime
) -> UUID:
    """A note, sealed with the lead's data key (erasure makes it unreadable too)."""
    text = body.strip()
    if not text:
        raise PipelineMoveInvalid("body", "Notiz ist leer")
    if len(text) > _MAX_NOTE:
        raise PipelineMoveInvalid("body", f"Notiz ist zu lang (höchstens {_MAX_NOTE} Zeichen)")
    await _current(conn, lead_id)
    try:
        key = await keys.get(conn, lead_id)
    except DataKeyShredded as exc:
        raise LeadNotFound(str(lead_id)) from exc
    note_id = uuid4()
    await conn.execute(
        insert(NoteRow).values(
            id=note_id,
            lead_id=lead_id,
            author_id=by.id,
            body_ct=key.seal("note", text),
            created_at=now,
        )
    )
    return note_id


async def request_erasure(conn: AsyncConnection, lead_id: UUID, *, now: datetime) -> None:
    """Art. 17: every service deletes the lead (capture destroys its data key); admin's
    own copy goes at once."""
    await _current(conn, lead_id)
    await add_events(conn, outbox, [LeadErasureRequested(lead_id=lead_id, occurred_at=now)])
    await erase(conn, lead_id, now)
