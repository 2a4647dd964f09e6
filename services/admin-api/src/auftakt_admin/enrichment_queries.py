"""The reads of what enrichment told the read model: the companies list (filtered,
keyset pages), one company, and a lead's newest analysis."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from auftakt_common.events import NO_CLAUDE_KEY, AnalysisMethod, LeadAnalyzed
from sqlalchemy import (
    ColumnElement,
    DateTime,
    Table,
    func,
    literal,
    literal_column,
    or_,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from .domain import CompanyFilter, CompanySort, Cursor
from .models import AnalysisRow, CompanyRow
from .queries import COUNT_CAP, substring_pattern

__all__ = [
    "AnalysisEntry",
    "CompanyPage",
    "CompanySummary",
    "analysis_entry",
    "analyst_of",
    "company_summary",
    "current_analyst",
    "list_companies",
    "newest_analysis",
]

_companies = cast(Table, CompanyRow.__table__)
_SORT_COLUMNS: dict[CompanySort, ColumnElement[Any]] = {
    "highest_score": _companies.c.highest_score,
    "score_sum": _companies.c.score_sum,
    "engaged": _companies.c.engaged_contacts,
    # spelled as the index spells it: companies without activity last
    "last_activity": func.coalesce(
        _companies.c.last_activity_at,
        literal_column("TIMESTAMPTZ '0001-01-01 00:00:00+00'", DateTime(timezone=True)),
    ),
}


@dataclass(frozen=True, slots=True)
class CompanySummary:
    """A company as the read model knows it: enrichment's facts and the roll-up."""

    company_id: UUID
    domain: str
    name: str | None
    legal_form: str | None
    city: str | None
    country: str | None
    employee_count: int | None
    revenue_range: str | None
    industry: str | None
    register_number: str | None
    linkedin_url: str | None
    target_account: bool
    tier: str | None
    contacts: int
    engaged_contacts: int
    highest_score: int
    score_sum: int
    last_activity_at: datetime | None

    @property
    def display_name(self) -> str:
        return self.name or self.domain


_SUMMARY_COLUMNS = [_companies.c[name] for name in CompanySummary.__dataclass_fields__]


@dataclass(frozen=True, slots=True)
class CompanyPage:
    items: list[CompanySummary]
    next_cursor: str | None
    total: int | None  # None: not counted (a later page; the first page said)
    total_capped: bool


def _where(company_filter: CompanyFilter) -> list[ColumnElement[bool]]:
    c = _companies.c
    where: list[ColumnElement[bool]] = []
    if company_filter.target_accounts:
        where.append(c.target_account.is_(True))
    if company_filter.tier:
        where.append(c.tier == company_filter.tier)
    if company_filter.search:
        pattern = substring_pattern(company_filter.search)
        where.append(or_(c.name.ilike(pattern), c.domain.ilike(pattern)))
    return where


def _cursor_value(sort: CompanySort, value: Any) -> int | str:
    return str(value.isoformat()) if sort == "last_activity" else int(value)


def _parse_cursor_value(sort: CompanySort, value: int | str | None) -> Any:
    if sort == "last_activity":
        return datetime.fromisoformat(str(value))
    return int(value or 0)


