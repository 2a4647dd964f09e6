"""All SQL of the `scoring` schema, on the caller's connection; never commits.

Leads of a batch are locked in lead-id order, so two replicas writing overlapping batches
wait for each other instead of deadlocking, and no update to a lead is lost.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta
from typing import cast
from uuid import UUID

from auftakt_common.commands import ActivityMapping, ScoringRule
from sqlalchemy import Table, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from .domain import (
    DECAY_STEPS,
    Applied,
    EventMapping,
    LeadState,
    Rule,
    RuleBook,
    RuleCount,
)
from .models import (
    HistoryRow,
    LeadPageRow,
    LeadScoreRow,
    MappingRow,
    RuleBookVersion,
    RuleCountRow,
    RuleRow,
    inbox,
)

__all__ = [
    "add_history",
    "bump_rulebook_version",
    "delete_mapping",
    "first_deliveries",
    "get_lead_score",
    "list_history",
    "list_mappings",
    "list_rules",
    "load_rulebook",
    "lock_leads",
    "lock_quiet_leads",
    "new_pages",
    "put_mapping",
    "put_rule",
    "rulebook_version",
    "save_leads",
]

_scores = cast(Table, LeadScoreRow.__table__)
_counts = cast(Table, RuleCountRow.__table__)
_pages = cast(Table, LeadPageRow.__table__)
_history = cast(Table, HistoryRow.__table__)
_rules = cast(Table, RuleRow.__table__)
_mappings = cast(Table, MappingRow.__table__)
_version = cast(Table, RuleBookVersion.__table__)


async def rulebook_version(conn: AsyncConnection) -> int:
    return int((await conn.execute(select(_version.c.version))).scalar_one())


async def load_rulebook(conn: AsyncConnection) -> RuleBook:
    version = await rulebook_version(conn)
    rules = {
        row.activity: Rule(
            activity=row.activity,
            points=row.points,
            description=row.description,
            max_per_lead=row.max_per_lead,
            cooldown=timedelta(seconds=row.cooldown_seconds) if row.cooldown_seconds else None,
            active=row.active,
        )
        for row in await conn.execute(select(_rules))
    }
    mappings = tuple(
        EventMapping(
            id=row.id,
            position=row.position,
            event_type=row.event_type,
            field=row.field,
            operator=row.operator,
            value=row.value,
            activity=row.activity,
            active=row.active,
        )
        for row in await conn.execute(
            select(_mappings).order_by(_mappings.c.position, _mappings.c.id)
        )
    )
    return RuleBook(rules=rules, mappings=mappings, version=version)


async def bump_rulebook_version(conn: AsyncConnection) -> None:
    await conn.execute(update(_version).values(version=_version.c.version + 1))


async def list_rules(conn: AsyncConnection) -> list[ScoringRule]:
    rows = await conn.execute(select(_rules).order_by(_rules.c.points.desc(), _rules.c.activity))
    return [ScoringRule.model_validate(row, from_attributes=True) for row in rows]


async def list_mappings(conn: AsyncConnection) -> list[ActivityMapping]:
    rows = await conn.execute(select(_mappings).order_by(_mappings.c.position, _mappings.c.id))
    return [ActivityMapping.model_validate(row, from_attributes=True) for row in rows]


async def put_rule(conn: AsyncConnection, rule: ScoringRule) -> None:
    values = {
        **rule.model_dump(exclude={"activity"}),
        "updated_at": func.now(),
    }
    await conn.execute(
        insert(_rules)
        .values(activity=rule.activity, **values)
        .on_conflict_do_update(index_elements=[_rules.c.activity], set_=values)
    )
    await bump_rulebook_version(conn)


async def put_mapping(conn: AsyncConnection, mapping: ActivityMapping) -> int | None:
    """Create (id None) or change a mapping; its id, or None if no mapping has that id."""
    values = {**mapping.model_dump(exclude={"id"}), "updated_at": func.now()}
    if mapping.id is None:
        result = await conn.execute(insert(_mappings).values(values).returning(_mappings.c.id))
    else:
        result = await conn.execute(
            update(_mappings)
            .where(_mappings.c.id == mapping.id)
            .values(values)
            .returning(_mappings.c.id)
        )
    mapping_id: int | None = result.scalar_one_or_none()
    if mapping_id is not None:
        await bump_rulebook_version(conn)
    return mapping_id


async def delete_mapping(conn: AsyncConnection, mapping_id: int) -> bool:
    result = await conn.execute(delete(_mappings).where(_mappings.c.id == mapping_id))
    if result.rowcount:
        await bump_rulebook_version(conn)
    return bool(result.rowcount)


def _state(row: object, counts: dict[str, RuleCount]) -> LeadState:
    return LeadState(
        lead_id=row.lead_id,  # type: ignore[attr-defined]
        score=row.score,  # type: ignore[attr-defined]
        stage=row.stage,  # type: ignore[attr-defined]
        last_activity_at=row.last_activity_at,  # type: ignore[attr-defined]
        decay_level=row.decay_level,  # type: ignore[attr-defined]
        distinct_pages=row.distinct_pages,  # type: ignore[attr-defined]
        counts=counts,
    )


async def _load_states(conn: AsyncConnection, rows: Sequence[object]) -> dict[UUID, LeadState]:
    lead_ids = [row.lead_id for row in rows]  # type: ignore[attr-defined]
    counts: dict[UUID, dict[str, RuleCount]] = {lead_id: {} for lead_id in lead_ids}
    if lead_ids:
        for count in await conn.execute(select(_counts).where(_counts.c.lead_id.in_(lead_ids))):
            counts[count.lead_id][count.activity] = RuleCount(count.times, count.last_counted_at)
    return {row.lead_id: _state(row, counts[row.lead_id]) for row in rows}  # type: ignore[attr-defined]


async def lock_leads(conn: AsyncConnection, lead_ids: Collection[UUID]) -> dict[UUID, LeadState]:
    """The leads' scores, created at 0 if new, locked until the transaction ends."""
    ordered = sorted(lead_ids)
    await conn.execute(
        insert(_scores)
        .values([{"lead_id": lead_id} for lead_id in ordered])
        .on_conflict_do_nothing()
    )
    rows = (
        await conn.execute(
            select(_scores)
            .where(_scores.c.lead_id.in_(ordered))
            .order_by(_scores.c.lead_id)
            .with_for_update()
        )
    ).all()
    return await _load_states(conn, rows)


