"""website content as data: embeddable forms, the budget calculator's price table,
quizzes, lead-magnet files; the shipped ones

Revision ID: 0002
Revises: 0001
"""

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MAGNET_FILES = Path(__file__).resolve().parents[2] / "magnets"

_CONSENT = {
    "text": (
        "Ja, ich möchte per E-Mail Tipps und Angebote rund um Live-Musik für Firmenevents "
        "erhalten. Die Einwilligung kann ich jederzeit mit einem Klick widerrufen "
        "(Abmeldelink in jeder E-Mail). Hinweise zum Datenschutz: siehe Datenschutzerklärung."
    ),
    "version": "2025-01",
}
_EVENT_TYPES = [
    {"value": "weihnachtsfeier", "label": "Weihnachtsfeier"},
    {"value": "sommerfest", "label": "Sommerfest"},
    {"value": "firmenjubilaeum", "label": "Firmenjubiläum"},
    {"value": "jubilaeum", "label": "Jubiläum"},
    {"value": "gala", "label": "Gala / Preisverleihung"},
    {"value": "konferenz", "label": "Konferenz / Tagung"},
    {"value": "messe", "label": "Messe"},
    {"value": "firmenfeier", "label": "Andere Firmenfeier"},
]

FORMS: list[dict[str, Any]] = [
    {
        "form_id": "anfrage",
        "name": "Anfrage Firmenevent",
        "title": "Unverbindlich anfragen",
        "intro": "Erzählen Sie uns von Ihrem Event – wir melden uns innerhalb eines Werktags.",
        "fields": [
            {"name": "first_name", "label": "Vorname"},
            {"name": "last_name", "label": "Nachname"},
            {"name": "email", "label": "E-Mail", "required": True},
            {"name": "phone", "label": "Telefon", "help": "Für eine schnelle Rückfrage"},
            {"name": "company_name", "label": "Firma"},
            {"name": "event_type", "label": "Anlass", "options": _EVENT_TYPES},
            {"name": "event_date", "label": "Datum der Veranstaltung"},
            {"name": "guest_count", "label": "Anzahl Gäste"},
            {"name": "budget_max", "label": "Budget für Musik (EUR, bis)"},
        ],
        "submit_label": "Anfrage senden",
        "consent": _CONSENT,
        "success_message": "Vielen Dank! Wir melden uns innerhalb eines Werktags bei Ihnen.",
    },
    {
        "form_id": "checkliste",
        "name": "Checkliste 2025",
        "title": "Die Checkliste 2025 für Ihr Firmenevent",
        "intro": "Alle Schritte von der Planung bis zum Soundcheck – kostenlos per E-Mail.",
        "fields": [
            {"name": "first_name", "label": "Vorname"},
            {"name": "email", "label": "E-Mail", "required": True},
        ],
        "submit_label": "Checkliste anfordern",
        "consent": _CONSENT,
        "lead_magnet": "checklist_2025",
        "magnet_name": "Checkliste 2025",
        "success_message": "Danke! Die Checkliste ist auf dem Weg in Ihr Postfach.",
    },
    {
        "form_id": "sieben-fehler",
        "name": "7 Fehler bei Firmenfeiern",
        "title": "7 Fehler, die Ihre Firmenfeier ruinieren – und wie Sie sie vermeiden",
        "fields": [
            {"name": "first_name", "label": "Vorname"},
            {"name": "email", "label": "E-Mail", "required": True},
            {"name": "company_name", "label": "Firma"},
        ],
        "submit_label": "PDF per E-Mail erhalten",
        "consent": _CONSENT,
        "lead_magnet": "sieben_fehler",
        "magnet_name": "7 Fehler bei Firmenfeiern (PDF)",
        "success_message": "Danke! Das PDF ist auf dem Weg in Ihr Postfach.",
    },
]

