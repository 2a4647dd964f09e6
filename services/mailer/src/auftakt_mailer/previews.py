"""The sequence editor's preview: a step as a chosen lead would get it (the lead's own
figures, what its enrolment kept, the footer and unsubscribe link), without sending."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from auftakt_common.commands import CommandReply, FieldError, MailPreview, PreviewMail
from auftakt_common.outbox import OutboxRelay
from auftakt_common.vault_store import KeyStore

from . import repository as repo
from .composer import Composer
from .sequences import SequenceBook

__all__ = ["Previews"]


def _refusal(field: str, message: str) -> CommandReply[MailPreview]:
    return CommandReply(ok=False, errors=[FieldError(field=field, message=message)])


class Previews:
    def __init__(
        self,
        *,
        relay: OutboxRelay,
        keys: KeyStore,
        book: SequenceBook,
        composer: Composer,
        clock: Callable[[], datetime],
    ) -> None:
        self._relay = relay
        self._keys = keys
        self._book = book
        self._composer = composer
        self._clock = clock

    async def preview(self, request: PreviewMail) -> CommandReply[MailPreview]:
        """A step as a chosen lead would get it (the admin's editor)."""
        async with self._relay.transaction() as conn:
            await self._book.current(conn)
            sequence = self._book.by_key(request.key)
            if sequence is None:
                return _refusal("key", "unbekannte Sequenz")
            step = (
                sequence.by_position(request.position)
                if request.position is not None
                else sequence.step_after(None)
            )
            if step is None:
                return _refusal("position", "unbekannter Schritt")
            lead_id = request.lead_id
            profile = (await repo.lead_profiles(conn, [lead_id])).get(lead_id) if lead_id else None
            if lead_id is not None and profile is None:
                return _refusal("lead_id", "unbekannter Lead")
            keys, _ = await self._keys.get_openable(conn, [lead_id] if lead_id else [])
            slots = await repo.month_slots(conn)
            context = await repo.enrolment_context(conn, lead_id, sequence.id) if lead_id else {}
        mail = self._composer.preview(
            sequence,
            step,
            lead_id or uuid.uuid4(),
            profile,
            keys.get(lead_id) if lead_id else None,
            slots,
            context,
            self._clock(),
        )
        preview = MailPreview(
            to=mail.recipient, subject=mail.subject, html=mail.html, text=mail.text
        )
        return CommandReply(ok=True, data=preview)
