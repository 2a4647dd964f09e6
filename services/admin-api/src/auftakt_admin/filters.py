"""The lists' query parameters (leads, companies) → a filter, sort and page; the same
words in the dashboard's URLs and the JSON API, so a view can be shared as a link."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, get_args
from uuid import UUID

from auftakt_common.events import STAGES
from auftakt_common.vault import Vault
from auftakt_common.vault_store import KeyStore
from sqlalchemy.ext.asyncio import AsyncConnection

from .domain import (
    ACTIVITY_WINDOWS,
    COMPANY_SORTS,
    PIPELINE,
    SCORE_BANDS,
    SORTS,
    TIERS,
    CompanyFilter,
    CompanySort,
    Cursor,
    CursorInvalid,
    LeadFilter,
    Sort,
)
from .enrichment_queries import CompanyPage, list_companies
from .queries import DEFAULT_DIRECTIONS, Direction, LeadPage, list_leads

__all__ = [
    "COMPANY_LIST_PARAMETERS",
    "FILTER_PARAMS",
    "LEAD_LIST_PARAMETERS",
    "CompanyListRequest",
    "FilterInvalid",
    "ListRequest",
    "parse_company_request",
    "parse_list_request",
]

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
    "company_id",
)


class FilterInvalid(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


# typed into a search box or a link, never meant: PostgreSQL refuses NUL in a query's text
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _given(params: Mapping[str, str]) -> dict[str, str]:
    """The parameters given (not blank), trimmed; `FilterInvalid` for control characters."""
    given = {name: value.strip() for name, value in params.items() if value and value.strip()}
    for name, value in given.items():
        if _CONTROL.search(value):
            raise FilterInvalid(name, "darf keine Steuerzeichen enthalten")
    return given


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
    given = _given(params)
    assignee = given.get("assignee")
    assignee_id = (
        None if assignee == "none" else _uuid(given, "assignee", "keine gültige Benutzer-ID")
    )
    email = given.get("email")
    if email is not None and "@" not in email:
        raise FilterInvalid("email", "bitte die vollständige E-Mail-Adresse eingeben")
    company = _search(given, "company")
    company_id = _uuid(given, "company_id", "keine gültige Firmen-ID")
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
        company_id=company_id,
    )
    sort: Sort = _choice(given, "sort", SORTS) or "score"  # type: ignore[assignment]
    direction: Direction = (
        _choice(given, "dir", get_args(Direction)) or DEFAULT_DIRECTIONS[sort]  # type: ignore[assignment]
    )
    kept = {name: given[name] for name in (*FILTER_PARAMS, "sort", "dir") if name in given}
    return ListRequest(lead_filter, sort, direction, _cursor(given, sort), _limit(given), kept)


def _uuid(params: Mapping[str, str], name: str, message: str) -> UUID | None:
    value = params.get(name)
    if not value:
        return None
    try:
        return UUID(value)
    except ValueError as exc:
        raise FilterInvalid(name, message) from exc


def _search(params: Mapping[str, str], name: str) -> str | None:
    value = params.get(name)
    if value is not None and len(value) > 100:
        raise FilterInvalid(name, "Suchbegriff zu lang (höchstens 100 Zeichen)")
    return value


def _cursor(params: Mapping[str, str], sort: str) -> Cursor | None:
    if "cursor" not in params:
        return None
    try:
        return Cursor.decode(params["cursor"], sort)
    except CursorInvalid as exc:
        raise FilterInvalid("cursor", str(exc)) from exc


def _limit(params: Mapping[str, str]) -> int:
    try:
        limit = int(params.get("limit", "50"))
    except ValueError as exc:
        raise FilterInvalid("limit", "keine Zahl") from exc
    if not 1 <= limit <= 200:
        raise FilterInvalid("limit", "zwischen 1 und 200")
    return limit


COMPANY_PARAMS = ("target", "tier", "search", "sort")


@dataclass(frozen=True, slots=True)
class CompanyListRequest:
    filter: CompanyFilter
    sort: CompanySort
    cursor: Cursor | None
    limit: int
    params: dict[str, str]  # the given filters and sort, to build links with

    async def page(self, conn: AsyncConnection) -> CompanyPage:
        """The page of companies this request asks for."""
        return await list_companies(
            conn, self.filter, sort=self.sort, cursor=self.cursor, limit=self.limit
        )


def parse_company_request(params: Mapping[str, str]) -> CompanyListRequest:
    """Read the companies list's parameters: `target` (1: target accounts only), `tier`,
    `search` (name or domain), `sort`, `cursor`, `limit`; `FilterInvalid` names the first
    wrong one."""
    given = _given(params)
    company_filter = CompanyFilter(
        target_accounts=_choice(given, "target", ("1",)) == "1",
        tier=_choice(given, "tier", TIERS),  # type: ignore[arg-type]
        search=_search(given, "search"),
    )
    sort: CompanySort = _choice(given, "sort", COMPANY_SORTS) or "highest_score"  # type: ignore[assignment]
    kept = {name: given[name] for name in COMPANY_PARAMS if name in given}
    return CompanyListRequest(company_filter, sort, _cursor(given, sort), _limit(given), kept)


# The same parameters for the OpenAPI document (the routes read them from the query
# string themselves, so FastAPI cannot describe them): client generators and fuzzers
# see what the lists accept.


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def _one_of(values: tuple[str, ...] | list[str]) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


_PAGE_PARAMETERS = [
    _query("cursor", {"type": "string"}, "`next_cursor` of the page before"),
    _query("limit", {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}, "per page"),
]
LEAD_LIST_PARAMETERS = [
    _query("stage", _one_of(STAGES), "the lead's stage"),
    _query("score", _one_of(list(SCORE_BANDS)), "a score band"),
    _query("source", {"type": "string", "maxLength": 100}, "first touch: utm_source or referrer"),
    _query("activity", _one_of(list(ACTIVITY_WINDOWS)), "days since the last activity"),
    _query("status", _one_of(PIPELINE), "pipeline status"),
    _query("assignee", {"type": "string"}, "a user's id, or `none` for nobody's leads"),
    _query("event_type", {"type": "string", "maxLength": 50}, "the event's type"),
    _query("event_from", {"type": "string", "format": "date"}, "event on or after"),
    _query("event_until", {"type": "string", "format": "date"}, "event on or before"),
    _query("email", {"type": "string", "format": "email"}, "exactly this address"),
    _query("company", {"type": "string", "maxLength": 100}, "part of the company's name"),
    _query("company_id", {"type": "string", "format": "uuid"}, "the company's leads"),
    _query("sort", _one_of(SORTS), "order by"),
    _query("dir", _one_of(list(get_args(Direction))), "ascending or descending"),
    *_PAGE_PARAMETERS,
]
COMPANY_LIST_PARAMETERS = [
    _query("target", _one_of(["1"]), "target accounts only"),
    _query("tier", _one_of(TIERS), "account tier"),
    _query("search", {"type": "string", "maxLength": 100}, "part of the name or domain"),
    _query("sort", _one_of(COMPANY_SORTS), "order by, highest first"),
    *_PAGE_PARAMETERS,
]
