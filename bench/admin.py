"""admin-api's reads at scale: the lead list under every filter (page 1 and a deep page),
the other sort orders, a lead's detail and the dashboard, on a read model of a million
leads and twenty million activities.

Starts PostgreSQL (embedded, durable settings, unless AUFTAKT_DATABASE_URL is set), runs
admin's and the vault's migrations, then:

1. Loads `--leads` leads (names and address sealed with a real data key per lead, COPY),
   their pipeline rows and about `--activities-per-lead` activities each (bulk SQL), with
   the migration's indexes dropped during the load and built afterwards; VACUUM ANALYZE.
   Distributions: see admin_data.py.
2. Times the real query functions (`auftakt_admin.queries`, `.lead_detail`) through an
   AsyncEngine, one request at a time, `--runs` times each after a warm-up: `list_leads`
   without a filter and under each filter, page 1 and page `--deep-page` (reached by following the
   cursors; only that request is timed), the other sort orders, `lead_detail` and
   `dashboard`. Prints p50/p95/p99 and whether the goals are met (list p95 < 50 ms,
   dashboard p95 < 200 ms); for every miss, EXPLAIN (ANALYZE, BUFFERS) of its statements.

    .venv/bin/python bench/admin.py [--leads 1000000] [--activities-per-lead 20] [--runs 200]
        [--deep-page 21]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import auftakt_admin
import psycopg
import uvloop
from admin_data import LoadedData, load_read_model
from auftakt_admin.domain import ACTIVITY_WINDOWS, SCORE_BANDS, Cursor, LeadFilter, Sort
from auftakt_admin.lead_detail import lead_detail
from auftakt_admin.queries import LeadPage, dashboard, list_leads
from auftakt_admin.settings import AdminSettings
from auftakt_common.db import create_engine
from auftakt_common.events import STAGES
from auftakt_common.migrations import migrate_vault, run_migrations
from auftakt_common.vault_store import KeyStore
from harness import WEBSITE, libpq_url, percentile, running_stack, settings_of
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

LIST_GOAL, DASHBOARD_GOAL = 0.050, 0.200
MIGRATIONS = Path(auftakt_admin.__file__).parent / "migrations"

Call = Callable[[AsyncConnection], Awaitable[Any]]


@dataclass(frozen=True)
class Case:
    label: str
    lead_filter: LeadFilter = field(default_factory=LeadFilter)
    sort: Sort = "score"


@dataclass
class Result:
    label: str
    goal: float | None
    samples: list[float]
    note: str = ""
    call: Call | None = None
    server_ms: float | None = None  # PostgreSQL's execution time per call

    @property
    def met(self) -> bool:
        return self.goal is None or percentile(self.samples, 0.95) < self.goal


def list_cases(data: LoadedData, vault_index: Callable[[str], bytes]) -> list[Case]:
    today = data.now.date()
    users = data.user_ids
    return [
        Case("no filter"),
        *(Case(f"stage {stage}", LeadFilter(stage=stage)) for stage in STAGES),
        *(Case(f"score {band}", LeadFilter(score_band=band)) for band in SCORE_BANDS),
        Case("source linkedin (12 %)", LeadFilter(source="linkedin")),
        Case("source partner (1.5 %)", LeadFilter(source="partner")),
        *(Case(f"activity {key} days", LeadFilter(activity=key)) for key in ACTIVITY_WINDOWS),
        Case("status qualified", LeadFilter(status="qualified")),
        Case("assignee (2nd of 5)", LeadFilter(assignee_id=users[1])),
        Case("event type gala", LeadFilter(event_type="gala")),
        Case(
            "event date in 60–90 days",
            LeadFilter(
                event_from=today + timedelta(days=60), event_until=today + timedelta(days=90)
            ),
        ),
        Case("exact e-mail", LeadFilter(email_index=vault_index(data.email))),
        Case(f"company ~ '{data.company_common}'", LeadFilter(company=data.company_common)),
        Case(f"company ~ '{data.company_rare}'", LeadFilter(company=data.company_rare)),
        Case("stage hot + source linkedin", LeadFilter(stage="hot", source="linkedin")),
        Case("score 61-80 + activity 0-3", LeadFilter(score_band="61-80", activity="0-3")),
        Case(
            "status contacted + assignee",
            LeadFilter(status="contacted", assignee_id=users[0]),
        ),
        Case("sort last_activity", sort="last_activity"),
        Case("sort created", sort="created"),
        Case("sort event_date", sort="event_date"),
    ]


class Timer:
    """Times calls one at a time, each on a connection from the pool as a request would
    be, and reads PostgreSQL's own execution time for them (pg_stat_statements)."""

    def __init__(self, engine: AsyncEngine, stats: psycopg.AsyncConnection[Any], runs: int):
        self.engine, self.stats, self.runs = engine, stats, runs

    async def run(self, result: Result) -> None:
        assert result.call is not None
        for _ in range(min(10, self.runs)):  # warm-up: caches, compiled statements
            async with self.engine.connect() as conn:
                await result.call(conn)
        await self.stats.execute("SELECT pg_stat_statements_reset()")
        for _ in range(self.runs):
            started = time.perf_counter()
            async with self.engine.connect() as conn:
                await result.call(conn)
            result.samples.append(time.perf_counter() - started)
        row = await (
            await self.stats.execute(
                "SELECT sum(total_exec_time) FROM pg_stat_statements "
                "WHERE query NOT LIKE '%pg_stat_statements%'"
            )
        ).fetchone()
        result.server_ms = (row[0] or 0.0) / self.runs if row else None
        print(f"  {_row(result)}", flush=True)


