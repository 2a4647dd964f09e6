"""A read model of admin-api at scale: leads sealed with real data keys (COPY), their
pipeline rows and activities (bulk SQL), the migration's indexes built after the load.

Distributions: scores skewed to cold (45 % cold, 30 % warm, 15 % hot, 10 % burning; the
stage follows the score), ten sources with uneven shares, mostly `new` leads, five
assignees, eight event types with dates over the next 18 months (some none), leads
created over the last year (more of them lately), the last activity between creation and
now (many recent), companies from a pool of 50,000 (some shared by many leads)."""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg
from auftakt_common.vault import Vault
from harness import FIRST_NAMES, WEBSITE, copy_rows

__all__ = ["LoadedData", "load_read_model"]

STAGES = (("cold", 0, 30, 45), ("warm", 31, 60, 30), ("hot", 61, 80, 15), ("burning", 81, 100, 10))
SOURCES = {
    "organic": 28,
    "google-ads": 20,
    "linkedin": 12,
    "referral": 10,
    "newsletter": 8,
    "direct": 8,
    "facebook": 6,
    "xing": 4,
    "messe": 2.5,
    "partner": 1.5,
}
STATUSES = {"new": 70, "contacted": 12, "qualified": 7, "opportunity": 5, "won": 3, "lost": 3}
EVENT_TYPES = {
    "weihnachtsfeier": 30,
    "sommerfest": 20,
    "firmenjubilaeum": 12,
    "gala": 10,
    "jubilaeum": 8,
    "konferenz": 8,
    "messe": 7,
    "incentive": 5,
}
USERS = ("Katrin Vogel", "Stefan Brandt", "Julia Hartmann", "Tobias Engel", "Sabine Roth")
USER_SHARES = (35, 25, 20, 12, 8)
SURNAMES = (
    "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch "
    "Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann "
    "Lange Schmitt Werner Schmitz Krause Meier Lehmann Schmid Schulze Maier Köhler Herrmann "
    "König Walter Mayer Huber Kaiser Fuchs Peters Lang Scholz Möller Weiß Jung Hahn Schubert "
    "Vogel Friedrich Keller Günther Frank Berger Winkler Roth Beck Lorenz"
).split()
TRADES = (
    "Bau Logistik Consulting Software Maschinenbau Elektro Immobilien Versicherungen "
    "Steuerberatung Medien Druck Autohaus Pharma Energie Solar Holz Metall Dental Reisen "
    "Catering Event Personal Transport Finanz Recht Werbung Design Technik Anlagenbau "
    "Kunststoff Textil Optik Garten Sanitär Gastro Hotel Fitness Pflege Labor Chemie"
).split()
FORMS = ("GmbH", "AG", "KG", "GmbH & Co. KG", "e.K.", "SE", "OHG", "UG")
CITIES = (
    "Berlin Hamburg München Köln Frankfurt Stuttgart Düsseldorf Leipzig Dortmund Essen Bremen "
    "Dresden Hannover Nürnberg Duisburg Bochum Wuppertal Bielefeld Bonn Münster"
).split()
COMPANY_SIZES = ("1-10", "11-50", "51-200", "201-1000", "1000+")
PAGES = ("/", "/preise", "/ueber-uns", "/referenzen", "/kundenstimmen", "/blog/weihnachtsfeier")
CHUNK = 20_000

