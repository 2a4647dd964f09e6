"""A faithful re-implementation of the specification's `processEmailQueue` cron loop
(seed lines 760-840), for comparison with the mailer: every tick loads every lead with
its lead magnets and sends, and sends one mail at a time."""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.header import Header
from typing import Any
from urllib.parse import quote
from uuid import UUID

import aiosmtplib
import psycopg
from auftakt_mailer.domain import GERMAN_MONTHS
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from harness import FIRST_NAMES, WEBSITE, copy_rows, sequence_id
from psycopg.rows import dict_row
from smtp_sink import Sink

IMPRINT = "Musik für Firmen GmbH · Benchstraße 1 · 10115 Berlin · HRB 000000"


CHECKLIST, BUDGET = sequence_id("checklist_2025"), sequence_id("budget_calculator")


_SEEDLOOP_DDL = """
CREATE SCHEMA seedloop;
CREATE TABLE seedloop.leads (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  email VARCHAR(255) UNIQUE NOT NULL, email_hash VARCHAR(64) NOT NULL,
  first_name VARCHAR(100), last_name VARCHAR(100), phone VARCHAR(50),
  company_name VARCHAR(255), company_size VARCHAR(50), company_industry VARCHAR(100),
  company_domain VARCHAR(255), event_type VARCHAR(50), event_date DATE, guest_count INTEGER,
  budget_min INTEGER, budget_max INTEGER, location VARCHAR(255),
  status VARCHAR(50) DEFAULT 'new', stage VARCHAR(50) DEFAULT 'cold',
  lead_score INTEGER DEFAULT 0, source VARCHAR(100), medium VARCHAR(100),
  campaign VARCHAR(255), referrer TEXT, landing_page TEXT, utm_source VARCHAR(255),
  utm_medium VARCHAR(255), utm_campaign VARCHAR(255), utm_content VARCHAR(255),
  utm_term VARCHAR(255), enriched BOOLEAN DEFAULT FALSE, enriched_at TIMESTAMPTZ,
  linkedin_url VARCHAR(500), company_linkedin VARCHAR(500), company_employees_count INTEGER,
  company_revenue_range VARCHAR(50), decision_maker_role VARCHAR(100),
  created_at TIMESTAMPTZ DEFAULT NOW(), updated_at TIMESTAMPTZ DEFAULT NOW(),
  last_activity_at TIMESTAMPTZ, consent_marketing BOOLEAN DEFAULT FALSE,
  consent_date TIMESTAMPTZ, opted_out BOOLEAN DEFAULT FALSE, opted_out_date TIMESTAMPTZ,
  assigned_to VARCHAR(100), notes TEXT);
CREATE INDEX ON seedloop.leads (email_hash);
CREATE INDEX ON seedloop.leads (status);
CREATE INDEX ON seedloop.leads (stage);
CREATE INDEX ON seedloop.leads (lead_score DESC);
CREATE INDEX ON seedloop.leads (created_at DESC);
CREATE TABLE seedloop.lead_magnets (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  lead_id UUID REFERENCES seedloop.leads(id) ON DELETE CASCADE,
  magnet_type VARCHAR(100) NOT NULL, magnet_name VARCHAR(255), quiz_results JSONB,
  downloaded_at TIMESTAMPTZ DEFAULT NOW());
CREATE INDEX ON seedloop.lead_magnets (lead_id);
CREATE INDEX ON seedloop.lead_magnets (magnet_type);
CREATE TABLE seedloop.email_sequences (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(), name VARCHAR(255) NOT NULL,
  trigger VARCHAR(100) NOT NULL, trigger_config JSONB, active BOOLEAN DEFAULT TRUE,
  created_at TIMESTAMPTZ DEFAULT NOW(), updated_at TIMESTAMPTZ DEFAULT NOW());
CREATE TABLE seedloop.email_sequence_steps (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  sequence_id UUID REFERENCES seedloop.email_sequences(id) ON DELETE CASCADE,
  step_number INTEGER NOT NULL, delay_hours INTEGER NOT NULL, subject VARCHAR(500) NOT NULL,
  body_html TEXT NOT NULL, body_text TEXT NOT NULL, active BOOLEAN DEFAULT TRUE);
CREATE INDEX ON seedloop.email_sequence_steps (sequence_id);
CREATE TABLE seedloop.email_sends (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  lead_id UUID REFERENCES seedloop.leads(id) ON DELETE CASCADE,
  sequence_id UUID REFERENCES seedloop.email_sequences(id),
  step_id UUID REFERENCES seedloop.email_sequence_steps(id),
  sent_at TIMESTAMPTZ DEFAULT NOW(), opened_at TIMESTAMPTZ, clicked_at TIMESTAMPTZ,
  clicked_url TEXT, status VARCHAR(50) DEFAULT 'sent');
CREATE INDEX ON seedloop.email_sends (lead_id);
CREATE INDEX ON seedloop.email_sends (sequence_id);
CREATE INDEX ON seedloop.email_sends (sent_at DESC);
"""
# the spec's sequences, with the mailer's texts in the seed's placeholder spelling
_SEEDLOOP_SEQUENCES = """
INSERT INTO seedloop.email_sequences (id, name, trigger, trigger_config) VALUES
  (%(checklist)s, 'Checkliste Download - Nurturing', 'lead_magnet_download',
   '{"magnet_type": "checklist_2025"}'),
  (%(budget)s, 'Budget Calculator - Hot Lead Follow-Up', 'budget_calculator_used', NULL)
"""
_SEEDLOOP_STEPS = """
INSERT INTO seedloop.email_sequence_steps (sequence_id, step_number, delay_hours, subject,
    body_html, body_text)
SELECT sequence_id, position, delay_hours,
    replace(replace(subject, '{{ ', '{{'), ' }}', '}}'),
    replace(replace(body_html, '{{ ', '{{'), ' }}', '}}'), body_text
FROM mailer.steps
"""


