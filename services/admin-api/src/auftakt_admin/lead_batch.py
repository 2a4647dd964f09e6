"""Lead events into the read model, a batch at a time: rows go in bulk (activities,
score history, mails, analyses), and each lead's row is updated once per batch (its
newest snapshot, score and enrichment, summed counters). Order-proof: a row exists from
a lead's first event, and only newer snapshots, scores and enrichments replace older."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast
from uuid import UUID

from auftakt_common.db import bulk_insert
from auftakt_common.events import (
    ActivityRecorded,
    ConsentConfirmed,
    ConsentRequested,
    EmailBounced,
    EmailClicked,
    EmailComplained,
    EmailHeld,
    EmailOpened,
    EmailReplied,
    EmailSent,
    Event,
    LeadAnalyzed,
    LeadCreated,
    LeadEnriched,
    LeadMagnetDownloaded,
    LeadOptedOut,
    LeadScored,
    LeadStageChanged,
    LeadUpdated,
    NotificationSent,
)
from auftakt_common.vault_store import KeyStore
from sqlalchemy import Table, and_, or_, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from .lead_snapshots import write_snapshots
from .models import (
    ActivityRow,
    AlertRow,
    AnalysisRow,
    EmailEventRow,
    ScoreHistoryRow,
    leads_table,
)

__all__ = ["LeadBatch"]

_leads = leads_table
_activities = cast(Table, ActivityRow.__table__)
_score_history = cast(Table, ScoreHistoryRow.__table__)
_email_events = cast(Table, EmailEventRow.__table__)
_analyses = cast(Table, AnalysisRow.__table__)
_alerts = cast(Table, AlertRow.__table__)
_EMAIL_KINDS: dict[type[Event], str] = {
    EmailSent: "sent",
    EmailOpened: "opened",
    EmailClicked: "clicked",
    EmailBounced: "bounced",
    EmailComplained: "complained",
    EmailReplied: "replied",
    EmailHeld: "held",
}
_NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass
class _LeadChange:
    """What a batch changes on one lead's row (None: nothing)."""

    touched: datetime | None = None
    score: int | None = None
    stage: str | None = None
    score_at: datetime | None = None
    stage_changed_at: datetime | None = None
    sent: int = 0
    opened: int = 0
    clicked: int = 0
    mail_state: str | None = None
    enriched_at: datetime | None = None
    company_id: UUID | None = None
    decision_maker: bool | None = None
    employee_count: int | None = None

    def touch(self, at: datetime) -> None:
        self.touched = at if self.touched is None else max(self.touched, at)


def _later(current: datetime | None, at: datetime) -> bool:
    return current is None or current <= at