_LEAD_COLUMNS = (
    "lead_id, known, email_ct, email_index, first_name_ct, last_name_ct, company_name, "
    "company_size, industry, event_type, event_date, guest_count, budget_min, budget_max, "
    "source, first_touch, last_touch, consent_state, consent_at, score, stage, score_at, "
    "status, assignee_id, emails_sent, emails_opened, emails_clicked, created_at, snapshot_at, "
    "last_activity_at"
)
# each lead's activity count (1 … 2·per_lead − 1, mean per_lead), fixed by its id
_ACTIVITY_PLAN = """
CREATE TEMPORARY TABLE activity_plan AS
SELECT lead_id, created_at, last_activity_at,
       1 + (hashtext(lead_id::text) & 2147483647) %% %(spread)s AS n
FROM admin.leads
"""
# the i-th activity of every lead that has one, in round i: a lead's activities end up on
# different pages of the table, as when they arrive interleaved with everyone else's
_ACTIVITY_ROUND = f"""
INSERT INTO admin.activities (activity_id, lead_id, activity_type, page_url, target,
    occurred_at)
SELECT gen_random_uuid(), lead_id,
    CASE WHEN r < 0.55 THEN 'page_view' WHEN r < 0.70 THEN 'click'
         WHEN r < 0.76 THEN 'video_play' WHEN r < 0.81 THEN 'video_progress'
         WHEN r < 0.87 THEN 'form_started' WHEN r < 0.91 THEN 'form_submitted'
         WHEN r < 0.95 THEN 'budget_calculator_used' WHEN r < 0.98 THEN 'scroll_depth'
         ELSE 'lead_magnet_downloaded' END,
    '{WEBSITE}' || (%(pages)s::text[])[1 + floor(random() * %(page_count)s)::int],
    CASE WHEN r >= 0.55 AND r < 0.70
         THEN CASE WHEN random() < 0.5 THEN 'tel:+4930' || floor(random() * 1e7)::text
                   ELSE 'https://wa.me/49151' || floor(random() * 1e7)::text END END,
    created_at + (last_activity_at - created_at)
        * CASE WHEN n = %(i)s THEN 1 ELSE (%(i)s - 1 + random()) / n END
FROM (SELECT *, random() AS r FROM activity_plan WHERE n >= %(i)s) AS due
"""
_PIPELINE = """
INSERT INTO admin.pipeline (lead_id, status, assignee_id, deal_value, updated_at)
SELECT lead_id, status, assignee_id,
       CASE WHEN status = 'won' THEN round((2000 + random() * 30000)::numeric, 2) END, score_at
FROM admin.leads WHERE status <> 'new' OR assignee_id IS NOT NULL
"""
_INDEXES = """
SELECT i.indexname, i.indexdef, c.conname, pg_get_constraintdef(c.oid)
FROM pg_indexes AS i
LEFT JOIN pg_constraint AS c
    ON c.conindid = format('%%I.%%I', i.schemaname, i.indexname)::regclass
WHERE i.schemaname = %s AND i.tablename = %s
"""


@dataclass(frozen=True)
class LoadedData:
    """What the measurements need to know about the data."""

    now: datetime
    user_ids: list[UUID]
    email: str  # one lead's address, for the exact-e-mail filter
    detail_lead_id: UUID  # a lead with `activities-per-lead` activities
    company_common: str
    company_rare: str


def _company_pool(rng: random.Random, size: int) -> list[str]:
    combos = len(SURNAMES) * len(TRADES) * len(FORMS) * (len(CITIES) + 1)
    pool = []
    for number in rng.sample(range(combos), size):
        number, surname = divmod(number, len(SURNAMES))
        number, trade = divmod(number, len(TRADES))
        city, form = divmod(number, len(FORMS))
        where = f" {CITIES[city - 1]}" if city else ""
        pool.append(f"{SURNAMES[surname]} {TRADES[trade]}{where} {FORMS[form]}")
    return pool


def _cumulative(weights: Iterable[float]) -> list[float]:
    total, cumulative = 0.0, []
    for weight in weights:
        total += weight
        cumulative.append(total)
    return cumulative


