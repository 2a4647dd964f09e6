"""What a batch of events says about leads' behaviour, as rows to store: activity counts
(activity types, page paths, lead magnets), score changes with their reasons, and each
lead's newest score and last activity. Pure: events in, rows out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from auftakt_common.content import magnet_title
from auftakt_common.events import ActivityRecorded, LeadMagnetDownloaded, LeadScored

__all__ = ["BehaviourEvent", "Behaviour", "behaviour_of", "page_path"]

BehaviourEvent = ActivityRecorded | LeadMagnetDownloaded | LeadScored

_MAX_KEY = 300


def page_path(url: str | None) -> str | None:
    """The path of a page URL, the part that says what was read (`/preise`), without
    query or fragment (they may carry identifiers)."""
    if not url:
        return None
    try:
        path = urlsplit(url.strip()).path or "/"
    except ValueError:
        return None
    if len(path) > 1:
        path = path.rstrip("/")
    return path[:_MAX_KEY]


@dataclass(frozen=True, slots=True)
class LeadScore:
    score: int
    stage: str
    at: datetime


@dataclass
class Behaviour:
    """A batch's rows: counts per (lead, kind, key), score changes, newest scores."""

    counts: dict[tuple[UUID, str, str], tuple[int, datetime]] = field(default_factory=dict)
    score_changes: list[dict[str, Any]] = field(default_factory=list)
    scores: dict[UUID, LeadScore] = field(default_factory=dict)
    last_activity: dict[UUID, datetime] = field(default_factory=dict)

    @property
    def lead_ids(self) -> set[UUID]:
        return {key[0] for key in self.counts} | set(self.scores) | set(self.last_activity)

    def count_rows(self) -> list[dict[str, Any]]:
        return [
            {"lead_id": lead_id, "kind": kind, "key": key, "count": count, "last_at": at}
            for (lead_id, kind, key), (count, at) in sorted(self.counts.items())
        ]

    def count(self, lead_id: UUID, kind: str, key: str, at: datetime) -> None:
        count, last = self.counts.get((lead_id, kind, key[:_MAX_KEY]), (0, at))
        self.counts[(lead_id, kind, key[:_MAX_KEY])] = (count + 1, max(last, at))
        self.last_activity[lead_id] = max(self.last_activity.get(lead_id, at), at)

    def record_score(self, event: LeadScored) -> None:
        newest = self.scores.get(event.lead_id)
        if newest is None or newest.at <= event.occurred_at:
            self.scores[event.lead_id] = LeadScore(event.score, event.stage, event.occurred_at)
        for position, change in enumerate(event.changes):
            self.score_changes.append(
                {
                    "event_id": event.event_id,
                    "position": position,
                    "lead_id": event.lead_id,
                    "occurred_at": event.occurred_at,
                    "activity": change.activity[:100],
                    "delta": change.delta,
                    "score": event.score,
                    "reason": change.reason[:_MAX_KEY],
                }
            )


def behaviour_of(events: Iterable[BehaviourEvent]) -> Behaviour:
    """The rows a batch of events gives; anonymous activity (no lead yet) gives none: it
    comes again with the lead once the visitor becomes one."""
    behaviour = Behaviour()
    for event in events:
        match event:
            case ActivityRecorded(lead_id=UUID() as lead_id):
                behaviour.count(lead_id, "activity", event.activity_type, event.occurred_at)
                path = page_path(event.page_url) if event.activity_type == "page_view" else None
                if path:
                    behaviour.count(lead_id, "page", path, event.occurred_at)
            case LeadMagnetDownloaded():
                title = magnet_title(event.magnet_type, event.magnet_name)  # what sales read
                behaviour.count(event.lead_id, "magnet", title, event.occurred_at)
            case LeadScored():
                behaviour.record_score(event)
    return behaviour
