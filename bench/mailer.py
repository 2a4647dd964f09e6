"""Mailer throughput: finding the due enrolments among many and sending them into a local
SMTP sink, against a faithful re-implementation of the seed's cron loop.

Starts PostgreSQL and NATS (embedded, durable settings, unless AUFTAKT_DATABASE_URL /
AUFTAKT_NATS_URL are set) and an SMTP sink as its own process (Postfix's `smtp-sink` if
installed, else an aiosmtpd sink), then:

1. Stores `--enrolments` enrolments (bulk SQL), of which `--due` are due now: step 1 of
   `checklist_2025` (transactional, so it goes without consent) for leads with a real
   data key and sealed address. The rest are due over the next six weeks, completed or
   stopped, each with its lead, data key and an earlier send.
2. Times finding the due rows (`repository.due_enrolments`, and its plan).
3. For each `--connections` value: one mailer process (`MailerService`, its outbox relay
   running) sends all due mails, round after round (`Dispatcher.run_round`): sends/s,
   round p50/p99, where the time goes (phases, and PostgreSQL's time per statement),
   checked against the sink's count and `mailer.sends`.
4. The seed's `processEmailQueue` (spec lines 760-840) at `--seed-leads` leads with `--due`
   due: every tick loads every lead with its lead magnets and sends, finds the applicable
   sequences, the next step, checks whether it is due, decrypts, personalises, sends over
   one SMTP connection and inserts an `email_sends` row, one mail at a time. It is given
   the benefit of the doubt where the spec is silent or differs: sequences and steps are
   read once per tick (not per lead), and its request to Resend (JSON; Resend builds the
   MIME) becomes the cheapest mail with the same fields, over loopback SMTP.

    .venv/bin/python bench/mailer.py [--enrolments 1000000] [--due 10000] [--seed-leads 100000]
        [--connections 8,16] [--batch-size 500] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import random
import statistics
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import uvloop
from auftakt_common.db import create_engine
from auftakt_common.logging import configure_logging
from auftakt_mailer import mime, repository
from auftakt_mailer.app import MailerService, migrate
from auftakt_mailer.dispatcher import Dispatcher, RoundResult
from auftakt_mailer.messages import OutgoingMail
from auftakt_mailer.settings import MailerSettings
from harness import (
    FIRST_NAMES,
    WEBSITE,
    copy_rows,
    libpq_url,
    percentile,
    running_stack,
    sequence_id,
    settings_of,
)
from seedloop import run_seed_loop
from smtp_sink import Sink
from sqlalchemy.ext.asyncio import AsyncEngine

IMPRINT = "Musik für Firmen GmbH · Benchstraße 1 · 10115 Berlin · HRB 000000"


CHECKLIST, BUDGET = sequence_id("checklist_2025"), sequence_id("budget_calculator")


# --- the mailer's data -------------------------------------------------------------------

_NOT_DUE_ENROLMENTS = """
INSERT INTO mailer.enrolments (id, lead_id, sequence_id, state, next_position, next_due_at,
    enrolled_at, ended_at, stop_reason)
SELECT gen_random_uuid(), gen_random_uuid(), g.sequence_id,
    CASE WHEN g.r < 0.35 THEN 'completed' WHEN g.r < 0.40 THEN 'stopped' ELSE 'active' END,
    CASE WHEN g.r >= 0.40 THEN 2 + floor(random() * g.later_steps)::int END,
    CASE WHEN g.r >= 0.40
         THEN %(now)s + interval '1 day' + random() * interval '42 days' END,
    %(now)s - interval '1 hour' - random() * interval '60 days',
    CASE WHEN g.r < 0.40 THEN %(now)s - random() * interval '30 days' END,
    CASE WHEN g.r >= 0.35 AND g.r < 0.40 THEN 'no_consent' END
FROM (SELECT n, random() AS r,
             CASE WHEN n %% 5 < 3 THEN %(checklist)s::uuid ELSE %(budget)s::uuid END
                 AS sequence_id,
             CASE WHEN n %% 5 < 3 THEN 3 ELSE 2 END AS later_steps
      FROM generate_series(1, %(count)s) AS n) AS g
