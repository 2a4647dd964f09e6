"""Scoring latency and throughput over real HTTP, PostgreSQL and NATS.

Starts PostgreSQL and NATS (embedded, durable settings), capture (uvicorn workers) and one
scoring process, each its own process, all on this machine's cores.

1. Latency: creates leads through capture's form endpoint, adds a bench rule (+1, no cap,
   no cooldown, so every activity is scored) over NATS, then posts activities through
   capture at a fixed rate for a while (open loop: batches sent on a schedule, whatever
   the answers take). For every activity it measures from capture's answer (accepted) to
   the `lead.scored` that names it arriving at a NATS subscriber: p50/p99/max.
2. Throughput of one scoring process: with scoring stopped, publishes events straight to
   JetStream, then starts scoring and times how long it takes to score them all.

    .venv/bin/python bench/scoring.py [--rate 1000] [--seconds 20] [--batch 20] [--backlog 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
import uuid
from collections import defaultdict
from typing import Any

import nats
from auftakt_common.commands import SCORING_RULE_PUT
from auftakt_common.embedded import free_port
from auftakt_common.events import ActivityRecorded
from auftakt_common.messaging import MSG_ID_HEADER
from harness import Connection, percentile, running_stack, start_service, wait_ready
from nats.aio.msg import Msg
from nats.errors import NoRespondersError

SITE = "https://www.musikfuerfirmen.de"
BENCH_ACTIVITY = "bench_signal"


async def _create_leads(base: str, count: int) -> list[str]:
    connection = await Connection.open(base)
    tokens = []
    for _ in range(count):
        body = json.dumps({"email": f"bench.{uuid.uuid4().hex}@example-firma.de"}).encode()
        status, content = await connection.post(base, "/v1/leads", "application/json", body)
        assert status == 201, content
        tokens.append(json.loads(content)["lead_token"])
    connection.close()
    return tokens


async def _add_bench_rule(nats_url: str) -> None:
    """Also waits for scoring to be up: it answers once it consumes."""
    nc = await nats.connect(nats_url)
    rule = json.dumps(
        {"activity": BENCH_ACTIVITY, "points": 1, "description": "Benchmark", "website": True}
    )
    for _ in range(60):
        try:
            reply = json.loads((await nc.request(SCORING_RULE_PUT, rule.encode(), 10)).data)
            break
        except NoRespondersError:
            await asyncio.sleep(0.5)
    else:
        raise SystemExit("scoring did not answer")
    assert reply["ok"], reply
    await nc.close()


class _Observer:
    """Matches each `lead.scored` to the activity (and so the request) that caused it."""

    def __init__(self) -> None:
        self.request_of_activity: dict[str, int] = {}
        self.scored_at: dict[str, float] = {}

    async def on_activity(self, msg: Msg) -> None:
        payload = json.loads(msg.data)
        request = payload.get("detail", {}).get("bench_request")
        if request is not None:
            self.request_of_activity[payload["activity_id"]] = request

    async def on_scored(self, msg: Msg) -> None:
        now = time.perf_counter()
        activity_id = json.loads(msg.data).get("activity_id")
        if activity_id is not None:
            self.scored_at.setdefault(activity_id, now)


async def measure_latency(
    base: str, nats_url: str, tokens: list[str], rate: float, seconds: float, batch: int
) -> None:
    observer = _Observer()
    nc = await nats.connect(nats_url)
    await nc.subscribe("activity.recorded", cb=observer.on_activity)
    await nc.subscribe("lead.scored", cb=observer.on_scored)
    accepted_at: dict[int, float] = {}
    sent_per_request: dict[int, int] = {}
    statuses: dict[int, int] = defaultdict(int)
    interval = batch / rate
    requests = int(seconds / interval)
    connections = [await Connection.open(base) for _ in range(16)]
    free: asyncio.Queue[Connection] = asyncio.Queue()
    for connection in connections:
        free.put_nowait(connection)
    host = base.removeprefix("http://")

    async def send(request: int) -> None:
        activities = [
            {
                "type": BENCH_ACTIVITY,
                "lead_token": tokens[(request * batch + i) % len(tokens)],
                "page_url": f"{SITE}/preise",
                "detail": {"bench_request": request},
            }
            for i in range(batch)
        ]
        connection = await free.get()
        try:
            status, _ = await connection.post(
                host, "/v1/activities", "application/json", json.dumps(activities).encode()
            )
        finally:
            free.put_nowait(connection)
        statuses[status] += 1
        if status == 202:
            accepted_at[request] = time.perf_counter()
            sent_per_request[request] = batch

    started = time.perf_counter()
    tasks = []
    for request in range(requests):
        delay = started + request * interval - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(request)))
    await asyncio.gather(*tasks)
    sending = time.perf_counter() - started
    expected = sum(sent_per_request.values())
    deadline = time.perf_counter() + 30
    while len(observer.scored_at) < expected and time.perf_counter() < deadline:
        await asyncio.sleep(0.1)
    await nc.close()
    for connection in connections:
        connection.close()

    latencies = [
        observer.scored_at[activity_id] - accepted_at[request]
        for activity_id, request in observer.request_of_activity.items()
        if activity_id in observer.scored_at and request in accepted_at
    ]
    print(
        f"latency: {expected} activities in {sending:.1f} s = {expected / sending:.0f}/s "
        f"(batches of {batch}, {len(tokens)} leads); HTTP statuses {dict(statuses)}"
    )
    print(
        f"  accepted → lead.scored: p50 {percentile(latencies, 0.5) * 1000:.1f} ms, "
        f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms; "
        f"scored {len(observer.scored_at)} of {expected}"
    )


async def publish_backlog(nats_url: str, count: int, leads: int) -> list[str]:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    lead_ids = [uuid.uuid4() for _ in range(leads)]
    ids = []
    pending: list[Any] = []
    for n in range(count):
        event = ActivityRecorded(
            activity_id=uuid.uuid4(),
            lead_id=lead_ids[n % leads],
            activity_type=BENCH_ACTIVITY,
            page_url=f"{SITE}/preise",
        )
        ids.append(str(event.activity_id))
        pending.append(
            await js.publish_async(
                event.subject,
                event.model_dump_json().encode(),
                headers={MSG_ID_HEADER: str(event.event_id)},
            )
        )
        if len(pending) >= 1000:
            await asyncio.gather(*pending)
            pending.clear()
    await asyncio.gather(*pending)
    await nc.close()
    return ids


async def measure_drain(nats_url: str, activity_ids: list[str]) -> tuple[int, float]:
    """Waits for the `lead.scored` of every activity; (how many arrived, seconds from the
    first to the last)."""
    nc = await nats.connect(nats_url)
    arrivals: list[float] = []
    wanted = set(activity_ids)
    expected = len(wanted)

    async def on_scored(msg: Msg) -> None:
        if json.loads(msg.data).get("activity_id") in wanted:
            arrivals.append(time.perf_counter())

    await nc.subscribe("lead.scored", cb=on_scored)
    last_change, seen = time.perf_counter(), 0
    while len(arrivals) < expected and time.perf_counter() - last_change < 20:
        await asyncio.sleep(0.2)
        if len(arrivals) != seen:
            last_change, seen = time.perf_counter(), len(arrivals)
    await nc.close()
    return len(arrivals), (arrivals[-1] - arrivals[0]) if arrivals else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=1000, help="activities per second")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--batch", type=int, default=20, help="activities per HTTP request")
    parser.add_argument("--leads", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers for capture")
    parser.add_argument("--backlog", type=int, default=20_000, help="events for the drain run")
    parser.add_argument(
        "--nats-sync", default="always", help="JetStream sync_interval (always, or e.g. 1s)"
    )
    args = parser.parse_args()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with (
        running_stack(
            nats_sync=args.nats_sync,
            capture_port=str(port),
            capture_workers=str(args.workers),
            capture_rate_limit_enabled="false",
            capture_allowed_origins=SITE,
        ) as env,
        start_service("auftakt_capture", env),
    ):
        wait_ready(f"{base}/readyz")
        nats_url = env["AUFTAKT_NATS_URL"]
        print(
            f"{os.cpu_count()} cores shared by PostgreSQL, NATS, capture, scoring and load; "
            f"JetStream sync_interval {args.nats_sync}\n"
        )
        with start_service("auftakt_scoring", env):
            asyncio.run(_add_bench_rule(nats_url))
            tokens = asyncio.run(_create_leads(base, args.leads))
            time.sleep(2)  # lead.created events scored before measuring
            asyncio.run(
                measure_latency(base, nats_url, tokens, args.rate, args.seconds, args.batch)
            )
        backlog = asyncio.run(publish_backlog(nats_url, args.backlog, args.leads))
        with start_service("auftakt_scoring", env):
            scored, seconds = asyncio.run(measure_drain(nats_url, backlog))
        print(
            f"\nthroughput, one scoring process: {scored} of {args.backlog} events "
            f"({args.leads} leads) scored in {seconds:.1f} s = {scored / seconds:.0f} events/s"
        )


if __name__ == "__main__":
    main()
