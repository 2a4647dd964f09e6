"""How fast admin-api's read model catches up: events of N leads (lead.created, website
activities, lead.scored for each) published to JetStream, then projected — once by the
running service's consumers (live catch-up), once by `rebuild` (replay from the stream).

    .venv/bin/python bench/admin_projection.py --leads 2000 --activities 10
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
import uuid
from datetime import UTC, datetime, timedelta

import nats
from auftakt_admin.app import AdminService, migrate
from auftakt_admin.rebuild import rebuild_projection
from auftakt_admin.settings import AdminSettings
from auftakt_common.events import (
    ActivityRecorded,
    Attribution,
    CompanyInfo,
    EncryptedContact,
    Event,
    EventDetails,
    LeadCreated,
    LeadScored,
    LeadSnapshot,
    ScoreChange,
)
from auftakt_common.messaging import MSG_ID_HEADER
from auftakt_common.streams import ensure_streams
from auftakt_common.vault import to_text
from harness import running_stack, settings_of
from sqlalchemy import text

PAGES = ["/", "/preise", "/referenzen", "/bands/jazz", "/kontakt", "/ueber-uns"]


async def _events(service: AdminService, leads: int, activities: int) -> list[Event]:
    rng = random.Random(5)
    start = datetime.now(UTC) - timedelta(days=3)
    events: list[Event] = []
    async with service.engine.begin() as conn:
        for n in range(leads):
            lead_id = uuid.uuid4()
            key, wrapped = service.keys.vault.new_data_key(lead_id)
            await service.keys.add(conn, lead_id, wrapped)
            at = start + timedelta(seconds=n)
            events.append(
                LeadCreated(
                    occurred_at=at,
                    lead_id=lead_id,
                    lead=LeadSnapshot(
                        contact=EncryptedContact(
                            email=to_text(key.seal("email", f"lead{n}@firma{n}.example.com")),
                            first_name=to_text(key.seal("first_name", "Anna")),
                        ),
                        company=CompanyInfo(name=f"Firma {n} GmbH"),
                        event=EventDetails(type="weihnachtsfeier", guest_count=120),
                        first_touch=Attribution(utm_source=rng.choice(["google", "linkedin"])),
                        consent_marketing=True,
                        created_at=at,
                    ),
                )
            )
            score = 0
            for i in range(activities):
                at += timedelta(seconds=5)
                activity_id = uuid.uuid4()
                events.append(
                    ActivityRecorded(
                        occurred_at=at,
                        activity_id=activity_id,
                        lead_id=lead_id,
                        activity_type="page_view",
                        page_url=f"https://www.musikfuerfirmen.de{rng.choice(PAGES)}",
                    )
                )
                if i % 3 == 0:
                    score = min(100, score + 10)
                    events.append(
                        LeadScored(
                            occurred_at=at + timedelta(milliseconds=5),
                            lead_id=lead_id,
                            score=score,
                            previous_score=score - 10,
                            stage="cold" if score <= 30 else "warm" if score <= 60 else "hot",
                            changes=[
                                ScoreChange(activity="page", points=10, delta=10, reason="Seite")
                            ],
                            activity_id=activity_id,
                        )
                    )
    return events


async def _publish(nats_url: str, events: list[Event]) -> float:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await ensure_streams(js)
    started = time.perf_counter()
    for chunk in range(0, len(events), 500):
        acks = [
            js.publish(
                event.subject,
                event.model_dump_json().encode(),
                headers={MSG_ID_HEADER: str(event.event_id)},
            )
            for event in events[chunk : chunk + 500]
        ]
        await asyncio.gather(*acks)
    await nc.close()
    return time.perf_counter() - started


async def _projected(service: AdminService) -> tuple[int, int]:
    async with service.engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM admin.leads WHERE known), "
                    "(SELECT count(*) FROM admin.activities)"
                )
            )
        ).one()
    return int(row[0]), int(row[1])


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=2000)
    parser.add_argument("--activities", type=int, default=10)
    args = parser.parse_args()
    with running_stack(remove_data=True, public_url="https://leads.example.de") as env:
        settings = AdminSettings(**settings_of(env))  # type: ignore[arg-type]
        migrate(settings)
        service = AdminService(settings)
        events = await _events(service, args.leads, args.activities)
        published = await _publish(settings.nats_url, events)
        print(f"{len(events):,} events published in {published:.1f} s")
        wanted = (args.leads, args.leads * args.activities)
        started = time.perf_counter()
        async with service:
            while await _projected(service) != wanted:
                await asyncio.sleep(0.2)
            live = time.perf_counter() - started
            print(f"live catch-up: {live:.1f} s, {len(events) / live:,.0f} events/s")
            started = time.perf_counter()
            replayed = await rebuild_projection(service.engine, service.keys, settings.nats_url)
            rebuilt = time.perf_counter() - started
            assert await _projected(service) == wanted
            print(f"rebuild: {replayed:,} events in {rebuilt:.1f} s, {replayed / rebuilt:,.0f}/s")
        await service.engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
