"""The two things capture does, each inside the caller's transaction: take a lead
submission, and record activities. State change and events are written together."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID, uuid4

from auftakt_common.events import (
    ActivityRecorded,
    Attribution,
    ConsentRequested,
    Event,
    LeadCreated,
    LeadMagnetDownloaded,
    LeadUpdated,
)
from auftakt_common.outbox import add_events
from auftakt_common.pii import scrub_emails_deep
from auftakt_common.tokens import LeadTokens, TokenInvalid
from auftakt_common.vault import DataKey
from auftakt_common.vault_store import KeyStore
from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from . import repository as repo
from .domain import (
    CONTACT_FIELDS,
    MARKETING_EMAIL,
    ActivityTooOld,
    activity_time,
    attribution_of,
    fill_empty,
    lead_profile,
    magnet_use,
    snapshot,
    truncate_ip,
)
from .models import outbox
from .schemas import ActivityCreate, LeadCreate

__all__ = ["ActivitiesRecorded", "Intake", "InvalidField", "LeadSubmitted"]


class InvalidField(ValueError):
    """Input that passed the schema but not our checks; `field` names where."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class LeadSubmitted:
    submission_id: UUID
    lead_id: UUID
    outcome: Literal["created", "updated"]
    changed_fields: list[str]
    consent_requested: bool = False


@dataclass(frozen=True, slots=True)
class ActivitiesRecorded:
    accepted: int
    ignored: int


def _sealed_contact(data_key: DataKey, submission: LeadCreate) -> dict[str, bytes | None]:
    return {
        f"{name}_ct": data_key.seal_optional(name, getattr(submission, name))
        for name in CONTACT_FIELDS
    }


def _activity_event(
    row: Mapping[str, Any] | RowMapping, *, attributed_later: bool = False
) -> ActivityRecorded:
    return ActivityRecorded(
        occurred_at=row["occurred_at"],
        activity_id=row["id"],
        lead_id=row["lead_id"],
        visitor_id=row["visitor_id"],
        activity_type=row["activity_type"],
        page_url=row["page_url"],
        target=row["target"],
        detail=row["detail"],
        attributed_later=attributed_later,
    )


