"""How fast enrichment gets through a wave of new leads when its company provider is
slow and strict: N new leads over D company domains, against a fake People Data Labs API
(its own thread and event loop) that answers after a latency and refuses (429) any call
beyond its rate limit in a sliding second. Prints the time until every lead is enriched,
the provider calls made, the most calls the provider saw in any one second, and how many
it refused. Then (`--activities`) how fast it records what those leads do on the
website: page views published while it is stopped, then a fresh process timed working
off the backlog (activity counts, and the companies' roll-ups).

    .venv/bin/python bench/enrichment.py --leads 1000 --domains 300 --latency 0.2 --rate 10
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import nats
import uvicorn
from auftakt_common.events import (
    ActivityRecorded,
    Attribution,
    CompanyInfo,
    EncryptedContact,
    Event,
    EventDetails,
    LeadCreated,
    LeadSnapshot,
)
from auftakt_common.logging import configure_logging
from auftakt_common.messaging import MSG_ID_HEADER
from auftakt_common.streams import ensure_streams
from auftakt_common.vault import to_text
from auftakt_enrichment.app import EnrichmentService, migrate
from auftakt_enrichment.settings import EnrichmentSettings
from harness import running_stack, settings_of
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.enrichment.fakes import FakePdl  # noqa: E402  (the tests' fake, served here)


def _serve_in_thread(fake: FakePdl) -> uvicorn.Server:
    config = uvicorn.Config(
        fake.app(), host="127.0.0.1", port=fake.port, log_config=None, access_log=False
    )
    server = uvicorn.Server(config)
    threading.Thread(target=server.run, daemon=True, name="fake-pdl").start()
    while not server.started:
        time.sleep(0.01)
    return server


async def _new_leads(service: EnrichmentService, leads: int, domains: int) -> list[Event]:
    rng = random.Random(7)
    names = [f"firma-{n:03d}-{uuid.uuid4().hex[:4]}.de" for n in range(domains)]
    events: list[Event] = []
    now = datetime.now(UTC)
    keys = service.enricher.keys
    async with service.engine.begin() as conn:
        for n in range(leads):
            lead_id = uuid.uuid4()
            key, wrapped = keys.vault.new_data_key(lead_id)
            await keys.add(conn, lead_id, wrapped)
            domain = names[n] if n < domains else rng.choice(names)  # every domain once at least
            events.append(
                LeadCreated(
                    lead_id=lead_id,
                    lead=LeadSnapshot(
                        contact=EncryptedContact(
                            email=to_text(key.seal("email", f"person{n}@{domain}"))
                        ),
                        company=CompanyInfo(domain=domain),
                        event=EventDetails(type="sommerfest", guest_count=150),
                        first_touch=Attribution(source="google-ads"),
                        consent_marketing=False,
                        created_at=now,
                    ),
                )
            )
    return events


async def _publish(nats_url: str, events: list[Event]) -> None:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await ensure_streams(js)
    for chunk in range(0, len(events), 500):  # acks in flight, a window at a time
        await asyncio.gather(
            *(
                js.publish(
                    e.subject,
                    e.model_dump_json().encode(),
                    headers={MSG_ID_HEADER: str(e.event_id)},
                )
                for e in events[chunk : chunk + 500]
            )
        )
    await nc.close()


PAGES = ["/preise", "/referenzen", "/ueber-uns", "/bands", "/blog/weihnachtsfeier-ideen"]


def _activities(leads: list[Event], count: int) -> list[Event]:
    rng = random.Random(11)
    lead_ids = [event.lead_id for event in leads if isinstance(event, LeadCreated)]
    return [
        ActivityRecorded(
            activity_id=uuid.uuid4(),
            lead_id=rng.choice(lead_ids),
            activity_type="page_view",
            page_url=f"https://www.musikfuerfirmen.de{rng.choice(PAGES)}",
        )
        for _ in range(count)
    ]


async def _recorded(service: EnrichmentService, events: list[Event]) -> int:
    async with service.engine.connect() as conn:
        found = await conn.scalar(
            text("SELECT count(*) FROM enrichment.inbox WHERE event_id = ANY(:ids)"),
            {"ids": [event.event_id for event in events]},
        )
    return int(found or 0)


async def _enriched(service: EnrichmentService) -> int:
    async with service.engine.connect() as conn:
        done = await conn.scalar(
            text("SELECT count(*) FROM enrichment.leads WHERE company_status = 'enriched'")
        )
    return int(done or 0)


async def _bench(args: argparse.Namespace, env: dict[str, str], fake: FakePdl) -> None:
    settings = EnrichmentSettings(**settings_of(env))  # type: ignore[arg-type]
    configure_logging(service="bench", fmt="console", level="WARNING")
    migrate(settings)
    async with EnrichmentService(settings) as service:
        events = await _new_leads(service, args.leads, args.domains)
        started = time.monotonic()
        await _publish(settings.nats_url, events)
        while (done := await _enriched(service)) < args.leads:
            if time.monotonic() - started > args.timeout:
                raise SystemExit(f"only {done} of {args.leads} leads enriched in {args.timeout} s")
            await asyncio.sleep(0.05)
        elapsed = time.monotonic() - started
    recording = await _record_activities(settings, events, args.activities)
    calls = len(fake.calls)
    floor = args.domains / args.rate + args.latency
    print(f"leads enriched          {args.leads} over {args.domains} domains")
    print(f"time until all enriched {elapsed:.1f} s (floor at {args.rate:g}/s: {floor:.1f} s)")
    print(f"provider calls          {calls} ({calls / args.domains:.2f} per domain)")
    print(f"most calls in 1 s       {fake.most_in_any_second()} (limit {args.rate:g})")
    print(f"refused (429)           {fake.refused}")
    print(f"calls per second        {calls / elapsed:.2f}")
    if recording:
        print(
            f"activities recorded     {args.activities} in {recording:.1f} s "
            f"from a backlog ({args.activities / recording:,.0f}/s, roll-ups included)"
        )


async def _record_activities(
    settings: EnrichmentSettings, leads: list[Event], count: int
) -> float | None:
    """Publish `count` activities while enrichment is stopped, then time a fresh process
    working off that backlog."""
    if not count:
        return None
    activities = _activities(leads, count)
    await _publish(settings.nats_url, activities)
    started = time.monotonic()
    async with EnrichmentService(settings, work=False) as service:
        while await _recorded(service, activities) < count:
            await asyncio.sleep(0.1)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--leads", type=int, default=1000)
    parser.add_argument("--domains", type=int, default=300)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per provider call")
    parser.add_argument("--rate", type=float, default=10, help="provider calls a second")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--activities", type=int, default=50_000, help="then record these")
    args = parser.parse_args()
    fake = FakePdl(latency=args.latency, rate_limit=int(args.rate))
    for_domains = {"employee_count": 250, "industry": "automotive", "size": "201-500"}
    server = _serve_in_thread(fake)
    # every domain the leads use is known to the fake (names are made in _new_leads)
    fake.companies = _AnyDomain(for_domains)
    try:
        with running_stack(
            public_url="https://auftakt.example",
            enrichment_company_providers="pdl",
            enrichment_pdl_url=fake.url,
            enrichment_pdl_api_key="bench-key",
            enrichment_pdl_rate_per_second=str(args.rate),
            enrichment_pdl_monthly_budget="1000000",
            enrichment_poll_interval_seconds="0.05",
            remove_data=True,
        ) as env:
            asyncio.run(_bench(args, env, fake))
    finally:
        server.should_exit = True


class _AnyDomain(dict[str, dict[str, object]]):
    """A company record for whatever domain is asked."""

    def __init__(self, record: dict[str, object]) -> None:
        super().__init__()
        self._record = record

    def get(self, key: str, default: object = None) -> dict[str, object]:
        return {**self._record, "display_name": key.split(".")[0].title()}


if __name__ == "__main__":
    main()
