"""Capture throughput and latency over real HTTP, PostgreSQL and NATS.

Starts PostgreSQL and NATS (embedded, durable settings, unless AUFTAKT_DATABASE_URL /
AUFTAKT_NATS_URL are set), runs capture as its own process (uvicorn workers), and drives it
from load-generator processes. Prints accepted requests/s, activities/s and p50/p99
latency for single activities, batches of 50 and form submissions, then how fast the
outbox relay drained what was accepted.

    .venv/bin/python bench/capture.py [--seconds 15] [--workers 2] [--clients 2] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import time
import uuid
from urllib.parse import urlencode

import psycopg
from auftakt_common.embedded import free_port
from harness import Connection, percentile, running_stack, start_service, wait_ready


def _activity(visitor: str) -> dict[str, object]:
    return {
        "type": "page_view",
        "visitor_id": visitor,
        "page_url": "https://www.musikfuerfirmen.de/preise",
        "detail": {"scroll": 50},
    }


def _body(scenario: str, n: int, worker: int) -> tuple[str, dict[str, object]]:
    visitor = f"bench{worker:02d}{n % 5000:06d}"
    if scenario == "activity":
        return "/v1/activities", {"json": _activity(visitor)}
    if scenario == "batch50":
        return "/v1/activities", {"json": {"activities": [_activity(visitor)] * 50}}
    email = f"bench.{uuid.uuid4().hex}@example-firma.de"
    return "/v1/leads", {
        "data": {
            "email": email,
            "first_name": "Bench",
            "last_name": "Mark",
            "phone": "+49 40 123456",
            "company_name": "Benchmark GmbH",
            "company_size": "51-200",
            "event_type": "sommerfest",
            "guest_count": "150",
            "budget_min": "3000",
            "budget_max": "6000",
            "utm_source": "bench",
            "consent_marketing": "on",
            "thank_you_url": "https://www.musikfuerfirmen.de/danke",
        }
    }


def _encode(scenario: str, n: int, worker: int) -> tuple[str, str, bytes]:
    path, kwargs = _body(scenario, n, worker)
    if "json" in kwargs:
        return path, "application/json", json.dumps(kwargs["json"]).encode()
    return path, "application/x-www-form-urlencoded", urlencode(kwargs["data"]).encode()


async def _drive(
    base: str, scenario: str, seconds: float, concurrency: int, worker: int
) -> tuple[int, int, list[float]]:
    host = base.removeprefix("http://")
    latencies: list[float] = []
    ok = failed = 0
    deadline = time.perf_counter() + seconds

    async def loop(slot: int) -> None:
        nonlocal ok, failed
        connection = await Connection.open(base)
        n = slot
        while time.perf_counter() < deadline:
            path, content_type, body = _encode(scenario, n, worker)
            started = time.perf_counter()
            status, _ = await connection.post(host, path, content_type, body)
            latencies.append(time.perf_counter() - started)
            if status < 400:
                ok += 1
            else:
                failed += 1
            n += concurrency
        connection.close()

    await asyncio.gather(*(loop(slot) for slot in range(concurrency)))
    return ok, failed, latencies


def _worker(args: tuple[str, str, float, int, int]) -> tuple[int, int, list[float]]:
    return asyncio.run(_drive(*args))


def _outbox_backlog(database_url: str) -> int:
    with psycopg.connect(database_url.replace("+psycopg", "")) as conn:
        row = conn.execute(
            "SELECT count(*) FROM capture.outbox WHERE published_at IS NULL"
        ).fetchone()
        return int(row[0]) if row else 0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers for capture")
    parser.add_argument("--clients", type=int, default=1, help="load-generator processes")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight per client")
    parser.add_argument("--scenarios", default="activity,batch50,form")
    args = parser.parse_args()

    port = free_port()
    with (
        running_stack(
            capture_port=str(port),
            capture_workers=str(args.workers),
            capture_rate_limit_enabled="false",
            capture_allowed_origins="https://www.musikfuerfirmen.de",
        ) as env,
        start_service("auftakt_capture", env),
    ):
        base = f"http://127.0.0.1:{port}"
        wait_ready(f"{base}/readyz")
        print(
            f"capture: {args.workers} workers; load: {args.clients} processes x "
            f"{args.concurrency} in flight; {args.seconds:.0f} s per scenario; "
            f"{os.cpu_count()} cores shared by all\n"
        )
        print(
            f"{'scenario':<10} {'req/s':>8} {'items/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
            f"{'errors':>7} {'relay drain':>12}"
        )
        ctx = multiprocessing.get_context("spawn")
        for scenario in args.scenarios.split(","):
            jobs = [
                (base, scenario, args.seconds, args.concurrency, w) for w in range(args.clients)
            ]
            started = time.perf_counter()
            with ctx.Pool(args.clients) as pool:
                results = pool.map(_worker, jobs)
            elapsed = time.perf_counter() - started
            ok = sum(r[0] for r in results)
            failed = sum(r[1] for r in results)
            latencies = [x for r in results for x in r[2]]
            drain_started = time.perf_counter()
            while _outbox_backlog(env["AUFTAKT_DATABASE_URL"]) > 0:
                time.sleep(0.1)
            drain = time.perf_counter() - drain_started
            per_request = 50 if scenario == "batch50" else 1
            print(
                f"{scenario:<10} {ok / elapsed:>8.0f} {ok * per_request / elapsed:>9.0f} "
                f"{percentile(latencies, 0.5) * 1000:>8.1f} "
                f"{percentile(latencies, 0.99) * 1000:>8.1f} {failed:>7} {drain:>10.1f} s"
            )


if __name__ == "__main__":
    main()