PRICE_TABLE: dict[str, Any] = {
    "bands": [
        {"key": "solo", "label": "Solo-Musiker:in", "base_min": 600, "base_max": 900,
         "included_hours": 3, "extra_hour_min": 150, "extra_hour_max": 200},
        {"key": "duo", "label": "Duo", "base_min": 1000, "base_max": 1500,
         "included_hours": 3, "extra_hour_min": 250, "extra_hour_max": 350},
        {"key": "jazz-trio", "label": "Jazz-Trio", "base_min": 1600, "base_max": 2300,
         "included_hours": 3, "extra_hour_min": 350, "extra_hour_max": 500},
        {"key": "partyband", "label": "Partyband (5 Musiker:innen)", "base_min": 3800,
         "base_max": 5500, "included_hours": 4, "extra_hour_min": 450, "extra_hour_max": 650},
        {"key": "dj", "label": "DJ", "base_min": 800, "base_max": 1200,
         "included_hours": 5, "extra_hour_min": 100, "extra_hour_max": 150},
    ],
    "event_types": [
        {"key": "weihnachtsfeier", "label": "Weihnachtsfeier", "factor": 1.15},
        {"key": "sommerfest", "label": "Sommerfest", "factor": 1.0},
        {"key": "firmenjubilaeum", "label": "Firmenjubiläum", "factor": 1.05},
        {"key": "jubilaeum", "label": "Jubiläum", "factor": 1.05},
        {"key": "gala", "label": "Gala / Preisverleihung", "factor": 1.2},
        {"key": "konferenz", "label": "Konferenz / Tagung", "factor": 1.1},
        {"key": "messe", "label": "Messe", "factor": 1.1},
        {"key": "firmenfeier", "label": "Andere Firmenfeier", "factor": 1.0},
    ],
    "guest_tiers": [
        {"from_guests": 150, "add_min": 600, "add_max": 900,
         "label": "Größere Ton- und Lichttechnik ab 150 Gästen"},
        {"from_guests": 400, "add_min": 1500, "add_max": 2500,
         "label": "Bühnentechnik für Säle ab 400 Gästen"},
    ],
    "max_hours": 8,
    "max_guests": 5000,
    "rounding": 100,
    "note": "Unverbindliche Schätzung inkl. Anfahrt im Umkreis von 100 km, zzgl. MwSt.",
    "consent": _CONSENT,
}  # fmt: skip