@dataclass
class LeadBatch:
    """The lead events of one batch (the caller dropped erased leads' and repeats)."""

    snapshots: dict[UUID, LeadCreated | LeadUpdated] = field(default_factory=dict)
    activities: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    emails: list[dict[str, Any]] = field(default_factory=list)
    analyses: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    changes: dict[UUID, _LeadChange] = field(default_factory=dict)
    consents: list[ConsentRequested | ConsentConfirmed | LeadOptedOut] = field(
        default_factory=list
    )  # rare: one statement each
    first_seen: dict[UUID, datetime] = field(default_factory=dict)

    def _change(self, lead_id: UUID) -> _LeadChange:
        return self.changes.setdefault(lead_id, _LeadChange())

    def add(self, event: Event) -> None:
        lead_id: UUID = getattr(event, "lead_id")  # noqa: B009 — the caller checked
        seen = self.first_seen.get(lead_id)
        self.first_seen[lead_id] = (
            event.occurred_at if seen is None else min(seen, event.occurred_at)
        )
        match event:
            case LeadCreated() | LeadUpdated():
                newest = self.snapshots.get(event.lead_id)
                if newest is None or newest.occurred_at <= event.occurred_at:
                    self.snapshots[event.lead_id] = event
                self._change(event.lead_id).touch(event.occurred_at)
            case ActivityRecorded():
                assert event.lead_id is not None
                self._activity(
                    event.activity_id,
                    event.lead_id,
                    event.activity_type,
                    event.page_url,
                    event.target,
                    event.detail or None,
                    event.occurred_at,
                )
            case LeadMagnetDownloaded():
                detail: dict[str, Any] = {"magnet_type": event.magnet_type}
                if event.magnet_name:
                    detail["magnet_name"] = event.magnet_name
                if event.quiz_results:
                    detail["quiz_results"] = event.quiz_results
                self._activity(
                    event.download_id,
                    event.lead_id,
                    "lead_magnet_downloaded",
                    None,
                    event.magnet_type,
                    detail,
                    event.occurred_at,
                )
            case LeadScored():
                self._scored(event)
            case LeadStageChanged():
                change = self._change(event.lead_id)
                if _later(change.stage_changed_at, event.occurred_at):
                    change.stage_changed_at = event.occurred_at
            case LeadEnriched():
                change = self._change(event.lead_id)  # a row must exist
                if _later(change.enriched_at, event.occurred_at):
                    change.enriched_at = event.occurred_at
                    change.company_id = event.company_id
                    change.decision_maker = event.decision_maker
                    change.employee_count = event.employee_count
            case LeadAnalyzed():  # kept apart from the lead's row: it needs none
                self.analyses.append(_analysis_row(event))
            case NotificationSent():
                self._change(event.lead_id)  # a row must exist
                self.alerts.append(
                    {
                        "event_id": event.event_id,
                        "lead_id": event.lead_id,
                        "channel": event.channel,
                        "recipient": event.recipient,
                        "stage": event.stage,
                        "score": event.score,
                        "occurred_at": event.occurred_at,
                    }
                )
            case _ if type(event) in _EMAIL_KINDS:
                self._email(event)
            case ConsentRequested() | ConsentConfirmed() | LeadOptedOut():
                self._change(event.lead_id)  # a row must exist
                self.consents.append(event)

    def _activity(
        self,
        activity_id: UUID,
        lead_id: UUID,
        activity_type: str,
        page_url: str | None,
        target: str | None,
        detail: dict[str, Any] | None,
        at: datetime,
    ) -> None:
        self.activities.append(
            {
                "activity_id": activity_id,
                "lead_id": lead_id,
                "activity_type": activity_type,
                "page_url": page_url,
                "target": target,
                "detail": detail,
                "occurred_at": at,
            }
        )
        self._change(lead_id).touch(at)

    def _scored(self, event: LeadScored) -> None:
        self.history.extend(
            {
                "event_id": event.event_id,
                "position": position,
                "lead_id": event.lead_id,
                "occurred_at": event.occurred_at,
                "score": event.score,
                "activity": change.activity,
                "points": change.points,
                "delta": change.delta,
                "reason": change.reason,
            }
            for position, change in enumerate(event.changes)
        )
        change = self._change(event.lead_id)
        if _later(change.score_at, event.occurred_at):
            change.score, change.stage, change.score_at = (
                event.score,
                event.stage,
                event.occurred_at,
            )

    def _email(self, event: Event) -> None:
        kind = _EMAIL_KINDS[type(event)]
        lead_id: UUID = getattr(event, "lead_id")  # noqa: B009 — every mail event has one
        self.emails.append(
            {
                "event_id": event.event_id,
                "lead_id": lead_id,
                "send_id": getattr(event, "send_id", None),
                "kind": kind,
                "sequence_key": getattr(event, "sequence_key", None),
                "step": getattr(event, "step", None),
                "url": getattr(event, "url", None),
                "note": ", ".join(event.missing) if isinstance(event, EmailHeld) else None,
                "occurred_at": event.occurred_at,
            }
        )
        change = self._change(lead_id)
        if kind in ("sent", "opened", "clicked"):
            setattr(change, kind, getattr(change, kind) + 1)
        if kind in ("opened", "clicked", "replied"):
            change.touch(event.occurred_at)
        if kind == "complained":
            change.mail_state = "complained"
        elif kind == "bounced" and getattr(event, "permanent", False):
            change.mail_state = change.mail_state or "bounced"

    async def write(self, conn: AsyncConnection, keys: KeyStore) -> None:
        # rows in lead order: two batches lock shared leads in the same order
        if self.snapshots:
            await write_snapshots(conn, keys, [self.snapshots[i] for i in sorted(self.snapshots)])
        stubs = sorted(set(self.changes) - set(self.snapshots))
        # no activity yet: a score or a mail is not something the lead did
        stub_rows = [
            {"lead_id": i, "created_at": self.first_seen[i], "last_activity_at": _NEVER}
            for i in stubs
        ]
        await bulk_insert(conn, _leads, stub_rows, "ON CONFLICT (lead_id) DO NOTHING")
        for table, rows in (
            (_activities, self.activities),
            (_score_history, self.history),
            (_email_events, self.emails),
            (_analyses, self.analyses),  # keyed by analysis: the reply's copy, then the event
            (_alerts, self.alerts),
        ):
            # an anonymous visitor's activity comes again once it becomes a lead
            await bulk_insert(conn, table, rows, "ON CONFLICT DO NOTHING")
        if self.changes:
            await _update_leads(conn, sorted(self.changes.items()))
        for consent in self.consents:
            await _consent(conn, consent)