async def _cursor_of_page(
    engine: AsyncEngine, keys: KeyStore, case: Case, now: Any, page: int
) -> tuple[LeadPage, Cursor | None, int]:
    """Page 1, and the cursor that page `page` starts after (None, and the pages there
    are, if the list is shorter)."""
    cursor: Cursor | None = None
    first: LeadPage | None = None
    async with engine.connect() as conn:
        for number in range(1, page):
            result = await list_leads(
                conn, keys, case.lead_filter, now=now, sort=case.sort, cursor=cursor
            )
            first = first or result
            if result.next_cursor is None:
                return first, None, number
            cursor = Cursor.decode(result.next_cursor, case.sort)
    assert first is not None
    return first, cursor, page


async def measure(timer: Timer, keys: KeyStore, data: LoadedData, deep_page: int) -> list[Result]:
    now, engine = data.now, timer.engine
    results = []
    for case in list_cases(data, keys.vault.blind_index):

        def page(cursor: Cursor | None, case: Case = case) -> Call:
            return lambda conn: list_leads(
                conn, keys, case.lead_filter, now=now, sort=case.sort, cursor=cursor
            )

        first, cursor, pages = await _cursor_of_page(engine, keys, case, now, deep_page)
        total = f"{first.total:,}{'+' if first.total_capped else ''}"
        note = f"{len(first.items)} rows, total {total}"
        results.append(Result(f"{case.label}, page 1", LIST_GOAL, [], note, page(None)))
        if cursor is not None:
            results.append(
                Result(f"{case.label}, page {deep_page}", LIST_GOAL, [], "", page(cursor))
            )
        else:
            results.append(
                Result(f"{case.label}, page {deep_page}", None, [], f"only {pages} page(s)")
            )
        for result in results[-2:]:
            if result.call is not None:
                await timer.run(result)
            else:
                print(f"  {_row(result)}", flush=True)

    async with engine.connect() as conn:
        detail = await lead_detail(conn, keys, data.detail_lead_id)
    assert detail is not None
    for result in (
        Result(
            "lead_detail",
            None,
            [],
            f"{len(detail.activities)} activities",
            lambda conn: lead_detail(conn, keys, data.detail_lead_id),
        ),
        Result("dashboard", DASHBOARD_GOAL, [], "", lambda conn: dashboard(conn, keys, now=now)),
    ):
        await timer.run(result)
        results.append(result)
    return results


def _ms(samples: list[float], q: float) -> str:
    return f"{percentile(samples, q) * 1000:7.1f}"