QUIZ: dict[str, Any] = {
    "quiz_id": "event-typ-finder",
    "title": "Event-Typ-Finder: Welche Musik passt zu Ihrem Event?",
    "intro": "Vier Fragen, eine Empfehlung – in einer Minute.",
    "questions": [
        {"key": "anlass", "text": "Was feiern Sie?", "answers": [
            {"key": "weihnachten", "label": "Die Weihnachtsfeier",
             "points": {"partyband": 2, "dj": 1}},
            {"key": "sommer", "label": "Ein Sommerfest", "points": {"partyband": 1, "duo": 2}},
            {"key": "jubilaeum", "label": "Ein Jubiläum oder eine Gala",
             "points": {"jazz-trio": 2, "partyband": 1}},
            {"key": "empfang", "label": "Einen Empfang oder eine Messe",
             "points": {"jazz-trio": 1, "duo": 2}},
        ]},
        {"key": "stimmung", "text": "Welche Stimmung wünschen Sie sich?", "answers": [
            {"key": "tanzen", "label": "Alle sollen tanzen", "points": {"partyband": 3, "dj": 2}},
            {"key": "gespraech", "label": "Gute Gespräche, Musik im Hintergrund",
             "points": {"jazz-trio": 2, "duo": 2}},
            {"key": "beides", "label": "Erst entspannt, später Party",
             "points": {"partyband": 2, "duo": 1}},
        ]},
        {"key": "gaeste", "text": "Wie viele Gäste erwarten Sie?", "answers": [
            {"key": "klein", "label": "Bis 50", "points": {"duo": 2, "jazz-trio": 1}},
            {"key": "mittel", "label": "50 bis 200", "points": {"partyband": 1, "jazz-trio": 1}},
            {"key": "gross", "label": "Über 200", "points": {"partyband": 2, "dj": 1}},
        ]},
        {"key": "budget", "text": "Welches Budget planen Sie für die Musik?", "answers": [
            {"key": "unter2000", "label": "Unter 2.000 €", "points": {"duo": 2, "dj": 2}},
            {"key": "bis5000", "label": "2.000 bis 5.000 €",
             "points": {"jazz-trio": 2, "partyband": 1}},
            {"key": "ueber5000", "label": "Über 5.000 €", "points": {"partyband": 3}},
        ]},
    ],
    "outcomes": [
        {"key": "partyband", "title": "Ihre Empfehlung: eine Partyband",
         "text": "Live gespielte Hits von Swing bis Charts, die Ihre Gäste auf die Tanzfläche "
                 "holen – der Höhepunkt Ihres Abends.",
         "event_type": "weihnachtsfeier", "band_format": "partyband"},
        {"key": "jazz-trio", "title": "Ihre Empfehlung: ein Jazz-Trio",
         "text": "Stilvolle Musik zum Empfang und Dinner, die Gespräche trägt statt sie zu "
                 "übertönen.", "event_type": "gala", "band_format": "jazz-trio"},
        {"key": "duo", "title": "Ihre Empfehlung: ein Akustik-Duo",
         "text": "Flexibel, leise oder laut – ideal für Sommerfeste und kleinere Runden.",
         "event_type": "sommerfest", "band_format": "duo"},
        {"key": "dj", "title": "Ihre Empfehlung: ein DJ",
         "text": "Die größte Bandbreite für die Tanzfläche – auch spät in der Nacht.",
         "event_type": "firmenfeier", "band_format": "dj"},
    ],
    "consent": _CONSENT,
}  # fmt: skip

MAGNETS = [
    ("checklist_2025", "Checkliste-Firmenevent-2025.pdf"),
    ("sieben_fehler", "7-Fehler-bei-Firmenfeiern.pdf"),
]


def _document() -> sa.Column[Any]:
    return sa.Column("definition", postgresql.JSONB(), nullable=False)


def _bookkeeping() -> list[sa.Column[Any]]:
    return [
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    ]


def upgrade() -> None:
    forms = op.create_table(
        "forms",
        sa.Column("form_id", sa.String(50), nullable=False),
        _document(),
        *_bookkeeping(),
        sa.PrimaryKeyConstraint("form_id", name="pk_forms"),
        schema="capture",
    )
    prices = op.create_table(
        "price_tables",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        _document(),
        *_bookkeeping(),
        sa.CheckConstraint("id = 1", name="ck_price_tables_single"),
        sa.PrimaryKeyConstraint("id", name="pk_price_tables"),
        schema="capture",
    )
    quizzes = op.create_table(
        "quizzes",
        sa.Column("quiz_id", sa.String(50), nullable=False),
        _document(),
        *_bookkeeping(),
        sa.PrimaryKeyConstraint("quiz_id", name="pk_quizzes"),
        schema="capture",
    )
    files = op.create_table(
        "magnet_files",
        sa.Column("magnet_type", sa.String(50), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("magnet_type", name="pk_magnet_files"),
        schema="capture",
    )
    op.bulk_insert(forms, [{"form_id": f["form_id"], "definition": f} for f in FORMS])
    op.bulk_insert(prices, [{"id": 1, "definition": PRICE_TABLE}])
    op.bulk_insert(quizzes, [{"quiz_id": QUIZ["quiz_id"], "definition": QUIZ}])
    op.bulk_insert(
        files,
        [
            {
                "magnet_type": magnet,
                "filename": filename,
                "content_type": "application/pdf",
                "content": (MAGNET_FILES / f"{magnet}.pdf").read_bytes(),
            }
            for magnet, filename in MAGNETS
        ],
    )


def downgrade() -> None:
    for table in ("magnet_files", "quizzes", "price_tables", "forms"):
        op.drop_table(table, schema="capture")