"""
# their leads (ciphertexts of the right size; these are never opened), data keys, and the
# step-1 mail each of them was sent
_NOT_DUE_LEADS = """
INSERT INTO mailer.leads (lead_id, email_ct, first_name_ct, company_name, event_type,
    event_date, guest_count, budget_max, consent_requested_at, consent_confirmed_at,
    snapshot_at, created_at)
SELECT lead_id, decode(md5(id::text) || md5(lead_id::text) || md5(random()::text), 'hex'),
    decode(md5(random()::text) || md5(random()::text), 'hex'),
    'Firma ' || left(lead_id::text, 8) || ' GmbH', 'weihnachtsfeier',
    date '2025-06-01' + (random() * 500)::int, 50 + (random() * 400)::int,
    3000 + (random() * 20000)::int, enrolled_at,
    CASE WHEN random() < 0.5 THEN enrolled_at + interval '1 hour' END, enrolled_at, enrolled_at
FROM mailer.enrolments
"""
_NOT_DUE_KEYS = """
INSERT INTO vault.data_keys (lead_id, master_key_id, wrapped_key)
SELECT lead_id, %(key_id)s,
    decode(md5(lead_id::text) || md5(random()::text) || md5(random()::text), 'hex')
FROM mailer.enrolments
"""
_NOT_DUE_SENDS = """
INSERT INTO mailer.sends (id, lead_id, enrolment_id, sequence_id, position, kind, marketing,
    status, attempts, sent_at, provider_message_id, dedupe_key, created_at)
SELECT gen_random_uuid(), lead_id, id, sequence_id, 1, 'sequence', false, 'sent', 1,
    enrolled_at, '<' || gen_random_uuid() || '@musikfuerfirmen.de>', id || ':1', enrolled_at
