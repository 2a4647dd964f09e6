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

from .domain import (
    DOWNLOAD_URL,
    LeadFacts,
    LeadProfile,
    SequenceDefinition,
    StepDefinition,
    missing_for,
    personalisation,
)
from .messages import LinkMaker, OutgoingMail, compose, double_opt_in_text
from .sequences import SequenceBook
from .settings import MailerSettings
from .templates import RenderedText, placeholders_in, render

__all__ = ["Composer", "Held", "Never", "NotNow"]


def _context(context: str | None) -> dict[str, Any]:
    """What an enrolment kept of its trigger (JSON text: most are `{}`, parsed only if not)."""
    return json.loads(context) if context and context != "{}" else {}


def _profile(row: Mapping[str, Any] | None, first_name: str | None) -> LeadProfile:
    if row is None:
        return LeadProfile(first_name=first_name)
    return LeadProfile(
        first_name=first_name,
        company=row["company_name"],
        guest_count=row["guest_count"],
        budget_min=row["budget_min"],
        budget_max=row["budget_max"],
        event_date=row["event_date"],
        event_type=row["event_type"],
    )


def _used(step: StepDefinition) -> frozenset[str]:
    return frozenset().union(
        *(placeholders_in(text) for text in (step.subject, step.body_html, step.body_text))
    )


class Never(Exception):
    """This mail must not go out (any more): cancelled."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotNow(Never):
    """This mail cannot go out yet: tried again later."""


class Held(Never):
    """This mail needs figures the lead has not given: it is not sent with invented ones,
    but kept and shown to sales (`missing`: what is missing, in German)."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__("fehlende Angaben: " + ", ".join(missing))
        self.missing = missing


def _filled(values: Mapping[str, str | None]) -> dict[str, str]:
    return {name: value for name, value in values.items() if value is not None}


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
                self._settings.address_form,
            )
            return self._mail(send, recipient, rendered, tracking=False)
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
            _profile(profile, first_name),
            context=_context(send["context"]),
            slots_left=slots,
            address_form=self._settings.address_form,
        )
        self._add_download(values, sequence, send)
        if missing := missing_for(values, _used(step)):
            raise Held(missing)
        rendered = render(step.subject, step.body_html, step.body_text, _filled(values))
        return self._mail(send, recipient, rendered, tracking=facts.marketing_allowed)

    def _add_download(
        self, values: dict[str, str | None], sequence: SequenceDefinition, send: Mapping[str, Any]
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
        context: Mapping[str, Any],
        now: datetime,
    ) -> OutgoingMail:
        """`step` of `sequence` as this lead would get it; what it lacks is marked where it
        would stand ("[fehlt: Budget]"), since a real send would be held for it."""
        recipient, first_name = "vorschau@example.de", None
        if profile is not None and key is not None and profile["email_ct"] is not None:
            with contextlib.suppress(SealedValueInvalid):
                recipient = key.open("email", profile["email_ct"])
                if profile["first_name_ct"]:
                    first_name = key.open("first_name", profile["first_name_ct"])
        values = personalisation(
            _profile(profile, first_name),
            context=context,
            slots_left=slots,
            address_form=self._settings.address_form,
        )
        send = {"id": uuid.uuid4(), "lead_id": lead_id, "created_at": now}
        self._add_download(values, sequence, send)
        for name in _used(step):
            if values.get(name) is None:
                values[name] = f"[fehlt: {missing_for(values, [name])[0]}]"
        rendered = render(step.subject, step.body_html, step.body_text, _filled(values))
        return self._mail(send, recipient, rendered, tracking=False)
