"""All SQL of the `scoring` schema, on the caller's connection; never commits.

Leads of a batch are locked in lead-id order, so two replicas writing overlapping batches
wait for each other instead of deadlocking, and no update to a lead is lost. Batch writes
pass columns as arrays (`unnest`): one short statement, compiled once, whatever the batch
size (a multi-row VALUES list is compiled anew for every size and costs milliseconds).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast
from uuid import UUID

from auftakt_common.commands import ActivityMapping, ScoringRule
from auftakt_common.db import driver_connection, insert_rows
from auftakt_common.events import Event
from auftakt_common.outbox import erase_lead_events, outbox_rows
from psycopg.rows import namedtuple_row
from sqlalchemy import Table, and_, delete, func, or_, select, update
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
    LeadScoreRow,
    MappingRow,
    RuleBookVersion,
    RuleRow,
    outbox,
)

__all__ = [
    "LockedBatch",
    "bump_rulebook_version",
    "delete_mapping",
    "list_mappings",
    "list_rules",
    "load_rulebook",
    "lock_batch",
    "lock_quiet_leads",
    "put_mapping",
    "put_rule",
    "rulebook_version",
    "save_batch",
]

_scores = cast(Table, LeadScoreRow.__table__)
_history = cast(Table, HistoryRow.__table__)
_rules = cast(Table, RuleRow.__table__)
_mappings = cast(Table, MappingRow.__table__)
_version = cast(Table, RuleBookVersion.__table__)


async def rulebook_version(conn: AsyncConnection) -> int:
    return int((await conn.execute(select(_version.c.version))).scalar_one())


async def load_rulebook(conn: AsyncConnection) -> RuleBook:
    """The rules and mappings in force, as the domain uses them."""
    version = await rulebook_version(conn)
    rules = {
        rule.activity: Rule(
            activity=rule.activity,
            points=rule.points,
            description=rule.description,
            max_per_lead=rule.max_per_lead,
            cooldown=timedelta(seconds=rule.cooldown_seconds) if rule.cooldown_seconds else None,
            website=rule.website,
            active=rule.active,
        )
        for rule in await list_rules(conn)
    }
    mappings = tuple(
        EventMapping(**mapping.model_dump(exclude={"note"}))
        for mapping in await list_mappings(conn)
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


@dataclass(frozen=True, slots=True)
class LockedBatch:
    """What a batch of events finds: its leads (locked), which events are new to the inbox,
    and which (lead, page) pairs were never seen before."""

    states: dict[UUID, LeadState]
    fresh: set[UUID]
    new_pages: set[tuple[UUID, str]]
    erased: set[UUID]  # leads whose erasure was requested: nothing may be kept of them


_CREATE_LEADS = (
    "INSERT INTO scoring.lead_scores (lead_id) SELECT id FROM unnest(%(ids)b::uuid[]) AS id"
    " WHERE NOT EXISTS (SELECT FROM scoring.erased_leads e WHERE e.lead_id = id)"
    " ON CONFLICT DO NOTHING"
)
# read after the lock: an erasure committed while this batch waited for it is seen here
_ERASED = "SELECT lead_id FROM scoring.erased_leads WHERE lead_id = ANY(%(ids)b)"
_LOCK_LEADS = (
    "SELECT lead_id, score, last_activity_at, decayed_at, decay_level, distinct_pages"
    " FROM scoring.lead_scores WHERE lead_id = ANY(%(ids)b) ORDER BY lead_id FOR UPDATE"
)
_COUNTS_OF = (
    "SELECT lead_id, activity, times, last_counted_at FROM scoring.lead_rule_counts"
    " WHERE lead_id = ANY(%(ids)b)"
)
_FIRST_DELIVERIES = (
    "INSERT INTO scoring.inbox (event_id, subject)"
    " SELECT * FROM unnest(%(ids)b::uuid[], %(subjects)b::varchar[])"
    " ON CONFLICT DO NOTHING RETURNING event_id"
)
_NEW_PAGES = (
    "INSERT INTO scoring.lead_pages (lead_id, page)"
    " SELECT * FROM unnest(%(ids)b::uuid[], %(pages)b::varchar[]) AS p(lead_id, page)"
    " WHERE EXISTS (SELECT FROM scoring.lead_scores s WHERE s.lead_id = p.lead_id)"
    " ON CONFLICT DO NOTHING RETURNING lead_id, page"
)
_SAVE_LEADS = (
    "UPDATE scoring.lead_scores AS s SET score = v.score, stage = v.stage,"
    " last_activity_at = v.last_activity_at, decayed_at = v.decayed_at,"
    " decay_level = v.decay_level, distinct_pages = v.distinct_pages, updated_at = now()"
    " FROM unnest(%(ids)b::uuid[], %(scores)b::smallint[], %(stages)b::varchar[],"
    " %(last)b::timestamptz[], %(decayed)b::timestamptz[], %(levels)b::smallint[],"
    " %(pages)b::integer[])"
    " AS v(lead_id, score, stage, last_activity_at, decayed_at, decay_level, distinct_pages)"
    " WHERE s.lead_id = v.lead_id"
)
_SAVE_COUNTS = (
    "INSERT INTO scoring.lead_rule_counts (lead_id, activity, times, last_counted_at)"
    " SELECT * FROM unnest(%(ids)b::uuid[], %(activities)b::varchar[], %(times)b::integer[],"
    " %(last)b::timestamptz[])"
    " ON CONFLICT (lead_id, activity)"
    " DO UPDATE SET times = excluded.times, last_counted_at = excluded.last_counted_at"
)


async def lock_batch(
    conn: AsyncConnection,
    lead_ids: Collection[UUID],
    deliveries: Collection[tuple[UUID, str]],
    pages: Collection[tuple[UUID, str]],
) -> LockedBatch:
    """In one round trip: create the leads not scored yet (unless erased), lock all of them
    in lead-id order, find the erased ones, read rule counts, record the events in the
    inbox and the pages seen."""
    ordered = sorted(lead_ids)
    event_ids, subjects = _columns(sorted(deliveries), 2)
    page_leads, page_paths = _columns(sorted(pages), 2)
    pg = await driver_connection(conn)
    async with pg.pipeline():
        await pg.execute(_CREATE_LEADS, {"ids": ordered})
        leads = await pg.cursor(row_factory=namedtuple_row).execute(_LOCK_LEADS, {"ids": ordered})
        erased = await pg.execute(_ERASED, {"ids": ordered})
        counts = await pg.cursor(row_factory=namedtuple_row).execute(_COUNTS_OF, {"ids": ordered})
        inbox = await pg.execute(_FIRST_DELIVERIES, {"ids": event_ids, "subjects": subjects})
        seen = (
            await pg.execute(_NEW_PAGES, {"ids": page_leads, "pages": page_paths})
            if page_leads
            else None
        )
    return LockedBatch(
        states=_states(await leads.fetchall(), await counts.fetchall()),
        fresh={row[0] for row in await inbox.fetchall()},
        new_pages={(row[0], row[1]) for row in await seen.fetchall()} if seen else set(),
        erased={row[0] for row in await erased.fetchall()},
    )


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
                        _scores.c.decay_level == 0,
                        _scores.c.last_activity_at < now - first_after,
                    ),
                ),
            )
            .order_by(_scores.c.last_activity_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    if not rows:
        return {}
    pg = await driver_connection(conn)
    counts = await pg.cursor(row_factory=namedtuple_row).execute(
        _COUNTS_OF, {"ids": [row.lead_id for row in rows]}
    )
    return _states(rows, await counts.fetchall())


def _states(leads: Sequence[Any], counts: Sequence[Any]) -> dict[UUID, LeadState]:
    by_lead: dict[UUID, dict[str, RuleCount]] = {row.lead_id: {} for row in leads}
    for count in counts:
        by_lead[count.lead_id][count.activity] = RuleCount(count.times, count.last_counted_at)
    return {
        row.lead_id: LeadState(
            lead_id=row.lead_id,
            score=row.score,
            last_activity_at=row.last_activity_at,
            decayed_at=row.decayed_at,
            decay_level=row.decay_level,
            distinct_pages=row.distinct_pages,
            counts=by_lead[row.lead_id],
        )
        for row in leads
    }


_ERASE = (
    "INSERT INTO scoring.erased_leads (lead_id) SELECT unnest(%(ids)b::uuid[])"
    " ON CONFLICT DO NOTHING"
)
# the lead's history, rule counts and pages go with it (ON DELETE CASCADE)
_DELETE_LEADS = "DELETE FROM scoring.lead_scores WHERE lead_id = ANY(%(ids)b)"


async def save_batch(
    conn: AsyncConnection,
    states: Iterable[LeadState],
    counted: Iterable[tuple[UUID, str]],
    history: Sequence[tuple[UUID, Applied, UUID | None]],
    events: Sequence[tuple[Event, str | None]],
    erased: Collection[UUID] = (),
) -> None:
    """In one round trip: the leads' scores, the rule counts that changed, the history
    rows (lead, rule applied, causing event), the outgoing events; and for erased leads a
    tombstone (so later events for them are dropped) and the deletion of all the rest,
    their outbox rows too (one more round trip, only when a batch erases)."""
    leads = sorted(states, key=lambda state: state.lead_id)
    pg = await driver_connection(conn)
    if erased:
        async with pg.pipeline():
            await pg.execute(_ERASE, {"ids": sorted(erased)})
            await pg.execute(_DELETE_LEADS, {"ids": sorted(erased)})
        await erase_lead_events(conn, outbox, erased)
    if not leads:
        return
    by_lead = {state.lead_id: state for state in leads}
    keys = sorted(set(counted))
    counts = [by_lead[lead_id].counts[activity] for lead_id, activity in keys]
    async with pg.pipeline():
        await pg.execute(
            _SAVE_LEADS,
            {
                "ids": [state.lead_id for state in leads],
                "scores": [state.score for state in leads],
                "stages": [state.stage for state in leads],
                "last": [state.last_activity_at for state in leads],
                "decayed": [state.decayed_at for state in leads],
                "levels": [state.decay_level for state in leads],
                "pages": [state.distinct_pages for state in leads],
            },
        )
        if keys:
            await pg.execute(
                _SAVE_COUNTS,
                {
                    "ids": [lead_id for lead_id, _ in keys],
                    "activities": [activity for _, activity in keys],
                    "times": [count.times for count in counts],
                    "last": [count.last_counted_at for count in counts],
                },
            )
        if history:
            await pg.execute(*insert_rows(_history, _history_rows(history)))
        if events:
            await pg.execute(*insert_rows(outbox, outbox_rows(events)))


def _history_rows(history: Sequence[tuple[UUID, Applied, UUID | None]]) -> list[dict[str, Any]]:
    return [
        {
            "lead_id": lead_id,
            "activity": change.activity,
            "points": change.points,
            "old_score": change.old_score,
            "new_score": change.new_score,
            "delta": change.delta,
            "reason": change.reason,
            "cause_event_id": cause,
            "occurred_at": change.occurred_at,
        }
        for lead_id, change, cause in history
    ]


def _columns(rows: Sequence[tuple[Any, ...]], width: int) -> list[list[Any]]:
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[]] * width
