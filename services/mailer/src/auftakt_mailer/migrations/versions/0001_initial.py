"""sequences, steps, leads, enrolments, sends, notifications, month slots, erased leads,
outbox, inbox; the specification's two sequences

Revision ID: 0001
Revises:
"""

import json
import uuid
from typing import Any

from alembic import op
from auftakt_common.migrations import messaging_ddl
from sqlalchemy import text

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TABLES = [
    """CREATE TABLE mailer.erased_leads (
    lead_id UUID NOT NULL,
    erased_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
    CONSTRAINT pk_erased_leads PRIMARY KEY (lead_id)
)""",
    """CREATE TABLE mailer.leads (
    lead_id UUID NOT NULL,
    email_ct BYTEA,
    first_name_ct BYTEA,
    company_name VARCHAR(255),
    event_type VARCHAR(50),
    event_date DATE,
    guest_count INTEGER,
    budget_max INTEGER,
    consent_requested_at TIMESTAMP WITH TIME ZONE,
    consent_confirmed_at TIMESTAMP WITH TIME ZONE,
    opted_out_at TIMESTAMP WITH TIME ZONE,
    bounced_at TIMESTAMP WITH TIME ZONE,
    complained_at TIMESTAMP WITH TIME ZONE,
    replied_at TIMESTAMP WITH TIME ZONE,
    status VARCHAR(20),
    stage VARCHAR(10),
    score SMALLINT,
    snapshot_at TIMESTAMP WITH TIME ZONE,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
    CONSTRAINT pk_leads PRIMARY KEY (lead_id)
)""",
    """CREATE TABLE mailer.month_slots (
    month DATE NOT NULL,
    slots_left INTEGER NOT NULL,
    CONSTRAINT pk_month_slots PRIMARY KEY (month)
)""",
    """CREATE TABLE mailer.notifications (
    id UUID NOT NULL,
    lead_id UUID NOT NULL,
    stage VARCHAR(10) NOT NULL,
    score SMALLINT NOT NULL,
    channel VARCHAR(20) NOT NULL,
    recipient VARCHAR(100) NOT NULL,
    entry_event_id UUID NOT NULL,
    status VARCHAR(20) NOT NULL,
    attempts SMALLINT DEFAULT 0 NOT NULL,
    next_attempt_at TIMESTAMP WITH TIME ZONE,
    claimed_at TIMESTAMP WITH TIME ZONE,
    sent_at TIMESTAMP WITH TIME ZONE,
    last_error TEXT,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT pk_notifications PRIMARY KEY (id),
    CONSTRAINT uq_notifications_entry_event_id_channel_recipient
        UNIQUE (entry_event_id, channel, recipient)
)""",
    """CREATE INDEX ix_notifications_due ON mailer.notifications (next_attempt_at)
        WHERE status IN ('queued', 'retry')""",
    """CREATE TABLE mailer.sequences (
    id UUID NOT NULL,
    key VARCHAR(100) NOT NULL,
    name VARCHAR(255) NOT NULL,
    trigger_event VARCHAR(100) NOT NULL,
    trigger_filter JSONB NOT NULL,
    active BOOLEAN DEFAULT true NOT NULL,
    version INTEGER DEFAULT 1 NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
    CONSTRAINT pk_sequences PRIMARY KEY (id),
    CONSTRAINT uq_sequences_key UNIQUE (key)
)""",
    """CREATE TABLE mailer.enrolments (
    id UUID NOT NULL,
    lead_id UUID NOT NULL,
    sequence_id UUID NOT NULL,
    state VARCHAR(20) NOT NULL,
    next_position SMALLINT,
    next_due_at TIMESTAMP WITH TIME ZONE,
    context JSONB DEFAULT '{}' NOT NULL,
    cause_event_id UUID,
    enrolled_at TIMESTAMP WITH TIME ZONE NOT NULL,
    ended_at TIMESTAMP WITH TIME ZONE,
    stop_reason VARCHAR(30),
    CONSTRAINT pk_enrolments PRIMARY KEY (id),
    CONSTRAINT uq_enrolments_lead_id_sequence_id UNIQUE (lead_id, sequence_id),
    CONSTRAINT fk_enrolments_sequence_id_sequences
        FOREIGN KEY(sequence_id) REFERENCES mailer.sequences (id) ON DELETE CASCADE
)""",
    """CREATE INDEX ix_enrolments_lead_id ON mailer.enrolments (lead_id)""",
    """CREATE INDEX ix_enrolments_due ON mailer.enrolments (next_due_at)
        WHERE state IN ('active', 'waiting_consent')""",
    """CREATE TABLE mailer.steps (
    sequence_id UUID NOT NULL,
    position SMALLINT NOT NULL,
    delay_hours INTEGER NOT NULL,
    subject VARCHAR(500) NOT NULL,
    body_html TEXT NOT NULL,
    body_text TEXT NOT NULL,
    transactional BOOLEAN DEFAULT false NOT NULL,
    active BOOLEAN DEFAULT true NOT NULL,
    CONSTRAINT pk_steps PRIMARY KEY (sequence_id, position),
    CONSTRAINT fk_steps_sequence_id_sequences
        FOREIGN KEY(sequence_id) REFERENCES mailer.sequences (id) ON DELETE CASCADE
)""",
    """CREATE TABLE mailer.sends (
    id UUID NOT NULL,
    lead_id UUID NOT NULL,
    enrolment_id UUID,
    sequence_id UUID,
    position SMALLINT,
    kind VARCHAR(20) NOT NULL,
    marketing BOOLEAN NOT NULL,
    status VARCHAR(20) NOT NULL,
    attempts SMALLINT DEFAULT 0 NOT NULL,
    next_attempt_at TIMESTAMP WITH TIME ZONE,
    claimed_at TIMESTAMP WITH TIME ZONE,
    sent_at TIMESTAMP WITH TIME ZONE,
    provider_message_id VARCHAR(255),
    last_error TEXT,
    dedupe_key VARCHAR(120) NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT pk_sends PRIMARY KEY (id),
    CONSTRAINT fk_sends_enrolment_id_enrolments
        FOREIGN KEY(enrolment_id) REFERENCES mailer.enrolments (id) ON DELETE CASCADE,
    CONSTRAINT uq_sends_dedupe_key UNIQUE (dedupe_key)
)""",
    """CREATE INDEX ix_sends_provider_message_id ON mailer.sends (provider_message_id)""",
    """CREATE INDEX ix_sends_due ON mailer.sends (next_attempt_at)
        WHERE status IN ('queued', 'retry')""",
    """CREATE INDEX ix_sends_claimed ON mailer.sends (claimed_at) WHERE status = 'sending'""",
    """CREATE INDEX ix_sends_lead_id ON mailer.sends (lead_id)""",
]

