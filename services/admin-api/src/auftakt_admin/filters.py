"""The lead list's query parameters → a filter, sort and page; the same words in the
dashboard's URLs and the JSON API, so a view can be shared as a link."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import get_args
from uuid import UUID

from auftakt_common.events import STAGES
from auftakt_common.vault import Vault
from auftakt_common.vault_store import KeyStore
from sqlalchemy.ext.asyncio import AsyncConnection

from .domain import (
    ACTIVITY_WINDOWS,
    PIPELINE,
    SCORE_BANDS,
    SORTS,
    Cursor,
    CursorInvalid,
    LeadFilter,
    Sort,
)
from .queries import DEFAULT_DIRECTIONS, Direction, LeadPage, list_leads

__all__ = ["FILTER_PARAMS", "FilterInvalid", "ListRequest", "parse_list_request"]

FILTER_PARAMS = (
    "stage",
    "score",
    "source",
    "activity",
    "status",
    "assignee",
    "event_type",
    "event_from",
    "event_until",
    "email",
    "company",
)


class FilterInvalid(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class ListRequest:
    filter: LeadFilter
    sort: Sort
    direction: Direction
    cursor: Cursor | None
    limit: int
    params: dict[str, str]  # the given filters and sort, to build links with

    async def page(self, conn: AsyncConnection, keys: KeyStore, *, now: datetime) -> LeadPage:
        """The page of leads this request asks for."""
        return await list_leads(
            conn,
            keys,
            self.filter,
            now=now,
            sort=self.sort,
            direction=self.direction,
            cursor=self.cursor,
            limit=self.limit,
        )


def _choice(params: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str | None:
    value = params.get(name) or None
    if value is not None and value not in allowed:
        raise FilterInvalid(name, f"{value!r} ist keine der Möglichkeiten {', '.join(allowed)}")
    return value


def _date(params: Mapping[str, str], name: str) -> date | None:
    value = params.get(name) or None
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise FilterInvalid(name, f"{value!r} ist kein Datum (JJJJ-MM-TT)") from exc


def parse_list_request(params: Mapping[str, str], vault: Vault) -> ListRequest:
    """Read the list's parameters; `FilterInvalid` names the first wrong one."""
    given = {name: value.strip() for name, value in params.items() if value and value.strip()}
    assignee = given.get("assignee")
    assignee_id: UUID | None = None
    if assignee and assignee != "none":
        try:
            assignee_id = UUID(assignee)
        except ValueError as exc:
            raise FilterInvalid("assignee", "keine gültige Benutzer-ID") from exc
    email = given.get("email")
    if email is not None and "@" not in email:
        raise FilterInvalid("email", "bitte die vollständige E-Mail-Adresse eingeben")
    company = given.get("company")
    if company is not None and len(company) > 100:
        raise FilterInvalid("company", "Suchbegriff zu lang (höchstens 100 Zeichen)")
    event_from, event_until = _date(given, "event_from"), _date(given, "event_until")
    if event_from and event_until and event_from > event_until:
        raise FilterInvalid("event_until", "Ende liegt vor dem Anfang")
    lead_filter = LeadFilter(
        stage=_choice(given, "stage", STAGES),  # type: ignore[arg-type]
        score_band=_choice(given, "score", tuple(SCORE_BANDS)),
        source=given.get("source", "")[:100] or None,
        activity=_choice(given, "activity", tuple(ACTIVITY_WINDOWS)),
        status=_choice(given, "status", PIPELINE),  # type: ignore[arg-type]
        assignee_id=assignee_id,
        unassigned=assignee == "none",
        event_type=given.get("event_type", "")[:50] or None,
        event_from=event_from,
        event_until=event_until,
        email_index=vault.blind_index(email) if email else None,
        company=company,
    )
    sort: Sort = _choice(given, "sort", SORTS) or "score"  # type: ignore[assignment]
    direction: Direction = (
        _choice(given, "dir", get_args(Direction)) or DEFAULT_DIRECTIONS[sort]  # type: ignore[assignment]
    )
    cursor = None
    if "cursor" in given:
        try:
            cursor = Cursor.decode(given["cursor"], sort)
        except CursorInvalid as exc:
            raise FilterInvalid("cursor", str(exc)) from exc
    try:
        limit = int(given.get("limit", "50"))
    except ValueError as exc:
        raise FilterInvalid("limit", "keine Zahl") from exc
    if not 1 <= limit <= 200:
        raise FilterInvalid("limit", "zwischen 1 und 200")
    kept = {name: given[name] for name in (*FILTER_PARAMS, "sort", "dir") if name in given}
    return ListRequest(lead_filter, sort, direction, cursor, limit, kept)
