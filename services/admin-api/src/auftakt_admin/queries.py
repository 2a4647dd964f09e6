"""The reads behind the dashboard and the lead list: each a few indexed queries on the
read model, never a call to another service (the lead detail: `lead_detail`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal
from uuid import UUID

from auftakt_common.vault import DataKey, SealedValueInvalid
from auftakt_common.vault_store import KeyStore
from sqlalchemy import ColumnElement, Date, func, literal, literal_column, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from .domain import (
    BERLIN,
    SCORE_BANDS,
    STAGE_BANDS,
    Cursor,
    LeadFilter,
    Sort,
    activity_window,
    conversion_rates,
)
from .models import (
    LeadDayRow,
    LeadTallyRow,
    UserRow,
    leads_table,
)

__all__ = [
    "COUNT_CAP",
    "Contact",
    "Dashboard",
    "LeadListItem",
    "LeadPage",
    "dashboard",
    "lead_id_for_email",
    "list_leads",
    "open_contact",
    "substring_pattern",
]

COUNT_CAP = 1_000
Direction = Literal["asc", "desc"]

_leads = leads_table
_SORT_COLUMNS: dict[Sort, ColumnElement[Any]] = {
    "score": _leads.c.score,
    "last_activity": _leads.c.last_activity_at,
    "created": _leads.c.created_at,
    # spelled as the index spells it (a bind parameter would not match it)
    "event_date": func.coalesce(_leads.c.event_date, literal_column("DATE '9999-12-31'", Date)),
}
DEFAULT_DIRECTIONS: dict[Sort, Direction] = {
    "score": "desc",
    "last_activity": "desc",
    "created": "desc",
    "event_date": "asc",
}


@dataclass(frozen=True, slots=True)
class Contact:
    email: str | None
    first_name: str | None
    last_name: str | None
    phone: str | None

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part) or "–"


_NO_CONTACT = Contact(None, None, None, None)


@dataclass(frozen=True, slots=True)
class LeadListItem:
    lead_id: UUID
    stage: str
    score: int
    contact: Contact
    company_name: str | None
    event_type: str | None
    event_date: date | None
    guest_count: int | None
    source: str
    status: str
    assignee: str | None
    last_activity_at: datetime


@dataclass(frozen=True, slots=True)
class LeadPage:
    items: list[LeadListItem]
    next_cursor: str | None
    total: int | None  # None: not counted (a later page; the first page said)
    total_capped: bool


def open_contact(key: DataKey | None, row: Any, *, with_details: bool) -> Contact:
    if key is None:
        return _NO_CONTACT  # erased, or the key does not open

    def opened(field_name: str, sealed: bytes | None) -> str | None:
        if sealed is None:
            return None
        try:
            return key.open(field_name, sealed)
        except SealedValueInvalid:
            return None

    return Contact(
        email=opened("email", row.email_ct) if with_details else None,
        first_name=opened("first_name", row.first_name_ct),
        last_name=opened("last_name", row.last_name_ct),
        phone=opened("phone", row.phone_ct) if with_details else None,
    )


def _where(lead_filter: LeadFilter, now: datetime) -> list[ColumnElement[bool]]:
    c = _leads.c
    where: list[ColumnElement[bool]] = [c.known.is_(True)]
    if lead_filter.stage:
        # the stage follows from the score: saying so lets an index in score order stop
        # at the band instead of skipping every lead above it
        low, high = SCORE_BANDS[STAGE_BANDS[lead_filter.stage]]
        where.extend((c.stage == lead_filter.stage, c.score.between(low, high)))
    if lead_filter.score_band:
        low, high = SCORE_BANDS[lead_filter.score_band]
        where.append(c.score.between(low, high))
    if lead_filter.source:
        where.append(c.source == lead_filter.source)
    if lead_filter.activity:
        since, until = activity_window(lead_filter.activity, now)
        if since is not None:
            where.append(c.last_activity_at >= since)
        if until is not None:
            where.append(c.last_activity_at < until)
    if lead_filter.status:
        where.append(c.status == lead_filter.status)
    if lead_filter.assignee_id:
        where.append(c.assignee_id == lead_filter.assignee_id)
    if lead_filter.unassigned:
        where.append(c.assignee_id.is_(None))
    if lead_filter.event_type:
        where.append(c.event_type == lead_filter.event_type)
    if lead_filter.event_from:
        where.append(c.event_date >= lead_filter.event_from)
    if lead_filter.event_until:
        where.append(c.event_date <= lead_filter.event_until)
    if lead_filter.email_index is not None:
        where.append(c.email_index == lead_filter.email_index)
    if lead_filter.company:
        where.append(c.company_name.ilike(substring_pattern(lead_filter.company)))
    if lead_filter.company_id:
        where.append(c.company_id == lead_filter.company_id)
    return where


def substring_pattern(text: str) -> str:
    """An ILIKE pattern matching `text` anywhere, its wildcards taken literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _cursor_value(sort: Sort, value: Any) -> int | str:
    if sort == "score":
        return int(value)
    return str(value.isoformat())