_SIGNATURE_TEXT = "Viele Grüße\nJonas von Musik für Firmen\nTel. 030 555 010 10"
_SIGNATURE_HTML = "<p>Viele Grüße<br>Jonas von Musik für Firmen<br>Tel. 030 555 010 10</p>"
_SITE = "https://www.musikfuerfirmen.de"

# The specification's two sequences. Step 1 of each is the content the lead asked for
# (transactional: it goes out without marketing consent); every later step is nurture
# and needs confirmed consent (double opt-in).
SEQUENCES: list[dict[str, Any]] = [
    {
        "key": "checklist_2025",
        "name": "Checkliste Download - Nurturing",
        "trigger_event": "lead.magnet_downloaded",
        "trigger_filter": {"magnet_type": "checklist_2025"},
        "steps": [
            {
                "delay_hours": 0,
                "transactional": True,
                "subject": "Hier ist eure Checkliste 📋 (+ Bonus)",
                "body_text": (
                    "Hallo {{ first_name }},\n\n"
                    "danke für euer Interesse! Hier ist die Checkliste für euer "
                    f"Firmenevent mit Live-Musik:\n{_SITE}/checkliste-2025\n\n"
                    "Bonus: Auf der letzten Seite findet ihr unseren Zeitplan, ab wann ihr "
                    "Band, Technik und Location buchen solltet.\n\n"
                    f"{_SIGNATURE_TEXT}"
                ),
                "body_html": (
                    "<p>Hallo {{ first_name }},</p>"
                    "<p>danke für euer Interesse! Hier ist die Checkliste für euer "
                    "Firmenevent mit Live-Musik:</p>"
                    f'<p><a href="{_SITE}/checkliste-2025">Checkliste herunterladen</a></p>'
                    "<p><strong>Bonus:</strong> Auf der letzten Seite findet ihr unseren "
                    "Zeitplan, ab wann ihr Band, Technik und Location buchen solltet.</p>"
                    f"{_SIGNATURE_HTML}"
                ),
            },
            {
                "delay_hours": 72,
                "transactional": False,
                "subject": "Schritt 1 erledigt? Hier ist Schritt 2",
                "body_text": (
                    "Hallo {{ first_name }},\n\n"
                    "habt ihr Datum und Gästezahl schon fest? Dann kommt jetzt der "
                    "wichtigste Schritt: die Musik passend zum Abend wählen. Unsere "
                    "Faustregel: Beim Empfang leise Akustik, zum Essen ein Duo, danach "
                    "eine Band, die die Tanzfläche füllt.\n\n"
                    f"Hört euch unsere Bands an: {_SITE}/bands\n\n"
                    f"{_SIGNATURE_TEXT}"
                ),
                "body_html": (
                    "<p>Hallo {{ first_name }},</p>"
                    "<p>habt ihr Datum und Gästezahl schon fest? Dann kommt jetzt der "
                    "wichtigste Schritt: die Musik passend zum Abend wählen. Unsere "
                    "Faustregel: Beim Empfang leise Akustik, zum Essen ein Duo, danach eine "
                    "Band, die die Tanzfläche füllt.</p>"
                    f'<p><a href="{_SITE}/bands">Hört euch unsere Bands an</a></p>'
                    f"{_SIGNATURE_HTML}"
                ),
            },
            {
                "delay_hours": 168,
                "transactional": False,
                "subject": "Wie Tech Solutions GmbH ihr Event geplant hat",
                "body_text": (
                    "Hallo {{ first_name }},\n\n"
                    "Tech Solutions hatte für die Weihnachtsfeier 250 Gäste, drei Wochen "
                    "Vorlauf und keine Band. Wir haben in zwei Tagen ein Programm gebaut: "
                    "Jazz-Trio zum Dinner, danach Partyband bis 1 Uhr. Das Ergebnis: "
                    "„Die beste Feier seit Jahren“, sagt die Personalleiterin.\n\n"
                    f"Die ganze Geschichte: {_SITE}/referenzen/tech-solutions\n\n"
                    f"{_SIGNATURE_TEXT}"
                ),
                "body_html": (
                    "<p>Hallo {{ first_name }},</p>"
                    "<p>Tech Solutions hatte für die Weihnachtsfeier 250 Gäste, drei Wochen "
                    "Vorlauf und keine Band. Wir haben in zwei Tagen ein Programm gebaut: "
                    "Jazz-Trio zum Dinner, danach Partyband bis 1 Uhr. Das Ergebnis: "
                    "„Die beste Feier seit Jahren“, sagt die Personalleiterin.</p>"
                    f'<p><a href="{_SITE}/referenzen/tech-solutions">Die ganze Geschichte '
                    "lesen</a></p>"
                    f"{_SIGNATURE_HTML}"
                ),
            },
            {
                "delay_hours": 336,
                "transactional": False,
                "subject": "Noch am Planen? Hier ist ein Angebot",
                "body_text": (
                    "Hallo {{ first_name }},\n\n"
                    "falls {{ company }} noch Musik sucht: Bei "
                    "Buchung in den nächsten 14 Tagen ist die Tontechnik inklusive. "
                    "Antwortet einfach auf diese Mail oder ruft uns an, wir melden uns "
                    "innerhalb eines Werktags mit einem Vorschlag.\n\n"
                    f"Angebot anfragen: {_SITE}/anfrage\n\n"
                    f"{_SIGNATURE_TEXT}"
                ),
                "body_html": (
                    "<p>Hallo {{ first_name }},</p>"
                    "<p>falls {{ company }} noch Musik sucht: Bei "
                    "Buchung in den nächsten 14 Tagen ist die Tontechnik inklusive. "
                    "Antwortet einfach auf diese Mail oder ruft uns an, wir melden uns "
                    "innerhalb eines Werktags mit einem Vorschlag.</p>"
                    f'<p><a href="{_SITE}/anfrage">Angebot anfragen</a></p>'
                    f"{_SIGNATURE_HTML}"
                ),
            },
        ],
    },
    {
        "key": "budget_calculator",
        "name": "Budget Calculator - Hot Lead Follow-Up",
        "trigger_event": "activity.recorded",
        "trigger_filter": {"activity_type": "budget_calculator_used"},
        "steps": [
            {
                "delay_hours": 0,
                "transactional": True,
                "subject": "Euer Event-Angebot: {{ budget }}€ für {{ guests }} Gäste",
                "body_text": (
                    "Hallo {{ first_name }},\n\n"
                    "hier ist eure Kalkulation: Für {{ guests }} Gäste liegt Live-Musik bei "
                    "etwa {{ budget }} € (inkl. Anfahrt und Technik, zzgl. MwSt.).\n\n"
                    "Wollt ihr ein verbindliches Angebot? Antwortet einfach mit eurem "
                    "Wunschdatum im {{ month }}.\n\n"
                    f"{_SIGNATURE_TEXT}"
                ),
                "body_html": (
                    "<p>Hallo {{ first_name }},</p>"
                    "<p>hier ist eure Kalkulation: Für <strong>{{ guests }} Gäste</strong> "
                    "liegt Live-Musik bei etwa <strong>{{ budget }} €</strong> (inkl. "
                    "Anfahrt und Technik, zzgl. MwSt.).</p>"
                    "<p>Wollt ihr ein verbindliches Angebot? Antwortet einfach mit eurem "
                    "Wunschdatum im {{ month }}.</p>"
                    f"{_SIGNATURE_HTML}"
                ),
            },
            {
                "delay_hours": 48,
                "transactional": False,
                "subject": "Fragen zum Angebot? Hier sind die Top 3",
                "body_text": (
                    "Hallo {{ first_name }},\n\n"
                    "die drei Fragen, die wir am häufigsten hören:\n"
                    "1. Was ist im Preis drin? Band, Anfahrt, Ton- und Lichttechnik.\n"
                    "2. Wie lange spielt die Band? Drei Sets à 45 Minuten, Verlängerung "
                    "möglich.\n"
                    "3. Was, wenn jemand krank wird? Wir stellen Ersatz, garantiert.\n\n"
                    f"Weitere Antworten: {_SITE}/faq\n\n"
                    f"{_SIGNATURE_TEXT}"
                ),
                "body_html": (
                    "<p>Hallo {{ first_name }},</p>"
                    "<p>die drei Fragen, die wir am häufigsten hören:</p><ol>"
                    "<li><strong>Was ist im Preis drin?</strong> Band, Anfahrt, Ton- und "
                    "Lichttechnik.</li>"
                    "<li><strong>Wie lange spielt die Band?</strong> Drei Sets à 45 Minuten, "
                    "Verlängerung möglich.</li>"
                    "<li><strong>Was, wenn jemand krank wird?</strong> Wir stellen Ersatz, "
                    "garantiert.</li></ol>"
                    f'<p><a href="{_SITE}/faq">Weitere Antworten</a></p>'
                    f"{_SIGNATURE_HTML}"
                ),
            },
            {
                "delay_hours": 120,
                "transactional": False,
                "subject": "Update: Nur noch {{ slots_left }} {{ month }}-Slots",
                "body_text": (
                    "Hallo {{ first_name }},\n\n"
                    "kurzes Update: Für den {{ month }} haben wir nur noch {{ slots_left }} "
                    "freie Termine. Wenn {{ company }} sich einen sichern möchte, reicht "
                    "eine kurze Antwort mit dem Datum, wir halten ihn 7 Tage unverbindlich "
                    "frei.\n\n"
                    f"{_SIGNATURE_TEXT}"
                ),
                "body_html": (
                    "<p>Hallo {{ first_name }},</p>"
                    "<p>kurzes Update: Für den {{ month }} haben wir nur noch "
                    "<strong>{{ slots_left }} freie Termine</strong>. Wenn {{ company }} "
                    "sich einen sichern möchte, reicht eine kurze Antwort mit dem Datum, "
                    "wir halten ihn 7 Tage unverbindlich frei.</p>"
                    f"{_SIGNATURE_HTML}"
                ),
            },
        ],
    },
]


def upgrade() -> None:
    for statement in [*TABLES, *messaging_ddl("mailer")]:
        op.execute(statement)
    for sequence in SEQUENCES:
        sequence_id = uuid.uuid5(uuid.NAMESPACE_URL, f"auftakt:sequence:{sequence['key']}")
        op.get_bind().execute(
            text(
                "INSERT INTO mailer.sequences (id, key, name, trigger_event, trigger_filter) "
                "VALUES (:id, :key, :name, :event, CAST(:filter AS jsonb))"
            ),
            {
                "id": sequence_id,
                "key": sequence["key"],
                "name": sequence["name"],
                "event": sequence["trigger_event"],
                "filter": json.dumps(sequence["trigger_filter"]),
            },
        )
        for position, step in enumerate(sequence["steps"], start=1):
            op.get_bind().execute(
                text(
                    "INSERT INTO mailer.steps (sequence_id, position, delay_hours, subject, "
                    "body_html, body_text, transactional) VALUES (:sequence_id, :position, "
                    ":delay_hours, :subject, :body_html, :body_text, :transactional)"
                ),
                {"sequence_id": sequence_id, "position": position, **step},
            )


def downgrade() -> None:
    op.execute("DROP SCHEMA mailer CASCADE")