# a newer enrichment replaces the lead's company, decision maker and employees
_ENRICHED = (
    "v.enriched_at IS NOT NULL AND (l.enriched_at IS NULL OR l.enriched_at <= v.enriched_at)"
)
_UPDATE_LEADS = text(
    """
UPDATE admin.leads AS l SET
    last_activity_at = GREATEST(l.last_activity_at, v.touched),
    score = CASE WHEN v.score_at IS NOT NULL AND (l.score_at IS NULL OR l.score_at <= v.score_at)
        THEN v.score ELSE l.score END,
    stage = CASE WHEN v.score_at IS NOT NULL AND (l.score_at IS NULL OR l.score_at <= v.score_at)
        THEN v.stage ELSE l.stage END,
    score_at = GREATEST(l.score_at, v.score_at),
    stage_changed_at = GREATEST(l.stage_changed_at, v.stage_changed_at),
    emails_sent = l.emails_sent + v.sent,
    emails_opened = l.emails_opened + v.opened,
    emails_clicked = l.emails_clicked + v.clicked,
    mail_state = CASE WHEN l.mail_state = 'complained' THEN l.mail_state
        ELSE COALESCE(v.mail_state, l.mail_state) END,
    company_id = CASE WHEN {enriched} THEN v.company_id ELSE l.company_id END,
    decision_maker = CASE WHEN {enriched} THEN v.decision_maker ELSE l.decision_maker END,
    employee_count = CASE WHEN {enriched} THEN v.employee_count ELSE l.employee_count END,
    enriched_at = GREATEST(l.enriched_at, v.enriched_at)
FROM unnest(
    CAST(:lead_ids AS uuid[]), CAST(:touched AS timestamptz[]), CAST(:scores AS smallint[]),
    CAST(:stages AS varchar[]), CAST(:score_at AS timestamptz[]),
    CAST(:stage_changed_at AS timestamptz[]), CAST(:sent AS integer[]),
    CAST(:opened AS integer[]), CAST(:clicked AS integer[]), CAST(:mail_states AS varchar[]),
    CAST(:enriched_at AS timestamptz[]), CAST(:company_ids AS uuid[]),
    CAST(:decision_makers AS boolean[]), CAST(:employee_counts AS integer[])
) AS v(lead_id, touched, score, stage, score_at, stage_changed_at, sent, opened, clicked,
       mail_state, enriched_at, company_id, decision_maker, employee_count)
WHERE l.lead_id = v.lead_id
""".replace("{enriched}", _ENRICHED)
)


async def _update_leads(conn: AsyncConnection, changes: list[tuple[UUID, _LeadChange]]) -> None:
    """Every lead's change of the batch in one statement (one tally trigger run)."""
    await conn.execute(
        _UPDATE_LEADS,
        {
            "lead_ids": [lead_id for lead_id, _ in changes],
            "touched": [c.touched for _, c in changes],
            "scores": [c.score for _, c in changes],
            "stages": [c.stage for _, c in changes],
            "score_at": [c.score_at for _, c in changes],
            "stage_changed_at": [c.stage_changed_at for _, c in changes],
            "sent": [c.sent for _, c in changes],
            "opened": [c.opened for _, c in changes],
            "clicked": [c.clicked for _, c in changes],
            "mail_states": [c.mail_state for _, c in changes],
            "enriched_at": [c.enriched_at for _, c in changes],
            "company_ids": [c.company_id for _, c in changes],
            "decision_makers": [c.decision_maker for _, c in changes],
            "employee_counts": [c.employee_count for _, c in changes],
        },
    )


_CONSENT_STATES: dict[type[Event], str] = {
    ConsentRequested: "requested",
    ConsentConfirmed: "confirmed",
    LeadOptedOut: "opted_out",
}


async def _consent(
    conn: AsyncConnection, event: ConsentRequested | ConsentConfirmed | LeadOptedOut
) -> None:
    state = _CONSENT_STATES[type(event)]
    lead_id = event.lead_id
    newer = or_(_leads.c.consent_at.is_(None), _leads.c.consent_at <= event.occurred_at)
    if state == "requested":  # a new request does not undo a confirmation or an opt-out
        newer = and_(newer, _leads.c.consent_state.in_(("none", "requested")))
    await conn.execute(
        update(_leads)
        .where(_leads.c.lead_id == lead_id, newer)
        .values(consent_state=state, consent_at=event.occurred_at)
    )


def _analysis_row(event: LeadAnalyzed) -> dict[str, Any]:
    analysis = event.analysis
    return {
        "analysis_id": event.analysis_id,
        "lead_id": event.lead_id,
        "intent_level": analysis.intent_level,
        "buying_signals": list(analysis.buying_signals),
        "recommended_approach": analysis.recommended_approach,
        "qualification_score": analysis.qualification_score,
        "next_best_action": analysis.next_best_action,
        "method": event.method,
        "model": event.model,
        "trigger": event.trigger,
        "fallback_reason": event.fallback_reason,
        "input_hash": event.input_hash,
        "occurred_at": event.occurred_at,
    }