def _row(result: Result) -> str:
    if not result.samples:
        return f"{result.label:<46} {'—':>7} {'—':>7} {'—':>7} {'—':>7}        {result.note}"
    mark = "" if result.goal is None else ("ok" if result.met else "MISS")
    server = f"{result.server_ms:7.1f}" if result.server_ms is not None else f"{'?':>7}"
    return (
        f"{result.label:<46} {_ms(result.samples, 0.5)} {_ms(result.samples, 0.95)} "
        f"{_ms(result.samples, 0.99)} {server}  {mark:<4}  {result.note}"
    )


async def explain(engine: AsyncEngine, call: Call) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of every statement the call sends through SQLAlchemy."""
    statements: list[tuple[str, Any]] = []

    def capture(_c: Any, _cur: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        async with engine.connect() as conn:
            await call(conn)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
    async with engine.connect() as conn:
        for statement, parameters in statements:
            plan = await conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            print("    " + " ".join(statement.split()))
            print(f"    parameters: {parameters}")
            for (line,) in plan:
                print(f"      {line}")


async def _bench(args: argparse.Namespace, env: dict[str, str]) -> None:
    settings = AdminSettings.model_validate(settings_of(env))
    database_url = libpq_url(settings.database_url)
    print(f"loading {args.leads:,} leads, ~{args.leads * args.activities_per_lead:,} activities:")
    started = time.perf_counter()
    data = await load_read_model(
        database_url, settings.vault(), args.leads, args.activities_per_lead, args.seed
    )
    print(f"  load total: {time.perf_counter() - started:.0f} s")
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as stats:
        await stats.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        version, buffers = await (
            await stats.execute(
                "SELECT current_setting('server_version'), current_setting('shared_buffers')"
            )
        ).fetchone() or ("?", "?")
        print(
            f"\nPostgreSQL {version}, shared_buffers {buffers}; {os.cpu_count()} cores, load "
            f"average {os.getloadavg()[0]:.1f}; {args.runs} runs per line after a warm-up; ms "
            "(server: PostgreSQL's execution time per call, mean):"
        )
        print(f"  {'':<46} {'p50':>7} {'p95':>7} {'p99':>7} {'server':>7}")
        engine = create_engine(settings.database_url, pool_size=2)
        keys = KeyStore(settings.vault())
        results = await measure(Timer(engine, stats, args.runs), keys, data, args.deep_page)
    print(f"load average after measuring: {os.getloadavg()[0]:.1f}")

    misses = [r for r in results if r.samples and not r.met]
    lists = [r for r in results if r.goal == LIST_GOAL and r.samples]
    worst = max(lists, key=lambda r: percentile(r.samples, 0.95))
    board = results[-1]
    print(
        f"\ngoal list p95 < 50 ms: {'met' if all(r.met for r in lists) else 'NOT met'} "
        f"({len(lists) - sum(not r.met for r in lists)} of {len(lists)} lines; worst "
        f"{percentile(worst.samples, 0.95) * 1000:.1f} ms, {worst.label})"
    )
    print(
        f"goal dashboard p95 < 200 ms: {'met' if board.met else 'NOT met'} "
        f"({percentile(board.samples, 0.95) * 1000:.1f} ms)"
    )
    for result in misses:
        assert result.call is not None
        print(f"\nMISS {result.label}: p95 {percentile(result.samples, 0.95) * 1000:.1f} ms")
        await explain(engine, result.call)
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--activities-per-lead", type=int, default=20)
    parser.add_argument("--runs", type=int, default=200, help="timed calls per line")
    parser.add_argument("--deep-page", type=int, default=21)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.leads < 1 or args.activities_per_lead < 1 or args.deep_page < 2:
        parser.error("--leads and --activities-per-lead must be >= 1, --deep-page >= 2")

    with running_stack(remove_data=True, public_url=WEBSITE) as env:
        run_migrations(env["AUFTAKT_DATABASE_URL"], MIGRATIONS, "admin")
        migrate_vault(env["AUFTAKT_DATABASE_URL"])
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(_bench(args, env))


if __name__ == "__main__":
    main()