FROM mailer.enrolments
"""


async def load_mailer_data(
    database_url: str, settings: MailerSettings, enrolments: int, due: int
) -> list[UUID]:
    """The enrolments; the ids of the due ones."""
    now = datetime.now(UTC)
    vault = settings.vault()
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        started = time.perf_counter()
        params = {"now": now, "checklist": CHECKLIST, "budget": BUDGET, "count": enrolments - due}
        await conn.execute(_NOT_DUE_ENROLMENTS, params)
        await conn.execute(_NOT_DUE_LEADS)
        await conn.execute(_NOT_DUE_KEYS, {"key_id": settings.active_master_key_id})
        await conn.execute(_NOT_DUE_SENDS)
        bulk = time.perf_counter() - started

        started = time.perf_counter()
        leads, keys, due_enrolments = [], [], []
        for n in range(due):
            lead_id = uuid.uuid4()
            data_key, wrapped = vault.new_data_key(lead_id)
            first_name = FIRST_NAMES[n % len(FIRST_NAMES)]
            address = f"{first_name.lower()}.{n}@firma{n % 997}.example.de"
            leads.append(
                (
                    lead_id,
                    data_key.seal("email", address),
                    data_key.seal("first_name", first_name),
                    f"Firma {n} GmbH",
                    "weihnachtsfeier",
                    date(2026, 12, 11),
                    120,
                    4500,
                    now,
                    now,
                )
            )
            keys.append((lead_id, wrapped.master_key_id, wrapped.wrapped))
            due_at = now - timedelta(seconds=random.uniform(1, 3600))
            due_enrolments.append(
                (uuid.uuid4(), lead_id, CHECKLIST, "active", 1, due_at, "{}", due_at)
            )
        await copy_rows(
            conn,
            "mailer.leads (lead_id, email_ct, first_name_ct, company_name, event_type, "
            "event_date, guest_count, budget_max, consent_requested_at, snapshot_at)",
            leads,
        )
        await copy_rows(conn, "vault.data_keys (lead_id, master_key_id, wrapped_key)", keys)
        await copy_rows(
            conn,
            "mailer.enrolments (id, lead_id, sequence_id, state, next_position, next_due_at, "
            "context, enrolled_at)",
            due_enrolments,
        )
        await conn.execute("VACUUM (ANALYZE) mailer.enrolments, mailer.leads, mailer.sends")
        await conn.execute("VACUUM (ANALYZE) vault.data_keys")
        await conn.execute("CHECKPOINT")
        await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        sizes = await (
            await conn.execute(
                "SELECT pg_size_pretty(pg_total_relation_size('mailer.enrolments')), "
                "pg_size_pretty(pg_relation_size('mailer.ix_enrolments_due'))"
            )
        ).fetchone()
    print(
        f"stored {enrolments:,} enrolments ({due:,} due), their leads, data keys and "
        f"{enrolments - due:,} earlier sends: bulk SQL {bulk:.1f} s, due rows (sealed with "
        f"real keys, COPY) {time.perf_counter() - started:.1f} s; enrolments "
        f"{sizes[0] if sizes else '?'}, due index {sizes[1] if sizes else '?'}"
    )
    return [row[0] for row in due_enrolments]


async def reset_due(database_url: str, due_ids: list[UUID]) -> None:
    """The due enrolments back at step 1, their sends gone: ready for the next run."""
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        await conn.execute(
            "DELETE FROM mailer.sends WHERE enrolment_id = ANY(%(ids)s)", {"ids": due_ids}
        )
        await conn.execute(
            """UPDATE mailer.enrolments SET state = 'active', next_position = 1,
                   next_due_at = enrolled_at, ended_at = NULL, stop_reason = NULL
               WHERE id = ANY(%(ids)s)""",
            {"ids": due_ids},
        )
        await conn.execute("VACUUM (ANALYZE) mailer.enrolments, mailer.sends")


# as in repository.due_enrolments, for its plan
_DUE_QUERY = """EXPLAIN (ANALYZE, BUFFERS)
SELECT e.id, e.lead_id, e.sequence_id, e.next_position, e.next_due_at, e.enrolled_at, e.context
FROM mailer.enrolments e JOIN mailer.sequences s ON s.id = e.sequence_id AND s.active
WHERE e.state = 'active' AND e.next_due_at <= %(now)s
ORDER BY e.next_due_at LIMIT %(limit)s FOR UPDATE OF e SKIP LOCKED"""


async def time_due_query(engine: AsyncEngine, database_url: str, limits: list[int]) -> None:
    """How long finding the due rows takes: the repository's own call, and the plan."""
    for limit in limits:
        timings, found = [], 0
        for _ in range(5):
            async with engine.connect() as conn:
                transaction = await conn.begin()
                started = time.perf_counter()
                found = len(await repository.due_enrolments(conn, datetime.now(UTC), limit))
                timings.append(time.perf_counter() - started)
                await transaction.rollback()
        async with await psycopg.AsyncConnection.connect(database_url) as conn:
            plan = [
                row[0]
                for row in await (
                    await conn.execute(_DUE_QUERY, {"now": datetime.now(UTC), "limit": limit})
                ).fetchall()
            ]
            await conn.rollback()
        scan = next((line.strip() for line in plan if "Scan" in line), "?")
        executed = next((line.strip() for line in plan if "Execution Time" in line), "?")
        print(
            f"  due_enrolments(limit {limit:,}): {found:,} rows locked in "
            f"{statistics.median(timings) * 1000:.1f} ms (median of 5, through the pool); "
            f"plan: {scan[:70]}; {executed}"
        )


# --- one mailer process ------------------------------------------------------------------


@dataclass
class MailerRun:
    connections: int
    sent: int = 0
    failed: int = 0
    seconds: float = 0.0
    rounds: list[float] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)
    cpu_seconds: float = 0.0
    received: int = 0
    recorded: int = 0
    statements: list[tuple[str, int, float, float]] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0