class _LeadMaker:
    """Rows for admin.leads and vault.data_keys, chunk by chunk."""

    def __init__(self, rng: random.Random, vault: Vault, now: datetime, users: list[UUID]):
        self.rng, self.vault, self.now, self.users = rng, vault, now, users
        self.companies = _company_pool(rng, 50_000)
        self.sealing = 0.0
        self.first_email = ""

    def rows(
        self, start: int, created: list[datetime]
    ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        rng, count = self.rng, len(created)
        lead_ids = [uuid.uuid4() for _ in range(count)]
        firsts = [FIRST_NAMES[rng.randrange(len(FIRST_NAMES))] for _ in range(count)]
        lasts = [SURNAMES[rng.randrange(len(SURNAMES))] for _ in range(count)]
        emails = [
            f"{first.lower()}.{last.lower()}.{start + n}@firma{(start + n) % 9973}.example.de"
            for n, (first, last) in enumerate(zip(firsts, lasts, strict=True))
        ]
        started = time.perf_counter()
        sealed, keys = [], []
        for lead_id, first, last, email in zip(lead_ids, firsts, lasts, emails, strict=True):
            data_key, wrapped = self.vault.new_data_key(lead_id)
            sealed.append(
                (
                    data_key.seal("email", email),
                    self.vault.blind_index(email),
                    data_key.seal("first_name", first),
                    data_key.seal("last_name", last),
                )
            )
            keys.append((lead_id, wrapped.master_key_id, wrapped.wrapped))
        self.sealing += time.perf_counter() - started
        if start == 0:
            self.first_email = emails[0]

        stages = rng.choices(STAGES, cum_weights=_cumulative([s[3] for s in STAGES]), k=count)
        sources = rng.choices(list(SOURCES), cum_weights=_cumulative(SOURCES.values()), k=count)
        statuses = rng.choices(list(STATUSES), cum_weights=_cumulative(STATUSES.values()), k=count)
        event_types = rng.choices(
            list(EVENT_TYPES), cum_weights=_cumulative(EVENT_TYPES.values()), k=count
        )
        assignees = rng.choices(self.users, cum_weights=_cumulative(USER_SHARES), k=count)
        rows = []
        for n in range(count):
            stage, low, high, _ = stages[n]
            # cold leads mostly near zero
            score = int(high * rng.random() ** 2) if stage == "cold" else rng.randint(low, high)
            status = statuses[n]
            assigned = status != "new" or rng.random() < 0.05
            created_at = created[n]
            age = self.now - created_at
            last_activity_at = self.now - age * rng.random() ** 2  # many recent
            company = (
                self.companies[int(len(self.companies) * rng.random() ** 1.5)]
                if rng.random() < 0.95
                else None
            )
            budget_min = rng.randrange(1000, 20000, 500)
            touch = json.dumps(
                {
                    "source": sources[n],
                    "landing_page": f"{WEBSITE}{PAGES[rng.randrange(len(PAGES))]}",
                    "utm_campaign": f"kampagne-{rng.randrange(40)}",
                }
            )
            sent = rng.randrange(8)
            opened = rng.randint(0, sent)
            rows.append(
                (
                    lead_ids[n],
                    True,
                    *sealed[n][:4],
                    company,
                    COMPANY_SIZES[rng.randrange(len(COMPANY_SIZES))] if company else None,
                    company.split()[1] if company else None,
                    event_types[n] if rng.random() < 0.92 else None,
                    (self.now + timedelta(days=rng.randint(7, 548))).date()
                    if rng.random() < 0.8
                    else None,
                    rng.randrange(20, 800),
                    budget_min,
                    budget_min + rng.randrange(1000, 30000, 500),
                    sources[n],
                    touch,
                    touch,
                    "confirmed" if rng.random() < 0.6 else "requested",
                    created_at + timedelta(minutes=5),
                    score,
                    stage,
                    last_activity_at,
                    status,
                    assignees[n] if assigned else None,
                    sent,
                    opened,
                    rng.randint(0, opened),
                    created_at,
                    created_at,
                    last_activity_at,
                )
            )
        return rows, keys


async def _drop_indexes(conn: psycopg.AsyncConnection[Any], table: str) -> list[str]:
    """Drops the table's indexes (primary keys too); the statements that recreate them."""
    schema, name = table.split(".")
    recreate = []
    for index, definition, constraint, constraint_definition in await (
        await conn.execute(_INDEXES, (schema, name))
    ).fetchall():
        if constraint:
            await conn.execute(f"ALTER TABLE {table} DROP CONSTRAINT {constraint}")
            recreate.append(
                f"ALTER TABLE {table} ADD CONSTRAINT {constraint} {constraint_definition}"
            )
        else:
            await conn.execute(f"DROP INDEX {schema}.{index}")
            recreate.append(definition)
    return recreate


def _created_times(rng: random.Random, now: datetime, count: int) -> list[datetime]:
    """Over the last 365 days, more lately (the business grows); oldest first, as leads
    arrive."""
    days_ago = sorted((365 * (1 - rng.random() ** 0.8) for _ in range(count)), reverse=True)
    return [now - timedelta(days=days) for days in days_ago]


async def load_read_model(
    database_url: str, vault: Vault, leads: int, activities_per_lead: int, seed: int
) -> LoadedData:
    rng = random.Random(seed)
    now = datetime.now().astimezone()
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        await conn.execute("SET maintenance_work_mem = '1GB'")
        user_ids = [uuid.uuid4() for _ in USERS]
        await copy_rows(
            conn,
            "admin.users (id, email, name, role, password_hash)",
            [
                (user_id, f"user{n}@musikfuerfirmen.de", name, "sales", "bench: no login")
                for n, (user_id, name) in enumerate(zip(user_ids, USERS, strict=True))
            ],
        )
        recreate = [
            *await _drop_indexes(conn, "admin.leads"),
            *await _drop_indexes(conn, "admin.activities"),
        ]

        started = time.perf_counter()
        maker = _LeadMaker(rng, vault, now, user_ids)
        created = _created_times(rng, now, leads)
        for start in range(0, leads, CHUNK):
            rows, keys = maker.rows(start, created[start : start + CHUNK])
            await copy_rows(conn, f"admin.leads ({_LEAD_COLUMNS})", rows)
            await copy_rows(conn, "vault.data_keys (lead_id, master_key_id, wrapped_key)", keys)
        await conn.execute(_PIPELINE)
        print(
            f"  {leads:,} leads, their data keys and pipeline rows: "
            f"{time.perf_counter() - started:.0f} s (of which sealing {maker.sealing:.0f} s; "
            f"COPY with the tally trigger in place)"
        )

        started = time.perf_counter()
        spread = 2 * activities_per_lead - 1
        await conn.execute(_ACTIVITY_PLAN, {"spread": spread})
        for i in range(1, spread + 1):
            await conn.execute(
                _ACTIVITY_ROUND, {"i": i, "pages": list(PAGES), "page_count": len(PAGES)}
            )
        row = await (
            await conn.execute(
                "SELECT lead_id FROM activity_plan WHERE n = %s LIMIT 1", (activities_per_lead,)
            )
        ).fetchone()
        assert row is not None
        detail_lead_id = row[0]
        await conn.execute("DROP TABLE activity_plan")
        print(f"  activities (bulk SQL): {time.perf_counter() - started:.0f} s")

        started = time.perf_counter()
        for statement in recreate:
            await conn.execute(statement)
        print(
            f"  {len(recreate)} indexes built after the load: {time.perf_counter() - started:.0f} s"
        )
        started = time.perf_counter()
        await conn.execute(
            "VACUUM (ANALYZE) admin.leads, admin.activities, admin.pipeline, admin.users, "
            "admin.lead_tally, vault.data_keys"
        )
        await conn.execute("CHECKPOINT")
        print(f"  VACUUM ANALYZE, CHECKPOINT: {time.perf_counter() - started:.0f} s")
        await _check_tally(conn)
        await _print_sizes(conn)
    return LoadedData(
        now=now,
        user_ids=user_ids,
        email=maker.first_email,
        detail_lead_id=detail_lead_id,
        company_common="bau",
        company_rare="krause dental",
    )


async def _check_tally(conn: psycopg.AsyncConnection[Any]) -> None:
    """The trigger-kept tally must equal a count of the leads."""
    differing = await (
        await conn.execute(
            """SELECT count(*) FROM (
                SELECT source, stage, status, leads FROM admin.lead_tally WHERE leads <> 0
                EXCEPT
                SELECT source, stage, status, count(*) FROM admin.leads GROUP BY 1, 2, 3
            ) AS d"""
        )
    ).fetchone()
    assert differing is not None and differing[0] == 0, f"{differing} tally rows differ"


async def _print_sizes(conn: psycopg.AsyncConnection[Any]) -> None:
    rows = await (
        await conn.execute(
            """SELECT relname, reltuples::bigint, pg_size_pretty(pg_table_size(oid)),
                      pg_size_pretty(pg_indexes_size(oid))
               FROM pg_class WHERE oid IN ('admin.leads'::regclass,
                   'admin.activities'::regclass, 'vault.data_keys'::regclass)"""
        )
    ).fetchall()
    for name, tuples, table, indexes in rows:
        print(f"  {name}: {tuples:,} rows, table {table}, indexes {indexes}")