def _parse_cursor_value(sort: Sort, value: int | str | None) -> Any:
    if sort == "score":
        return int(value or 0)
    if sort == "event_date":
        return date.fromisoformat(str(value))
    return datetime.fromisoformat(str(value))


async def list_leads(
    conn: AsyncConnection,
    keys: KeyStore,
    lead_filter: LeadFilter,
    *,
    now: datetime,
    sort: Sort = "score",
    direction: Direction | None = None,
    cursor: Cursor | None = None,
    limit: int = 50,
    count: bool = True,
) -> LeadPage:
    """One page of the list: filtered, sorted, after `cursor` (keyset pagination). The
    first page says how many leads match: exactly where the tally knows (stage, source,
    status), else up to `COUNT_CAP` ("1.000+")."""
    direction = direction or DEFAULT_DIRECTIONS[sort]
    where = _where(lead_filter, now)
    sort_column = _SORT_COLUMNS[sort]
    c = _leads.c
    page_where = list(where)
    if cursor is not None:
        position = tuple_(sort_column, c.lead_id)
        after = (_parse_cursor_value(sort, cursor.value), cursor.row_id)
        page_where.append(position < after if direction == "desc" else position > after)
    order = (
        (sort_column.desc(), c.lead_id.desc())
        if direction == "desc"
        else (sort_column.asc(), c.lead_id.asc())
    )
    statement = (
        select(
            c.lead_id,
            c.stage,
            c.score,
            c.first_name_ct,
            c.last_name_ct,
            c.company_name,
            c.event_type,
            c.event_date,
            c.guest_count,
            c.source,
            c.status,
            UserRow.name.label("assignee"),
            c.last_activity_at,
            sort_column.label("sort_value"),
        )
        .select_from(_leads.outerjoin(UserRow, UserRow.id == c.assignee_id))
        .where(*page_where)
        .order_by(*order)
        .limit(limit + 1)
    )
    rows = (await conn.execute(statement)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    data_keys, _ = await keys.get_openable(conn, [row.lead_id for row in rows])
    items = [
        LeadListItem(
            lead_id=row.lead_id,
            stage=row.stage,
            score=row.score,
            contact=open_contact(data_keys.get(row.lead_id), row, with_details=False),
            company_name=row.company_name,
            event_type=row.event_type,
            event_date=row.event_date,
            guest_count=row.guest_count,
            source=row.source,
            status=row.status,
            assignee=row.assignee,
            last_activity_at=row.last_activity_at,
        )
        for row in rows
    ]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = Cursor(sort, _cursor_value(sort, last.sort_value), last.lead_id).encode()
    if not count or cursor is not None:
        return LeadPage(items, next_cursor, None, False)
    if _tallied(lead_filter):
        return LeadPage(items, next_cursor, await _tally_count(conn, lead_filter), False)
    capped = select(literal(1)).select_from(_leads).where(*where).limit(COUNT_CAP + 1).subquery()
    total = int(await conn.scalar(select(func.count()).select_from(capped)) or 0)
    return LeadPage(items, next_cursor, min(total, COUNT_CAP), total > COUNT_CAP)


def _tallied(lead_filter: LeadFilter) -> bool:
    """Whether the tally counts this filter exactly (only stage, source and status)."""
    return (
        LeadFilter(stage=lead_filter.stage, source=lead_filter.source, status=lead_filter.status)
        == lead_filter
    )


async def _tally_count(conn: AsyncConnection, lead_filter: LeadFilter) -> int:
    t = LeadTallyRow
    conditions = [
        column == value
        for column, value in (
            (t.stage, lead_filter.stage),
            (t.source, lead_filter.source),
            (t.status, lead_filter.status),
        )
        if value is not None
    ]
    return int(
        await conn.scalar(select(func.coalesce(func.sum(t.leads), 0)).where(*conditions)) or 0
    )


async def lead_id_for_email(conn: AsyncConnection, keys: KeyStore, email: str) -> UUID | None:
    """The lead with this exact address (blind index), if there is one."""
    found = await conn.scalar(
        select(_leads.c.lead_id).where(
            _leads.c.email_index == keys.vault.blind_index(email), _leads.c.known.is_(True)
        )
    )
    return found if isinstance(found, UUID) else None


@dataclass(frozen=True, slots=True)
class Dashboard:
    new_today: int
    new_week: int
    by_stage: dict[str, int]
    by_status: dict[str, int]
    burning_waiting: int
    burning_leads: list[LeadListItem]
    conversion: dict[str, tuple[int, int, float]]
    funnel: dict[str, dict[str, int]]
    daily_new: list[tuple[date, int]]
    total: int


async def dashboard(conn: AsyncConnection, keys: KeyStore, *, now: datetime) -> Dashboard:
    local = now.astimezone(BERLIN)
    today = datetime(local.year, local.month, local.day, tzinfo=BERLIN)
    week = today - timedelta(days=local.weekday())
    month_ago = today - timedelta(days=29)
    first_day = min(week, month_ago).date()
    days = await conn.execute(
        select(LeadDayRow.day, LeadDayRow.leads).where(LeadDayRow.day >= first_day)
    )
    per_day: dict[date, int] = {row.day: row.leads for row in days}
    tally = (
        await conn.execute(
            select(
                LeadTallyRow.source, LeadTallyRow.stage, LeadTallyRow.status, LeadTallyRow.leads
            ).where(LeadTallyRow.leads > 0)
        )
    ).all()
    by_stage: dict[str, int] = {}
    by_status: dict[str, int] = {}
    funnel: dict[str, dict[str, int]] = {}
    by_source_status: dict[tuple[str, str], int] = {}
    burning_waiting = 0
    for source, stage, status, leads in tally:
        by_stage[stage] = by_stage.get(stage, 0) + leads
        by_status[status] = by_status.get(status, 0) + leads
        per_source = funnel.setdefault(source or "direct", {})
        per_source[status] = per_source.get(status, 0) + leads
        key = (source or "direct", status)
        by_source_status[key] = by_source_status.get(key, 0) + leads
        if stage == "burning" and status == "new":
            burning_waiting += leads
    burning = await list_leads(
        conn,
        keys,
        LeadFilter(stage="burning", status="new"),
        now=now,
        limit=5,
        count=False,
    )
    return Dashboard(
        new_today=per_day.get(today.date(), 0),
        new_week=sum(n for d, n in per_day.items() if d >= week.date()),
        by_stage=by_stage,
        by_status=by_status,
        burning_waiting=burning_waiting,
        burning_leads=burning.items,
        conversion=conversion_rates(by_source_status),
        funnel=funnel,
        daily_new=[
            (d, per_day.get(d, 0))
            for d in (month_ago.date() + timedelta(days=i) for i in range(30))
        ],
        total=sum(by_stage.values()),
    )
