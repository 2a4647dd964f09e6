"""A claimed send made into the mail that leaves: the lead's address and first name
opened with its data key, the step's texts filled, footer, links and headers. Also the
preview of a step for a chosen lead (the admin's sequence editor)."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from uuid import UUID

from auftakt_common.vault import DataKey, SealedValueInvalid

from .domain import DOWNLOAD_URL, LeadFacts, SequenceDefinition, StepDefinition, personalisation
from .messages import LinkMaker, OutgoingMail, compose, double_opt_in_text
from .sequences import SequenceBook
from .settings import MailerSettings
from .templates import RenderedText, render

__all__ = ["Composer", "Never", "NotNow"]


def _numbers(context: str | None) -> dict[str, int]:
    """An enrolment's personalisation numbers (JSON text: most are `{}`, parsed only if not)."""
    return json.loads(context) if context and context != "{}" else {}


class Never(Exception):
    """This mail must not go out (any more): cancelled."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotNow(Never):
    """This mail cannot go out yet: tried again later."""


class Composer:
    def __init__(self, book: SequenceBook, links: LinkMaker, settings: MailerSettings) -> None:
        self._book = book
        self._links = links
        self._settings = settings

    def compose(
        self,
        send: Mapping[str, Any],
        profile: Mapping[str, Any] | None,
        keys: Mapping[UUID, DataKey],
        slots: Mapping[date, int],
    ) -> OutgoingMail:
        """The mail for a claimed send; `_Never` if it must not go out (any more),
        `_NotNow` if it cannot yet (the lead's `lead.created` is still on its way)."""
        facts = LeadFacts.of(profile) if profile is not None else None
        if profile is None or facts is None or not facts.known:
            raise NotNow("lead not known yet")
        if (reason := facts.undeliverable_reason) is not None:
            raise Never(reason)
        lead_id: UUID = send["lead_id"]
        key = keys.get(lead_id)
        if key is None:
            raise Never("data key shredded")
        try:
            recipient = key.open("email", profile["email_ct"])
            sealed_name = profile["first_name_ct"]
            first_name = key.open("first_name", sealed_name) if sealed_name else None
        except SealedValueInvalid as exc:
            raise Never("contact does not decrypt") from exc
        issued_at: datetime = send["created_at"]
        if send["kind"] == "double_opt_in":
            if facts.marketing_allowed:
                raise Never("consent already confirmed")
            if not facts.consent_pending:
                raise Never("opted out after the request")
            rendered = double_opt_in_text(
                first_name or "",
                self._links.confirm(lead_id, issued_at=issued_at),
                self._settings.doi_link_days,
            )
            return self._mail(send, recipient, rendered, tracking=False, unsubscribe=False)
        sequence = self._book.cached(send["sequence_id"])
        step = sequence.step_at(send["position"]) if sequence else None
        if sequence is None or step is None or step.position != send["position"]:
            raise Never("step removed or switched off")
        if send["marketing"]:
            if (reason := facts.stop_reason) is not None:
                raise Never(reason)
            if not facts.marketing_allowed:
                raise Never("no marketing consent")
        values = personalisation(
            first_name=first_name,
            company=profile["company_name"],
            guest_count=profile["guest_count"],
            budget_max=profile["budget_max"],
            event_date=profile["event_date"],
            event_type=profile["event_type"],
            context=_numbers(send["context"]),
            slots_left=slots,
        )
        self._add_download(values, sequence, send)
        rendered = render(step.subject, step.body_html, step.body_text, values)
        return self._mail(
            send, recipient, rendered, tracking=facts.marketing_allowed, unsubscribe=True
        )

    def _add_download(
        self, values: dict[str, str], sequence: SequenceDefinition, send: Mapping[str, Any]
    ) -> None:
        """The link to the file of the lead magnet that started the sequence, made for this
        lead and send (issued at the send's creation: every rendering is the same)."""
        if (magnet := sequence.trigger.magnet) is not None:
            values[DOWNLOAD_URL] = self._links.download(
                send["lead_id"], send["id"], magnet, issued_at=send["created_at"]
            )

    def _mail(
        self,
        send: Mapping[str, Any],
        recipient: str,
        rendered: RenderedText,
        *,
        tracking: bool,
        unsubscribe: bool,
    ) -> OutgoingMail:
        settings = self._settings
        return compose(
            send_id=send["id"],
            lead_id=send["lead_id"],
            recipient=recipient,
            rendered=rendered,
            sender=settings.mailer_sender,
            reply_to=settings.mailer_reply_to,
            imprint=settings.mailer_imprint,
            links=self._links,
            tracking=tracking,
            unsubscribe=unsubscribe,
            message_domain=settings.sender_domain,
            issued_at=send["created_at"],
        )

    def preview(
        self,
        sequence: SequenceDefinition,
        step: StepDefinition,
        lead_id: UUID,
        profile: Mapping[str, Any] | None,
        key: DataKey | None,
        slots: Mapping[date, int],
        now: datetime,
    ) -> OutgoingMail:
        """`step` of `sequence` as this lead would get it (without a lead or its key: the
        fallbacks)."""
        recipient, first_name = "vorschau@example.de", None
        if profile is not None and key is not None and profile["email_ct"] is not None:
            with contextlib.suppress(SealedValueInvalid):
                recipient = key.open("email", profile["email_ct"])
                if profile["first_name_ct"]:
                    first_name = key.open("first_name", profile["first_name_ct"])
        values = personalisation(
            first_name=first_name,
            company=profile["company_name"] if profile else None,
            guest_count=profile["guest_count"] if profile else None,
            budget_max=profile["budget_max"] if profile else None,
            event_date=profile["event_date"] if profile else None,
            event_type=profile["event_type"] if profile else None,
            context={},
            slots_left=slots,
        )
        send = {"id": uuid.uuid4(), "lead_id": lead_id, "created_at": now}
        self._add_download(values, sequence, send)
        rendered = render(step.subject, step.body_html, step.body_text, values)
        return self._mail(send, recipient, rendered, tracking=False, unsubscribe=True)