async def list_companies(
    conn: AsyncConnection,
    company_filter: CompanyFilter,
    *,
    sort: CompanySort = "highest_score",
    cursor: Cursor | None = None,
    limit: int = 50,
) -> CompanyPage:
    """One page of companies, highest first by `sort`, after `cursor`; the first page
    says how many match (up to `COUNT_CAP`)."""
    where = _where(company_filter)
    sort_column = _SORT_COLUMNS[sort]
    c = _companies.c
    page_where = list(where)
    if cursor is not None:
        after = (_parse_cursor_value(sort, cursor.value), cursor.row_id)
        page_where.append(tuple_(sort_column, c.company_id) < after)
    rows = (
        await conn.execute(
            select(*_SUMMARY_COLUMNS, sort_column.label("sort_value"))
            .where(*page_where)
            .order_by(sort_column.desc(), c.company_id.desc())
            .limit(limit + 1)
        )
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    items = [_summary(row) for row in rows]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = Cursor(sort, _cursor_value(sort, last.sort_value), last.company_id).encode()
    if cursor is not None:
        return CompanyPage(items, next_cursor, None, False)
    capped = select(literal(1)).select_from(_companies).where(*where).limit(COUNT_CAP + 1)
    total = int(await conn.scalar(select(func.count()).select_from(capped.subquery())) or 0)
    return CompanyPage(items, next_cursor, min(total, COUNT_CAP), total > COUNT_CAP)


def _summary(row: Any) -> CompanySummary:
    return CompanySummary(
        **{name: getattr(row, name) for name in CompanySummary.__dataclass_fields__}
    )


async def company_summary(conn: AsyncConnection, company_id: UUID) -> CompanySummary | None:
    row = (
        await conn.execute(select(*_SUMMARY_COLUMNS).where(_companies.c.company_id == company_id))
    ).first()
    return None if row is None else _summary(row)


@dataclass(frozen=True, slots=True)
class AnalysisEntry:
    """An analysis of a lead, as the detail shows it."""

    analysis_id: UUID
    at: datetime
    intent_level: str
    buying_signals: list[str]
    recommended_approach: str
    qualification_score: int
    next_best_action: str
    method: str
    model: str | None
    trigger: str
    fallback_reason: str | None


def analysis_entry(event: LeadAnalyzed) -> AnalysisEntry:
    analysis = event.analysis
    return AnalysisEntry(
        analysis_id=event.analysis_id,
        at=event.occurred_at,
        intent_level=analysis.intent_level,
        buying_signals=list(analysis.buying_signals),
        recommended_approach=analysis.recommended_approach,
        qualification_score=analysis.qualification_score,
        next_best_action=analysis.next_best_action,
        method=event.method,
        model=event.model,
        trigger=event.trigger,
        fallback_reason=event.fallback_reason,
    )


def analyst_of(method: str, fallback_reason: str | None) -> AnalysisMethod:
    """Who analyses, as an analysis tells: `regelbasiert` when enrichment had no
    Anthropic key (`NO_CLAUDE_KEY`, or no reason in analyses from before it was said),
    else `claude` (also when a budget or an outage made this one fall back)."""
    without_key = method == "regelbasiert" and fallback_reason in (None, NO_CLAUDE_KEY)
    return "regelbasiert" if without_key else "claude"


async def current_analyst(
    conn: AsyncConnection, newest: AnalysisEntry | None = None
) -> AnalysisMethod | None:
    """Who analyses a lead when sales ask: as the lead's newest analysis (`newest`) tells,
    or the newest of any lead; None before the first analysis. Analyses are few (hot
    leads and requests): the newest is found without an index of its own."""
    if newest is not None:
        return analyst_of(newest.method, newest.fallback_reason)
    a = AnalysisRow
    row = (
        await conn.execute(
            select(a.method, a.fallback_reason).order_by(a.occurred_at.desc()).limit(1)
        )
    ).first()
    return None if row is None else analyst_of(row.method, row.fallback_reason)


async def newest_analysis(conn: AsyncConnection, lead_id: UUID) -> AnalysisEntry | None:
    a = AnalysisRow
    row = (
        await conn.execute(
            select(
                a.analysis_id,
                a.occurred_at,
                a.intent_level,
                a.buying_signals,
                a.recommended_approach,
                a.qualification_score,
                a.next_best_action,
                a.method,
                a.model,
                a.trigger,
                a.fallback_reason,
            )
            .where(a.lead_id == lead_id)
            .order_by(a.occurred_at.desc(), a.analysis_id.desc())
            .limit(1)
        )
    ).first()
    return None if row is None else AnalysisEntry(*row)
