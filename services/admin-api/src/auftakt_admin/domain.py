"""Pure rules of the sales view: where a lead came from, the lists' filters and sort
orders, the pipeline's moves, and the German words the dashboard shows. No I/O."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal
from urllib.parse import urlsplit
from uuid import UUID
from zoneinfo import ZoneInfo

from auftakt_common.events import STAGES, AccountTier, Attribution, PipelineStatus, Stage

__all__ = [
    "ACTIVITY_WINDOWS",
    "BERLIN",
    "COMPANY_SORTS",
    "ENRICHMENT_FAILED",
    "ENRICHMENT_FAILURES",
    "INTENT_LABELS",
    "PIPELINE",
    "SCORE_BANDS",
    "SORTS",
    "STAGE_BANDS",
    "STAGE_LABELS",
    "STATUS_LABELS",
    "TIERS",
    "TIER_LABELS",
    "CompanyFilter",
    "CompanySort",
    "Cursor",
    "CursorInvalid",
    "LeadFilter",
    "PipelineMoveInvalid",
    "Sort",
    "activity_window",
    "check_pipeline_move",
    "lead_source",
]

PIPELINE: tuple[PipelineStatus, ...] = (
    "new",
    "contacted",
    "qualified",
    "opportunity",
    "won",
    "lost",
)
STATUS_LABELS: dict[str, str] = {
    "new": "Neu",
    "contacted": "Kontaktiert",
    "qualified": "Qualifiziert",
    "opportunity": "Angebot",
    "won": "Gewonnen",
    "lost": "Verloren",
}
STAGE_LABELS: dict[str, str] = {
    "burning": "Burning Hot",
    "hot": "Hot",
    "warm": "Warm",
    "cold": "Cold",
}
# the specification's bands (inclusive)
SCORE_BANDS: dict[str, tuple[int, int]] = {
    "0-30": (0, 30),
    "31-60": (31, 60),
    "61-80": (61, 80),
    "81-100": (81, 100),
}
# each stage is a score band (scoring's `stage_of`)
STAGE_BANDS: dict[str, str] = {"cold": "0-30", "warm": "31-60", "hot": "61-80", "burning": "81-100"}
# days since the last activity (inclusive; None: no upper end)
ACTIVITY_WINDOWS: dict[str, tuple[int, int | None]] = {
    "0-3": (0, 3),
    "4-7": (4, 7),
    "8-14": (8, 14),
    "15+": (15, None),
}

Sort = Literal["score", "last_activity", "created", "event_date"]
SORTS: tuple[Sort, ...] = ("score", "last_activity", "created", "event_date")

# the companies list, each sort descending
CompanySort = Literal["highest_score", "score_sum", "engaged", "last_activity"]
COMPANY_SORTS: tuple[CompanySort, ...] = ("highest_score", "score_sum", "engaged", "last_activity")
TIERS: tuple[AccountTier, ...] = ("tier_1", "tier_2", "tier_3")
TIER_LABELS: dict[str, str] = {"tier_1": "Tier 1", "tier_2": "Tier 2", "tier_3": "Tier 3"}
INTENT_LABELS: dict[str, str] = {"low": "niedrig", "medium": "mittel", "high": "hoch"}
# why enrichment could not describe a company (`CompanyProfile.failure`), as sales read it
ENRICHMENT_FAILURES: dict[str, str] = {
    "no_such_domain": "Die Domain der Firma existiert nicht – es gibt keine Website zu lesen.",
    "unreachable": "Die Website der Firma war nicht erreichbar.",
    "no_website": "Unter der Domain der Firma ist keine lesbare Website (Fehlerseite oder "
    "keine HTML-Seite).",
    "refused": "Die Website der Firma wurde nicht abgerufen: ihre Adresse ist nicht "
    "öffentlich erreichbar.",
    "provider": "Der Datenanbieter hat keine Angaben zur Firma geliefert.",
}
ENRICHMENT_FAILED = "Die Firmendaten konnten nicht ermittelt werden."

BERLIN = ZoneInfo("Europe/Berlin")
_SEARCH_ENGINES = ("google.", "bing.", "duckduckgo.", "ecosia.", "yahoo.", "qwant.", "startpage.")


def lead_source(touch: Attribution) -> str:
    """The channel a lead came through, as the list filters it: the form's own `source`,
    else the UTM source, else what the referrer says (a search engine: organic)."""
    for given in (touch.source, touch.utm_source):
        if given and given.strip():
            return given.strip().lower()[:100]
    host = urlsplit(touch.referrer or "").hostname or ""
    if not host:
        return "direct"
    if any(engine in host for engine in _SEARCH_ENGINES):
        return "organic"
    return "referral"


def activity_window(key: str, now: datetime) -> tuple[datetime | None, datetime | None]:
    """The `last_activity_at` range (from inclusive, until exclusive; None: open) of a
    window of days since the last activity, counted in Berlin calendar days."""
    low, high = ACTIVITY_WINDOWS[key]
    local = now.astimezone(BERLIN)
    start_of_today = datetime(local.year, local.month, local.day, tzinfo=BERLIN)
    until = start_of_today - timedelta(days=low - 1)
    since = None if high is None else start_of_today - timedelta(days=high)
    return since, until


class CursorInvalid(ValueError):
    """A page cursor that was not made by us for this sort order."""


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a page ended: the last row's sort value and id (keyset pagination), for
    the lead list and the companies list alike."""

    sort: str
    value: int | str | None
    row_id: UUID

    def encode(self) -> str:
        raw = json.dumps([self.sort, self.value, str(self.row_id)], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str, sort: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            cursor_sort, value, row_id = json.loads(raw)
            cursor = cls(cursor_sort, value, UUID(row_id))
        except (ValueError, TypeError) as exc:
            raise CursorInvalid("the page cursor is damaged") from exc
        if cursor.sort != sort or not isinstance(cursor.value, int | str | None):
            raise CursorInvalid("the page cursor belongs to another sort order")
        return cursor


@dataclass(frozen=True, slots=True)
class LeadFilter:
    """What the lead list is narrowed to; every field optional."""

    stage: Stage | None = None
    score_band: str | None = None
    source: str | None = None
    activity: str | None = None
    status: PipelineStatus | None = None
    assignee_id: UUID | None = None
    unassigned: bool = False
    event_type: str | None = None
    event_from: date | None = None
    event_until: date | None = None
    email_index: bytes | None = None
    company: str | None = None
    company_id: UUID | None = None  # the leads enrichment linked to this company

    def __post_init__(self) -> None:
        if self.stage is not None and self.stage not in STAGES:
            raise ValueError(f"unknown stage {self.stage!r}")
        if self.score_band is not None and self.score_band not in SCORE_BANDS:
            raise ValueError(f"unknown score band {self.score_band!r}")
        if self.activity is not None and self.activity not in ACTIVITY_WINDOWS:
            raise ValueError(f"unknown activity window {self.activity!r}")


@dataclass(frozen=True, slots=True)
class CompanyFilter:
    """What the companies list is narrowed to; every field optional."""

    target_accounts: bool = False
    tier: AccountTier | None = None
    search: str | None = None  # part of the name or the domain


class PipelineMoveInvalid(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def check_pipeline_move(
    current: str | None, status: str, deal_value: Decimal | None
) -> Decimal | None:
    """The deal value to store for moving a lead to `status`: required and positive for
    `won`, none otherwise. Sales may move freely (reopen a lost lead, skip a step)."""
    if status not in PIPELINE:
        raise PipelineMoveInvalid("status", f"unbekannter Status {status!r}")
    if status == "won":
        if deal_value is None:
            raise PipelineMoveInvalid("deal_value", "Auftragswert fehlt (Pflicht bei Gewonnen)")
        if deal_value <= 0 or deal_value >= Decimal("10000000000"):
            raise PipelineMoveInvalid("deal_value", "Auftragswert muss größer als 0 sein")
        return deal_value.quantize(Decimal("0.01"))
    return None


def conversion_rates(tally: Mapping[tuple[str, str], int]) -> dict[str, tuple[int, int, float]]:
    """Per source: (leads, won, won share) from (source, status) → leads."""
    totals: dict[str, list[int]] = {}
    for (source, status), leads in tally.items():
        entry = totals.setdefault(source, [0, 0])
        entry[0] += leads
        if status == "won":
            entry[1] += leads
    return {
        source: (total, won, (won / total) if total else 0.0)
        for source, (total, won) in sorted(totals.items(), key=lambda item: -item[1][0])
    }