class PhaseClock:
    """Times the dispatcher's phases by wrapping its steps (for this benchmark only):
    compose and MIME are CPU on the event loop; delivery is the wall time from the first
    mail handed to the transport to the last one answered; the claim transaction is what
    is left of the send round; whatever else the loop runs meanwhile (the outbox relay)
    lands in the phase it interleaves with."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._delivery: list[float] = []
        composer = dispatcher._composer
        compose, deliver, record = composer.compose, dispatcher._deliver, dispatcher._record
        materialise, send_round = dispatcher._materialise_due_steps, dispatcher._send_round
        mime_bytes = mime.mime_bytes

        def timed_compose(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return compose(*args, **kwargs)
            finally:
                self.seconds["compose"] += time.perf_counter() - started

        def timed_mime(mail: OutgoingMail) -> bytes:
            started = time.perf_counter()
            try:
                content: bytes = mime_bytes(mail)
                return content
            finally:
                self.seconds["mime"] += time.perf_counter() - started

        async def timed_deliver(*args: Any, **kwargs: Any) -> Any:
            self._delivery.append(time.perf_counter())
            try:
                return await deliver(*args, **kwargs)
            finally:
                self._delivery.append(time.perf_counter())

        composer.compose = timed_compose  # type: ignore[method-assign]
        dispatcher._deliver = timed_deliver
        dispatcher._record = self._timed("record", record)
        dispatcher._materialise_due_steps = self._timed("materialise", materialise)
        dispatcher._send_round = self._timed("send_round", send_round)
        self._mime_bytes = mime_bytes
        mime.mime_bytes = timed_mime

    def _timed(self, name: str, step: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
        async def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await step(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - started
                if name == "send_round" and self._delivery:
                    self.seconds["deliver"] += max(self._delivery) - min(self._delivery)
                    self._delivery.clear()

        return timed

    def close(self) -> None:
        mime.mime_bytes = self._mime_bytes

    def breakdown(self, rounds_total: float) -> dict[str, float]:
        s = self.seconds
        claim = s["send_round"] - s["compose"] - s["deliver"] - s["record"]
        return {
            "claim transaction (materialise due steps, claim, profiles, keys)": claim,
            "  of which materialise due steps": s["materialise"],
            "compose (decrypt, personalise, render, links)": s["compose"],
            "deliver (MIME + SMTP, concurrent; wall)": s["deliver"],
            "  of which MIME encoding (CPU)": s["mime"],
            "record results + outbox events": s["record"],
            # with rounds in flight together, phases overlap: their sum exceeds the wall time
            "alert round and the rest": max(0.0, rounds_total - s["send_round"]),
        }


async def _statement_times(database_url: str, reset: bool) -> list[tuple[str, int, float, float]]:
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        if reset:
            await conn.execute("SELECT pg_stat_statements_reset()")
            return []
        rows = await (
            await conn.execute(
                """SELECT regexp_replace(query, '\\s+', ' ', 'g'), calls, total_exec_time,
                          rows
                   FROM pg_stat_statements
                   WHERE query ILIKE '%mailer.%' OR query ILIKE '%vault.%'
                   ORDER BY total_exec_time DESC LIMIT 8"""
            )
        ).fetchall()
    return [(str(q), int(c), float(t), float(r)) for q, c, t, r in rows]


async def run_mailer(
    settings: MailerSettings, database_url: str, due_ids: list[UUID], sink: Sink, profile: bool
) -> MailerRun:
    run = MailerRun(settings.mailer_connections)
    service = MailerService(settings, dispatch=False)
    await service.start()  # the outbox relay and the consumers run, as in production
    clock = PhaseClock(service.dispatcher)
    profiler = cProfile.Profile() if profile else None
    received_before = sink.received()
    await _statement_times(database_url, reset=True)
    try:
        cpu_started, started = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        last_busy = started

        async def rounds() -> None:  # as `Dispatcher.run` does, without its idle waits
            nonlocal last_busy
            while True:
                round_started = time.perf_counter()
                result: RoundResult = await service.dispatcher.run_round()
                if not result.busy:
                    return
                last_busy = time.perf_counter()
                run.rounds.append(last_busy - round_started)
                run.sent += result.sent
                run.failed += result.failed

        await asyncio.gather(*(rounds() for _ in range(settings.mailer_rounds_in_flight)))
        if profiler:
            profiler.disable()
        run.seconds = last_busy - started
        run.cpu_seconds = time.process_time() - cpu_started
        run.phases = clock.breakdown(time.perf_counter() - started)  # with the idle round
    finally:
        clock.close()
        await service.stop()
    run.statements = await _statement_times(database_url, reset=False)
    await asyncio.sleep(0.3)  # the sink's counter
    run.received = sink.received() - received_before
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        row = await (
            await conn.execute(
                "SELECT count(*) FROM mailer.sends WHERE enrolment_id = ANY(%(ids)s) "
                "AND status = 'sent'",
                {"ids": due_ids},
            )
        ).fetchone()
        run.recorded = int(row[0]) if row else 0
    if profiler:
        print_profile(pstats.Stats(profiler, stream=sys.stdout), run.sent)
    return run


def _package(filename: str) -> str:
    """Who owns the code: a distribution, a stdlib module, or ours."""
    parts = Path(filename).parts
    for marker in ("site-packages", "src"):
        if marker in parts[:-1]:
            return parts[parts.index(marker) + 1].removesuffix(".py")
    stdlib = [i for i, part in enumerate(parts) if part.startswith("python3")]
    if stdlib and len(parts) > stdlib[-1] + 1:
        return "stdlib " + parts[stdlib[-1] + 1].removesuffix(".py")
    return "C builtins (called from anywhere)" if filename == "~" else Path(filename).name


def print_profile(stats: pstats.Stats, sent: int) -> None:
    own: dict[str, float] = defaultdict(float)
    for (filename, _, _), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        own[_package(filename)] += tottime
    total = sum(own.values())
    print("\ncProfile of that run (it slows it down): own time by package, per send")
    for name, seconds in sorted(own.items(), key=lambda item: -item[1])[:14]:
        print(
            f"    {name:<40} {seconds:6.2f} s {seconds / total:5.0%} {seconds / sent * 1e6:6.0f} µs"
        )
    print("  top functions by own time:")
    stats.sort_stats("tottime").print_stats(20)


def print_run(run: MailerRun, batch_size: int) -> None:
    rounds = run.rounds
    print(
        f"\nmailer, {run.connections} SMTP connections, batches of {batch_size}: "
        f"{run.sent:,} sent ({run.failed} not) in {run.seconds:.2f} s = "
        f"{run.per_second:,.0f} sends/s; {len(rounds)} rounds, p50 "
        f"{percentile(rounds, 0.5) * 1000:.0f} ms, p99 {percentile(rounds, 0.99) * 1000:.0f} ms"
    )
    print(
        f"  checked: sink received {run.received:,}, mailer.sends 'sent' {run.recorded:,}; "
        f"mailer process CPU {run.cpu_seconds:.2f} s "
        f"({run.cpu_seconds / run.seconds:.0%} of one core, "
        f"{run.cpu_seconds / max(run.sent, 1) * 1e6:.0f} µs per send)"
    )
    total = sum(seconds for name, seconds in run.phases.items() if not name.startswith(" "))
    print(
        "  where a round's time goes (sum over rounds, and per send; rounds in flight together "
        "overlap, so with more than one the shares add up to more than the wall time):"
    )
    for name, seconds in run.phases.items():
        print(
            f"    {name:<66} {seconds:6.2f} s {seconds / total:5.0%} "
            f"{seconds / max(run.sent, 1) * 1e6:6.0f} µs"
        )
    print("  PostgreSQL's time per statement (pg_stat_statements, top by total):")
    for query, calls, total_ms, rows in run.statements:
        print(f"    {total_ms / 1000:6.2f} s {calls:6} calls {rows:9.0f} rows  {query[:80]}")


# --- main --------------------------------------------------------------------------------


async def _bench(args: argparse.Namespace, env: dict[str, str], sink: Sink) -> None:
    database_url = libpq_url(env["AUFTAKT_DATABASE_URL"])
    base = settings_of(env)
    settings = MailerSettings(**base)
    due_ids = await load_mailer_data(database_url, settings, args.enrolments, args.due)

    print("\nfinding the due rows:")
    engine = create_engine(settings.database_url)
    await time_due_query(engine, database_url, sorted({args.batch_size, args.due}))
    await engine.dispose()

    runs: list[MailerRun] = []
    connections = [int(c) for c in args.connections.split(",")]
    for index, count in enumerate(connections + ([connections[0]] if args.profile else [])):
        if index:
            await reset_due(database_url, due_ids)
        run_settings = MailerSettings(**{**base, "mailer_connections": str(count)})
        profile = index == len(connections)
        run = await run_mailer(run_settings, database_url, due_ids, sink, profile)
        if not profile:
            print_run(run, args.batch_size)
            runs.append(run)

    seed = await run_seed_loop(database_url, sink, args.seed_leads, min(args.due, args.seed_leads))
    seed_rate = seed.sent / seed.seconds

    best = max(runs, key=lambda r: r.per_second)
    print(
        f"\n=== summary ({os.cpu_count()} cores shared by PostgreSQL, NATS, the sink, the mailer)"
    )
    print(f"sink: {sink.name}")
    print(f"mailer: {args.enrolments:,} enrolments stored, {args.due:,} due")
    for run in runs:
        print(
            f"  {run.connections:>2} connections: {run.sent:,} sent in {run.seconds:.2f} s = "
            f"{run.per_second:,.0f} sends/s; rounds of {args.batch_size}: p50 "
            f"{percentile(run.rounds, 0.5) * 1000:.0f} ms, p99 "
            f"{percentile(run.rounds, 0.99) * 1000:.0f} ms; sink {run.received:,}, "
            f"recorded {run.recorded:,}"
        )
    print(
        f"seed loop: {args.seed_leads:,} leads, {seed.sent:,} due: one tick {seed.seconds:.2f} s "
        f"= {seed_rate:,.0f} sends/s"
    )
    print(
        f"ratio, mailer / seed loop: {best.per_second / seed_rate:.1f}x (best), "
        f"{runs[0].per_second / seed_rate:.1f}x ({runs[0].connections} connections)"
    )
    goal_rate = best.per_second >= 2000
    goal_ratio = best.per_second / seed_rate >= 50
    print(
        f"goal >= 2,000 sends/s: {'met' if goal_rate else 'NOT met'}; "
        f"goal >= 50x the seed loop: {'met' if goal_ratio else 'NOT met'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--enrolments", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--seed-leads", type=int, default=100_000)
    parser.add_argument("--connections", default="8,16", help="SMTP connections, one run each")
    parser.add_argument("--batch-size", type=int, default=1000, help="mailer_batch_size")
    parser.add_argument(
        "--rounds-in-flight", type=int, default=2, help="mailer_rounds_in_flight (1 = serial)"
    )
    parser.add_argument("--profile", action="store_true", help="one more run under cProfile")
    args = parser.parse_args()
    if not 0 < args.due <= args.enrolments:
        parser.error("--due must be between 1 and --enrolments")

    configure_logging(service="mailer", fmt="console", level="WARNING")
    sink = Sink()
    try:
        with running_stack(
            mailer_transport="smtp",
            mailer_smtp_host="127.0.0.1",
            mailer_smtp_port=str(sink.port),
            mailer_smtp_security="none",
            mailer_batch_size=str(args.batch_size),
            mailer_rounds_in_flight=str(args.rounds_in_flight),
            mailer_imprint=IMPRINT,
            public_url=WEBSITE,
        ) as env:
            migrate(MailerSettings(**settings_of(env)))
            with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                runner.run(_bench(args, env, sink))
    finally:
        sink.stop()


if __name__ == "__main__":
    main()
