"""What the mailer does when something happens to a lead, each in one transaction: keep
its profile, enrol it (or send content asked for again), ask for consent, stop its
sequences, queue alerts, erase it. Every reaction is idempotent, so a redelivered event
changes nothing more."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import structlog
from auftakt_common.events import (
    STAGES,
    ActivityRecorded,
    ConsentConfirmed,
    ConsentRequested,
    LeadAssigned,
    LeadCreated,
    LeadMagnetDownloaded,
    LeadStageChanged,
    LeadUpdated,
)
from auftakt_common.outbox import OutboxRelay
from auftakt_common.vault import from_text

from . import repository as repo
from .alerts import AlertSender
from .domain import SequenceDefinition, first_step
from .sequences import SequenceBook
from .settings import MailerSettings

__all__ = ["Reactions"]

_log = structlog.get_logger("auftakt.mailer")

Clock = Callable[[], datetime]
# a second request this soon after the first (a double submit) gets no second mail
_REPEAT_WINDOW = timedelta(minutes=10)
# a mail held for missing figures is tried again when the lead changes, for this long
_HELD_FOR = timedelta(days=7)


def _sealed(value: str | None) -> bytes | None:
    return from_text(value) if value else None


class Reactions:
    def __init__(
        self,
        relay: OutboxRelay,
        book: SequenceBook,
        alerts: AlertSender,
        settings: MailerSettings,
        clock: Clock,
    ) -> None:
        self._relay = relay
        self._book = book
        self._alerts = alerts
        self._settings = settings
        self._clock = clock

    async def lead_snapshot(self, event: LeadCreated | LeadUpdated) -> None:
        """Keep the lead's contact and the facts its mails are personalised with."""
        lead = event.lead
        async with self._relay.transaction() as conn:
            stored = await repo.upsert_lead_snapshot(
                conn,
                {
                    "lead_id": event.lead_id,
                    "email_ct": _sealed(lead.contact.email),
                    "first_name_ct": _sealed(lead.contact.first_name),
                    "company_name": lead.company.name,
                    "event_type": lead.event.type,
                    "event_date": lead.event.date,
                    "guest_count": lead.event.guest_count,
                    "budget_min": lead.event.budget_min,
                    "budget_max": lead.event.budget_max,
                    "snapshot_at": event.occurred_at,
                },
            )
            if stored and isinstance(event, LeadCreated):
                fields = {"source": lead.first_touch.source}
                await self._enrol(
                    conn, event.lead_id, event.subject, fields, {}, event, self._clock()
                )
            elif stored:  # the figures a held mail waited for may be here now
                now = self._clock()
                await repo.release_held_sends(conn, event.lead_id, now, now - _HELD_FOR)

    async def consent_requested(self, event: ConsentRequested) -> None:
        """A form asked for marketing consent: the double-opt-in mail, at once (one per
        request; none while consent is confirmed and not withdrawn since)."""
        now = self._clock()
        async with self._relay.transaction() as conn:
            if not await repo.record_lead_fact(
                conn, event.lead_id, "consent_requested_at", event.occurred_at
            ):
                return  # erased
            facts = (await repo.lead_facts(conn, [event.lead_id])).get(event.lead_id)
            if facts is not None and facts.marketing_allowed:
                return
            if await repo.double_opt_in_since(conn, event.lead_id, now - _REPEAT_WINDOW):
                return  # the form was sent twice: one confirmation mail is enough
            await repo.queue_send(
                conn,
                {
                    "id": uuid.uuid4(),
                    "lead_id": event.lead_id,
                    "kind": "double_opt_in",
                    "marketing": False,
                    "next_attempt_at": now,
                    "dedupe_key": f"doi:{event.event_id}",
                    "created_at": now,
                },
            )

    async def triggered(
        self,
        lead_id: UUID,
        event: Any,
        fields: Mapping[str, Any],
        context: Mapping[str, Any] | None = None,
    ) -> None:
        """An event that may start sequences (a download, the calculator's result, …),
        with what the enrolment keeps of it (`context`). A lead magnet asked for again
        gets its content again: the first step, if transactional (its download link may
        have expired), not the nurture after it."""
        if not (sequences := await self._book.matching(event.subject, fields)):
            return  # most events start nothing: no transaction for them
        now = self._clock()
        async with self._relay.transaction() as conn:
            new = await self._enrol(conn, lead_id, event.subject, fields, context or {}, event, now)
            if event.subject != LeadMagnetDownloaded.subject:
                return
            for sequence in sequences:
                if sequence.id not in new:
                    await self._send_content_again(conn, lead_id, sequence, event, now)

    async def _send_content_again(
        self, conn: Any, lead_id: UUID, sequence: SequenceDefinition, event: Any, now: datetime
    ) -> None:
        first = sequence.step_after(None)
        if first is None or not first.transactional:
            return
        since = now - _REPEAT_WINDOW
        if await repo.step_mail_since(conn, lead_id, sequence.id, first.position, since):
            return  # the form was sent twice: one mail is enough
        await repo.queue_send(
            conn,
            {
                "id": uuid.uuid4(),
                "lead_id": lead_id,
                "sequence_id": sequence.id,
                "position": first.position,
                "kind": "sequence",
                "marketing": False,
                "next_attempt_at": now,
                "dedupe_key": f"again:{event.event_id}:{sequence.id}",
                "created_at": now,
            },
        )
        _log.info("content sent again", lead_id=str(lead_id), sequence=sequence.key)

    async def activity(self, event: ActivityRecorded) -> None:
        if event.lead_id is None:
            return
        if event.attributed_later and self._clock() - event.occurred_at > timedelta(days=1):
            return  # an old visit attributed to a new lead: too late to follow up on
        fields = {
            "activity_type": event.activity_type,
            "page_url": event.page_url,
            "target": event.target,
        }
        await self.triggered(event.lead_id, event, fields)

    async def _enrol(
        self,
        conn: Any,
        lead_id: UUID,
        subject: str,
        fields: Mapping[str, Any],
        context: Mapping[str, Any],
        event: Any,
        now: datetime,
    ) -> set[UUID]:
        """Enrol the lead in the sequences the event starts; those it is new in."""
        rows = []
        for sequence in await self._book.matching(subject, fields):
            first = first_step(sequence, now)
            if first is None:
                continue
            position, due_at = first
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "lead_id": lead_id,
                    "sequence_id": sequence.id,
                    "next_position": position,
                    "next_due_at": due_at,
                    "context": context,
                    "cause_event_id": event.event_id,
                    "enrolled_at": now,
                }
            )
        new = await repo.enrol(conn, rows) if rows else set()
        if new:
            _log.info("lead enrolled", lead_id=str(lead_id), sequences=len(new))
        return new

    async def consent_confirmed(self, event: ConsentConfirmed) -> None:
        """Marketing mail is allowed: sequences held for it go on, and sequences that start
        with the confirmation (a welcome series) begin."""
        now = self._clock()
        async with self._relay.transaction() as conn:
            if await repo.record_lead_fact(
                conn, event.lead_id, "consent_confirmed_at", event.occurred_at
            ):
                await repo.release_held_enrolments(conn, event.lead_id, now)
                await self._enrol(conn, event.lead_id, event.subject, {}, {}, event, now)

    async def stop(self, lead_id: UUID, fact: str, at: datetime, reason: str) -> None:
        """The lead opted out, bounced, complained or replied: it leaves every sequence."""
        async with self._relay.transaction() as conn:
            if await repo.record_lead_fact(conn, lead_id, fact, at):
                await repo.stop_enrolments(conn, lead_id, reason, self._clock())
        _log.info("lead left its sequences", lead_id=str(lead_id), reason=reason)

    async def pipeline_status(self, lead_id: UUID, status: str) -> None:
        async with self._relay.transaction() as conn:
            await repo.set_pipeline_status(conn, lead_id, status)
            if status in ("won", "lost"):
                await repo.stop_enrolments(conn, lead_id, status, self._clock())

    async def stage_changed(self, event: LeadStageChanged) -> None:
        """Keep the stage; alert sales once for each entry into an alerting stage."""
        entered = STAGES.index(event.stage) > STAGES.index(event.previous_stage)
        alert = entered and event.stage in self._settings.mailer_alert_stages
        now = self._clock()
        async with self._relay.transaction() as conn:
            await repo.set_stage(conn, event.lead_id, event.stage, event.score)
            if alert:
                assignee = await repo.assignee_email(conn, event.lead_id)
                await repo.queue_notifications(
                    conn,
                    [
                        {
                            "id": uuid.uuid4(),
                            "lead_id": event.lead_id,
                            "stage": event.stage,
                            "score": event.score,
                            "channel": channel,
                            "recipient": recipient,
                            "entry_event_id": event.event_id,
                            "created_at": now,
                        }
                        for channel, recipient in self._alerts.destinations(assignee)
                    ],
                )

    async def assigned(self, event: LeadAssigned) -> None:
        """Alerts about the lead go to the rep it is assigned to from now on."""
        async with self._relay.transaction() as conn:
            await repo.set_assignee(conn, event.lead_id, event.assignee_email)

    async def erase(self, lead_id: UUID) -> None:
        async with self._relay.transaction() as conn:
            await repo.erase_lead(conn, lead_id)
        _log.info("lead erased", lead_id=str(lead_id))