class Intake:
    def __init__(self, keys: KeyStore, lead_tokens: LeadTokens) -> None:
        self._keys = keys
        self._lead_tokens = lead_tokens

    def lead_token(self, lead_id: UUID) -> str:
        return self._lead_tokens.issue(lead_id)

    async def submit_lead(
        self,
        conn: AsyncConnection,
        submission: LeadCreate,
        *,
        client_ip: str | None,
        now: datetime,
        correlation_id: str | None = None,
    ) -> LeadSubmitted:
        """Create the lead, or update the one with this address; record the touch."""
        email_bidx = self._keys.vault.blind_index(submission.email)
        while True:  # most addresses are new: try to create first, else update
            created = await self._create(conn, email_bidx, submission, client_ip, now)
            if created is not None:
                row, changed = created, self._given_fields(submission)
                outcome: Literal["created", "updated"] = "created"
                break
            existing = await repo.get_lead_by_email_bidx(conn, email_bidx)
            if existing is not None:  # else it was erased in between: create again
                row, changed = await self._update(conn, existing, submission)
                outcome = "updated"
                break

        lead_id: UUID = row["id"]
        submission_id = uuid4()
        attribution = attribution_of(submission)
        await repo.add_submission(
            conn,
            id=submission_id,
            lead_id=lead_id,
            outcome=outcome,
            form_id=submission.form_id,
            attribution=attribution,
            changed_fields=changed,
            submitted_at=now,
        )
        events: list[Event] = []
        if outcome == "created":
            events.append(
                LeadCreated(lead_id=lead_id, lead=snapshot(row), visitor_id=submission.visitor_id)
            )
        else:
            events.append(
                LeadUpdated(
                    lead_id=lead_id,
                    lead=snapshot(row),
                    changed_fields=changed,
                    touch=Attribution(**attribution),
                    visitor_id=submission.visitor_id,
                )
            )
        consent_requested = await self._requests_consent(conn, lead_id, outcome, submission)
        if consent_requested:
            await repo.add_consent(
                conn,
                id=uuid4(),
                lead_id=lead_id,
                purpose=MARKETING_EMAIL,
                state="requested",
                consent_text=submission.consent_text,
                source_url=submission.landing_page or submission.referrer,
                submission_id=submission_id,
                recorded_at=now,
            )
            # after lead.created / lead.updated: the mailer knows the lead when it asks
            events.append(ConsentRequested(lead_id=lead_id))
        if submission.lead_magnet:
            download_id = uuid4()
            await repo.add_magnet_download(
                conn,
                id=download_id,
                lead_id=lead_id,
                magnet_type=submission.lead_magnet,
                magnet_name=submission.magnet_name,
                quiz_results=submission.quiz_results,
                downloaded_at=now,
            )
            events.append(
                LeadMagnetDownloaded(
                    lead_id=lead_id,
                    download_id=download_id,
                    magnet_type=submission.lead_magnet,
                    magnet_name=submission.magnet_name,
                    quiz_results=submission.quiz_results,
                )
            )
        if submission.visitor_id:
            earlier = await repo.attribute_visitor_activities(
                conn, submission.visitor_id, lead_id, now
            )
            events.extend(_activity_event(a, attributed_later=True) for a in earlier)
        await add_events(conn, outbox, events, correlation_id=correlation_id)
        return LeadSubmitted(submission_id, lead_id, outcome, changed, consent_requested)

    @staticmethod
    async def _requests_consent(
        conn: AsyncConnection,
        lead_id: UUID,
        outcome: Literal["created", "updated"],
        submission: LeadCreate,
    ) -> bool:
        """Whether this submission is a new double-opt-in request: consent ticked, and the
        lead's consent not confirmed (never asked, a request pending or expired, or withdrawn).
        The lead is locked (created here, or `get_lead_by_email_bidx`), so a confirmation
        cannot slip in between this read and the request recorded after it."""
        if not submission.consent_marketing:
            return False
        if outcome == "created":
            return True  # a new lead has no ledger yet
        return await repo.latest_consent_state(conn, lead_id, MARKETING_EMAIL) != "confirmed"

    @staticmethod
    def _given_fields(submission: LeadCreate) -> list[str]:
        given = ["email", *CONTACT_FIELDS, *lead_profile(submission)]
        return [name for name in given if getattr(submission, name) is not None]

    async def _create(
        self,
        conn: AsyncConnection,
        email_bidx: bytes,
        submission: LeadCreate,
        client_ip: str | None,
        now: datetime,
    ) -> RowMapping | None:
        lead_id = uuid4()
        data_key, wrapped = self._keys.vault.new_data_key(lead_id)
        row = await repo.insert_lead(
            conn,
            {
                "id": lead_id,
                "email_bidx": email_bidx,
                "email_ct": data_key.seal("email", submission.email),
                "ip_address_ct": data_key.seal_optional("ip_address", client_ip),
                **_sealed_contact(data_key, submission),
                **lead_profile(submission),
                **attribution_of(submission),
                "consent_marketing": submission.consent_marketing,
                "submission_count": 1,
                "created_at": now,
                "updated_at": now,
            },
        )
        if row is not None:
            await self._keys.add(conn, lead_id, wrapped)
        return row

    async def _update(
        self, conn: AsyncConnection, existing: RowMapping, submission: LeadCreate
    ) -> tuple[RowMapping, list[str]]:
        data_key = await self._keys.get(conn, existing["id"])
        offered: dict[str, Any] = {
            **_sealed_contact(data_key, submission),
            **lead_profile(submission),
        }
        changes = fill_empty(existing, offered)
        if submission.consent_marketing and not existing["consent_marketing"]:
            changes["consent_marketing"] = True
        row = await repo.update_lead(conn, existing["id"], changes)
        return row, sorted(name.removesuffix("_ct") for name in changes)

    async def record_activities(
        self,
        conn: AsyncConnection,
        activities: Sequence[ActivityCreate],
        *,
        client_ip: str | None,
        user_agent: str | None,
        now: datetime,
        correlation_id: str | None = None,
    ) -> ActivitiesRecorded:
        """Store a batch of activities and publish each; unknown types are kept as sent."""
        token_leads = self._resolve_tokens(activities)
        times = self._occurred_times(activities, now)
        known_leads = await repo.existing_lead_ids(conn, token_leads.values())
        visitor_leads = await repo.touch_visitors(
            conn, (a.visitor_id for a in activities if a.visitor_id), now
        )

        rows: list[dict[str, Any]] = []
        ignored = 0
        ip_prefix = truncate_ip(client_ip)
        used = await self._magnets_used(conn, activities, token_leads, visitor_leads)
        for index, activity in enumerate(activities):
            lead_id = token_leads.get(index)
            if lead_id is not None and lead_id not in known_leads:
                ignored += 1  # the lead was erased; keep nothing about it
                continue
            if lead_id is None and activity.visitor_id:
                lead_id = visitor_leads.get(activity.visitor_id)
            magnet = magnet_use(activity.type, activity.detail)
            if magnet is not None:
                users = {activity.visitor_id, lead_id} - {None}
                if any((user, magnet) in used for user in users):
                    ignored += 1  # the same magnet again: one signal, not two
                    continue
                used.update((user, magnet) for user in users)
            rows.append(
                {
                    "id": uuid4(),
                    "lead_id": lead_id,
                    "visitor_id": activity.visitor_id,
                    "activity_type": activity.type,
                    # personal data stays out of the clear-text log: mailto:, ?email=…
                    "page_url": scrub_emails_deep(activity.page_url),
                    "referrer": scrub_emails_deep(activity.referrer),
                    "target": scrub_emails_deep(activity.target),
                    "detail": scrub_emails_deep(activity.detail),
                    "ip_prefix": ip_prefix,
                    "user_agent": (user_agent or None) and user_agent[:512],
                    "occurred_at": times[index],
                    "received_at": now,
                }
            )
        await repo.add_activities(conn, rows)
        await add_events(
            conn, outbox, [_activity_event(row) for row in rows], correlation_id=correlation_id
        )
        return ActivitiesRecorded(accepted=len(rows), ignored=ignored)

    async def record_lead_activity(
        self,
        conn: AsyncConnection,
        lead_id: UUID,
        activity_type: str,
        *,
        target: str | None,
        detail: Mapping[str, Any],
        client_ip: str | None,
        user_agent: str | None,
        now: datetime,
        correlation_id: str | None = None,
    ) -> None:
        """Record what a lead did through one of capture's own links (a download from a
        mail) and publish it; the caller holds the lead (`repo.hold_lead`)."""
        row: dict[str, Any] = {
            "id": uuid4(),
            "lead_id": lead_id,
            "visitor_id": None,
            "activity_type": activity_type,
            "page_url": None,
            "referrer": None,
            "target": target,
            "detail": dict(detail),
            "ip_prefix": truncate_ip(client_ip),
            "user_agent": (user_agent or None) and user_agent[:512],
            "occurred_at": now,
            "received_at": now,
        }
        await repo.add_activities(conn, [row])
        await add_events(conn, outbox, [_activity_event(row)], correlation_id=correlation_id)

    @staticmethod
    async def _magnets_used(
        conn: AsyncConnection,
        activities: Sequence[ActivityCreate],
        token_leads: Mapping[int, UUID],
        visitor_leads: Mapping[str, UUID | None],
    ) -> set[tuple[object, str]]:
        """(visitor id or lead id, magnet) of the magnet uses already recorded for those
        in this batch who use a magnet in it (most batches use none: no query)."""
        visitors: set[str] = set()
        leads: set[UUID] = set()
        for index, activity in enumerate(activities):
            if magnet_use(activity.type, activity.detail) is None:
                continue
            if activity.visitor_id:
                visitors.add(activity.visitor_id)
                if (linked := visitor_leads.get(activity.visitor_id)) is not None:
                    leads.add(linked)
            if (lead_id := token_leads.get(index)) is not None:
                leads.add(lead_id)
        used: set[tuple[object, str]] = set()
        for visitor, lead, magnet in await repo.magnet_uses(conn, visitors, leads):
            if magnet is not None:
                used.update((user, magnet) for user in (visitor, lead) if user is not None)
        return used

    def _resolve_tokens(self, activities: Sequence[ActivityCreate]) -> dict[int, UUID]:
        resolved: dict[int, UUID] = {}
        verified: dict[str, UUID] = {}  # a page's batch repeats one token: check it once
        for index, activity in enumerate(activities):
            token = activity.lead_token
            if token is None:
                continue
            try:
                if token not in verified:
                    verified[token] = self._lead_tokens.verify(token)
                resolved[index] = verified[token]
            except TokenInvalid as exc:
                raise InvalidField(
                    f"activities[{index}].lead_token", "is not a valid lead token"
                ) from exc
        return resolved

    @staticmethod
    def _occurred_times(activities: Sequence[ActivityCreate], now: datetime) -> list[datetime]:
        times = []
        for index, activity in enumerate(activities):
            try:
                times.append(activity_time(activity.occurred_at, now))
            except ActivityTooOld as exc:
                raise InvalidField(f"activities[{index}].occurred_at", str(exc)) from exc
        return times