def _encrypt(aes: AESGCM, text: str) -> str:
    """The seed's `encrypt`: AES-256-GCM, `iv:authTag:ciphertext` in hex."""
    iv = os.urandom(16)
    sealed = aes.encrypt(iv, text.encode(), None)
    return f"{iv.hex()}:{sealed[-16:].hex()}:{sealed[:-16].hex()}"


def _decrypt(aes: AESGCM, text: str) -> str:
    iv, tag, encrypted = text.split(":")
    return aes.decrypt(bytes.fromhex(iv), bytes.fromhex(encrypted + tag), None).decode()


async def load_seedloop(database_url: str, aes: AESGCM, leads: int, due: int) -> None:
    """`leads` leads with one lead magnet each: `due` just downloaded the checklist (step 1
    due now); the rest got their last step 0-95% of the way to the next, or all of them."""
    now = datetime.now(UTC)
    started = time.perf_counter()
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        await conn.execute(_SEEDLOOP_DDL)
        await conn.execute(_SEEDLOOP_SEQUENCES, {"checklist": CHECKLIST, "budget": BUDGET})
        await conn.execute(_SEEDLOOP_STEPS)
        steps: dict[UUID, list[tuple[UUID, int]]] = defaultdict(list)
        for step_id, sequence_id, delay in await (
            await conn.execute(
                "SELECT id, sequence_id, delay_hours FROM seedloop.email_sequence_steps "
                "ORDER BY sequence_id, step_number"
            )
        ).fetchall():
            steps[sequence_id].append((step_id, delay))
        stride = max(1, leads // due)
        lead_rows, magnets, sends = [], [], []
        for n in range(leads):
            lead_id = uuid.uuid4()
            first_name = FIRST_NAMES[n % len(FIRST_NAMES)]
            email = f"{first_name.lower()}.{n}@firma{n % 997}.example.de"
            lead_rows.append(
                (lead_id, _encrypt(aes, email), hashlib.sha256(email.encode()).hexdigest())
                + (first_name, "Beispiel", "+49 30 5550101", f"Firma {n} GmbH", "51-200")
                + ("IT", f"firma{n}.example.de", "weihnachtsfeier", date(2026, 12, 11), 120)
                + (3000, 4500, "Berlin", "google-ads", "cpc", "winter", f"{WEBSITE}/preise", now)
            )
            is_due = n % stride == 0 and n // stride < due
            checklist = is_due or n % 5 < 3
            sequence_id = CHECKLIST if checklist else BUDGET
            magnet = "checklist_2025" if checklist else "budget_calculator"
            sequence_steps = steps[sequence_id]
            if is_due:
                magnets.append((lead_id, magnet, magnet, now - timedelta(minutes=30)))
                continue
            done = random.randint(1, len(sequence_steps))  # steps sent so far
            last_delay = sequence_steps[done - 1][1]
            if done < len(sequence_steps):
                gap = sequence_steps[done][1] - last_delay
                base = now - timedelta(hours=last_delay + gap * random.uniform(0.05, 0.95))
            else:
                base = now - timedelta(hours=last_delay, days=random.uniform(1, 30))
            magnets.append((lead_id, magnet, magnet, base))
            for step_id, delay in sequence_steps[:done]:
                sends.append((lead_id, sequence_id, step_id, base + timedelta(hours=delay)))
        await copy_rows(
            conn,
            "seedloop.leads (id, email, email_hash, first_name, last_name, phone, company_name, "
            "company_size, company_industry, company_domain, event_type, event_date, "
            "guest_count, budget_min, budget_max, location, source, medium, campaign, "
            "landing_page, last_activity_at)",
            lead_rows,
        )
        await copy_rows(
            conn,
            "seedloop.lead_magnets (lead_id, magnet_type, magnet_name, downloaded_at)",
            magnets,
        )
        await copy_rows(
            conn, "seedloop.email_sends (lead_id, sequence_id, step_id, sent_at)", sends
        )
        await conn.execute("VACUUM (ANALYZE) seedloop.leads, seedloop.lead_magnets")
        await conn.execute("VACUUM (ANALYZE) seedloop.email_sends")
    print(
        f"\nseed loop: stored {leads:,} leads ({due:,} due), {len(magnets):,} lead magnets, "
        f"{len(sends):,} earlier sends in {time.perf_counter() - started:.1f} s"
    )


def _personalize(template: str, lead: dict[str, Any]) -> str:
    """The seed's `personalize`: `replace` of the first occurrence of each placeholder."""
    month = GERMAN_MONTHS[lead["event_date"].month - 1] if lead["event_date"] else "Dezember"
    return (
        template.replace("{{first_name}}", lead["first_name"] or "Hi", 1)
        .replace("{{company}}", lead["company_name"] or "euer Team", 1)
        .replace("{{guests}}", str(lead["guest_count"] or "100"), 1)
        .replace("{{budget}}", str(lead["budget_max"] or "4.500"), 1)
        .replace("{{month}}", month, 1)
    )


@dataclass
class SeedTick:
    seconds: float = 0.0
    loading: float = 0.0  # every lead, lead magnet and send
    smtp: float = 0.0  # the provider requests
    insert: float = 0.0  # the email_sends rows, a commit each
    cpu_seconds: float = 0.0
    sent: int = 0


async def seed_tick(
    conn: psycopg.AsyncConnection[Any], aes: AESGCM, smtp: aiosmtplib.SMTP
) -> SeedTick:
    """One run of `processEmailQueue`."""
    tick = SeedTick()
    started, cpu_started = time.perf_counter(), time.process_time()
    now = datetime.now(UTC)
    async with conn.cursor(row_factory=dict_row) as cursor:
        # db.query.leads.findMany({ with: { lead_magnets: true, email_sends: true } })
        await cursor.execute("SELECT * FROM seedloop.leads")
        leads = await cursor.fetchall()
        await cursor.execute("SELECT * FROM seedloop.lead_magnets")
        magnets_of: dict[UUID, list[dict[str, Any]]] = defaultdict(list)
        for magnet in await cursor.fetchall():
            magnets_of[magnet["lead_id"]].append(magnet)
        await cursor.execute("SELECT * FROM seedloop.email_sends ORDER BY sent_at")
        sends_of: dict[UUID, list[dict[str, Any]]] = defaultdict(list)
        for send in await cursor.fetchall():
            sends_of[send["lead_id"]].append(send)
        # what findApplicableSequences and getNextStep read (once per tick, not per lead)
        await cursor.execute("SELECT * FROM seedloop.email_sequences WHERE active")
        sequences = await cursor.fetchall()
        await cursor.execute(
            "SELECT * FROM seedloop.email_sequence_steps WHERE active ORDER BY step_number"
        )
        all_steps = await cursor.fetchall()
    steps_of: dict[UUID, list[dict[str, Any]]] = defaultdict(list)
    for step in all_steps:
        steps_of[step["sequence_id"]].append(step)
    step_by_id = {step["id"]: step for step in all_steps}
    tick.loading = time.perf_counter() - started

    for lead in leads:
        lead_sends = sends_of[lead["id"]]
        last_send = lead_sends[-1] if lead_sends else None
        for sequence, triggered_at in _applicable_sequences(magnets_of[lead["id"]], sequences):
            due = _next_step(steps_of[sequence["id"]], sequence, last_send, step_by_id)
            if due and _should_send_now(due, last_send, step_by_id, triggered_at, now):
                await _send_email(conn, aes, smtp, lead, sequence, due, tick)
                tick.sent += 1
    tick.seconds = time.perf_counter() - started
    tick.cpu_seconds = time.process_time() - cpu_started
    return tick


def _applicable_sequences(
    magnets: list[dict[str, Any]], sequences: list[dict[str, Any]]
) -> list[tuple[dict[str, Any], datetime]]:
    """findApplicableSequences: the sequences a lead's lead magnets trigger, and when."""
    found = []
    for sequence in sequences:
        config = sequence["trigger_config"] or {}
        for magnet in magnets:
            if (
                sequence["trigger"] == "lead_magnet_download"
                and magnet["magnet_type"] == config.get("magnet_type")
            ) or (
                sequence["trigger"] == "budget_calculator_used"
                and magnet["magnet_type"] == "budget_calculator"
            ):
                found.append((sequence, magnet["downloaded_at"]))
                break
    return found


def _next_step(
    steps: list[dict[str, Any]],
    sequence: dict[str, Any],
    last_send: dict[str, Any] | None,
    step_by_id: dict[UUID, dict[str, Any]],
) -> dict[str, Any] | None:
    """getNextStep: the step after the last one sent in this sequence, or its first."""
    if last_send is None or last_send["sequence_id"] != sequence["id"]:
        return steps[0] if steps else None
    number = step_by_id[last_send["step_id"]]["step_number"]
    return next((step for step in steps if step["step_number"] == number + 1), None)


def _should_send_now(
    step: dict[str, Any],
    last_send: dict[str, Any] | None,
    step_by_id: dict[UUID, dict[str, Any]],
    triggered_at: datetime,
    now: datetime,
) -> bool:
    """shouldSendNow: delays count from the trigger (the spec's column comment)."""
    if last_send is None or last_send["step_id"] not in step_by_id:
        return triggered_at + timedelta(hours=step["delay_hours"]) <= now
    previous = step_by_id[last_send["step_id"]]
    gap = step["delay_hours"] - previous["delay_hours"]
    return bool(last_send["sent_at"] + timedelta(hours=gap) <= now)


def _provider_request(
    *, sender: str, recipient: str, subject: str, html: str, text: str, headers: dict[str, str]
) -> bytes:
    """The seed posts JSON and leaves MIME to Resend: the cheapest mail that carries the
    same fields stands in for its JSON body (8-bit parts, the subject one encoded word)."""
    boundary = uuid.uuid4().hex
    lines = [
        f"From: {sender}",
        f"To: {recipient}",
        f"Subject: {Header(subject, 'utf-8').encode()}",
        *(f"{name}: {value}" for name, value in headers.items()),
        "MIME-Version: 1.0",
        f'Content-Type: multipart/alternative; boundary="{boundary}"',
        "",
    ]
    for subtype, body in (("plain", text), ("html", html)):
        lines += [f"--{boundary}", f'Content-Type: text/{subtype}; charset="utf-8"']
        lines += ["Content-Transfer-Encoding: 8bit", "", body]
    lines += [f"--{boundary}--", ""]
    return "\r\n".join(lines).encode()


async def _send_email(
    conn: psycopg.AsyncConnection[Any],
    aes: AESGCM,
    smtp: aiosmtplib.SMTP,
    lead: dict[str, Any],
    sequence: dict[str, Any],
    step: dict[str, Any],
    tick: SeedTick,
) -> None:
    """sendEmail: decrypt, personalise, one request to the provider (here: one SMTP
    transaction), one INSERT (its own transaction, as the seed's `db.insert`)."""
    recipient = _decrypt(aes, lead["email"])
    unsubscribe = f"<https://musikfuerfirmen.de/unsubscribe?email={quote(recipient)}>"
    content = _provider_request(
        sender="Jonas <jonas@musikfuerfirmen.de>",
        recipient=recipient,
        subject=_personalize(step["subject"], lead),
        html=_personalize(step["body_html"], lead),
        text=step["body_text"],
        headers={"List-Unsubscribe": unsubscribe},
    )
    started = time.perf_counter()
    await smtp.sendmail("jonas@musikfuerfirmen.de", [recipient], content)
    tick.smtp += time.perf_counter() - started
    started = time.perf_counter()
    await conn.execute(
        "INSERT INTO seedloop.email_sends (lead_id, sequence_id, step_id, sent_at) "
        "VALUES (%s, %s, %s, %s)",
        (lead["id"], sequence["id"], step["id"], datetime.now(UTC)),
    )
    tick.insert += time.perf_counter() - started


async def run_seed_loop(database_url: str, sink: Sink, leads: int, due: int) -> SeedTick:
    aes = AESGCM(os.urandom(32))
    await load_seedloop(database_url, aes, leads, due)
    received_before = sink.received()
    smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=sink.port, start_tls=False)
    await smtp.connect()
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        tick = await seed_tick(conn, aes, smtp)
        idle = await seed_tick(conn, aes, smtp)
        row = await (await conn.execute("SELECT count(*) FROM seedloop.email_sends")).fetchone()
    await smtp.quit()
    await asyncio.sleep(0.3)
    received = sink.received() - received_before
    print(
        f"seed loop, one tick: {tick.sent:,} sent in {tick.seconds:.2f} s = "
        f"{tick.sent / tick.seconds:,.0f} sends/s (loading every lead, magnet and send: "
        f"{tick.loading:.2f} s); the next tick, nothing due: {idle.seconds:.2f} s "
        f"(loading {idle.loading:.2f} s), {idle.sent} sent"
    )
    rest = tick.seconds - tick.loading - tick.smtp - tick.insert
    per_send = 1e6 / max(tick.sent, 1)
    print(
        f"  where the tick's time goes: loading {tick.loading:.2f} s, SMTP {tick.smtp:.2f} s "
        f"({tick.smtp * per_send:.0f} µs/send), INSERT + commit {tick.insert:.2f} s "
        f"({tick.insert * per_send:.0f} µs/send), the rest (scan, decrypt, personalise, "
        f"message) {rest:.2f} s; process CPU {tick.cpu_seconds:.2f} s"
    )
    print(f"  checked: sink received {received:,}; email_sends now {row[0] if row else '?':,}")
    return tick