async def lock_quiet_leads(
    conn: AsyncConnection, now: datetime, limit: int
) -> dict[UUID, LeadState]:
    """Leads with a decay penalty due at `now`, locked; leads another replica holds are
    skipped (it is deciding them)."""
    (first_after, _), (second_after, _) = DECAY_STEPS
    rows = (
        await conn.execute(
            select(_scores)
            .where(
                _scores.c.decay_level < 2,
                or_(
                    _scores.c.last_activity_at < now - second_after,
                    and_(
                        _scores.c.decay_level == 0, _scores.c.last_activity_at < now - first_after
                    ),
                ),
            )
            .order_by(_scores.c.last_activity_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    return await _load_states(conn, rows)


async def first_deliveries(
    conn: AsyncConnection, deliveries: Iterable[tuple[UUID, str]]
) -> set[UUID]:
    """Record event ids in the inbox; the ones not seen before."""
    rows = [{"event_id": event_id, "subject": subject} for event_id, subject in deliveries]
    if not rows:
        return set()
    result = await conn.execute(
        insert(inbox).values(rows).on_conflict_do_nothing().returning(inbox.c.event_id)
    )
    return set(result.scalars())


async def new_pages(
    conn: AsyncConnection, pages: Collection[tuple[UUID, str]]
) -> set[tuple[UUID, str]]:
    """Record pages leads have seen; the (lead, page) pairs seen for the first time."""
    if not pages:
        return set()
    result = await conn.execute(
        insert(_pages)
        .values([{"lead_id": lead_id, "page": page} for lead_id, page in sorted(pages)])
        .on_conflict_do_nothing()
        .returning(_pages.c.lead_id, _pages.c.page)
    )
    return {(row.lead_id, row.page) for row in result}


async def save_leads(
    conn: AsyncConnection, states: Iterable[LeadState], counted: Iterable[tuple[UUID, str]]
) -> None:
    """Write the leads' scores and the rule counts that changed."""
    by_lead = {state.lead_id: state for state in states}
    if not by_lead:
        return
    await conn.execute(
        update(_scores)
        .where(_scores.c.lead_id == bindparam("b_lead_id"))
        .values(
            score=bindparam("score"),
            stage=bindparam("stage"),
            last_activity_at=bindparam("last_activity_at"),
            decay_level=bindparam("decay_level"),
            distinct_pages=bindparam("distinct_pages"),
            updated_at=func.now(),
        ),
        [
            {
                "b_lead_id": state.lead_id,
                "score": state.score,
                "stage": state.stage,
                "last_activity_at": state.last_activity_at,
                "decay_level": state.decay_level,
                "distinct_pages": state.distinct_pages,
            }
            for state in by_lead.values()
        ],
    )
    counts = [
        {
            "lead_id": lead_id,
            "activity": activity,
            "times": by_lead[lead_id].counts[activity].times,
            "last_counted_at": by_lead[lead_id].counts[activity].last_counted_at,
        }
        for lead_id, activity in sorted(set(counted))
    ]
    if counts:
        statement = insert(_counts)
        await conn.execute(
            statement.on_conflict_do_update(
                index_elements=[_counts.c.lead_id, _counts.c.activity],
                set_={
                    "times": statement.excluded.times,
                    "last_counted_at": statement.excluded.last_counted_at,
                },
            ),
            counts,
        )


async def add_history(
    conn: AsyncConnection, rows: Iterable[tuple[UUID, Applied, UUID | None]]
) -> None:
    """History rows: (lead, the rule applied, the event that caused it)."""
    values = [
        {
            "lead_id": lead_id,
            "activity": applied.activity,
            "points": applied.points,
            "old_score": applied.old_score,
            "new_score": applied.new_score,
            "delta": applied.delta,
            "reason": applied.reason,
            "cause_event_id": cause,
            "occurred_at": applied.occurred_at,
        }
        for lead_id, applied, cause in rows
    ]
    if values:
        await conn.execute(insert(_history), values)


async def get_lead_score(conn: AsyncConnection, lead_id: UUID) -> LeadState | None:
    row = (await conn.execute(select(_scores).where(_scores.c.lead_id == lead_id))).first()
    if row is None:
        return None
    return (await _load_states(conn, [row]))[lead_id]


async def list_history(conn: AsyncConnection, lead_id: UUID) -> list[HistoryRow]:
    """A lead's score history, oldest first."""
    result = await conn.execute(
        select(_history).where(_history.c.lead_id == lead_id).order_by(_history.c.id)
    )
    return list(result.all())  # type: ignore[arg-type]
