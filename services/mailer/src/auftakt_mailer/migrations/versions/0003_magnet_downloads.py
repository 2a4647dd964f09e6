"""the checklist mail links the personal download ({{ download_url }}) instead of a public
page; the 7-Fehler sequence

Revision ID: 0003
Revises: 0002
"""

import json
import uuid
from typing import Any

from alembic import op
from sqlalchemy import text

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_SITE = "https://www.musikfuerfirmen.de"
_PUBLIC_CHECKLIST = f"{_SITE}/checkliste-2025"
_DOWNLOAD = "{{ download_url }}"
_SIGNATURE_TEXT = "Viele Grüße\nJonas von Musik für Firmen\nTel. 030 555 010 10"
_SIGNATURE_HTML = "<p>Viele Grüße<br>Jonas von Musik für Firmen<br>Tel. 030 555 010 10</p>"

# Step 1 is the PDF the lead asked for (transactional); the two after it are nurture and
# need confirmed consent (double opt-in).
SIEBEN_FEHLER: dict[str, Any] = {
    "key": "sieben_fehler",
    "name": "7 Fehler bei Firmenfeiern – PDF und Tipps",
    "trigger_event": "lead.magnet_downloaded",
    "trigger_filter": {"magnet_type": "sieben_fehler"},
    "steps": [
        {
            "delay_hours": 0,
            "transactional": True,
            "subject": "Euer PDF: 7 Fehler bei Firmenfeiern",
            "body_text": (
                "Hallo {{ first_name }},\n\n"
                "danke für euer Interesse! Hier ist euer PDF „7 Fehler, die eure Firmenfeier "
                "ruinieren – und wie ihr sie vermeidet“:\n{{ download_url }}\n\n"
                "Unser Tipp vorab: Fehler Nr. 1 ist fast immer, die Musik zu spät zu buchen. "
                "Für Dezember sind gute Bands oft schon im Sommer vergeben.\n\n"
                f"{_SIGNATURE_TEXT}"
            ),
            "body_html": (
                "<p>Hallo {{ first_name }},</p>"
                "<p>danke für euer Interesse! Hier ist euer PDF „7 Fehler, die eure "
                "Firmenfeier ruinieren – und wie ihr sie vermeidet“:</p>"
                '<p><a href="{{ download_url }}">PDF herunterladen</a></p>'
                "<p><strong>Unser Tipp vorab:</strong> Fehler Nr. 1 ist fast immer, die Musik "
                "zu spät zu buchen. Für Dezember sind gute Bands oft schon im Sommer "
                "vergeben.</p>"
                f"{_SIGNATURE_HTML}"
            ),
        },
        {
            "delay_hours": 72,
            "transactional": False,
            "subject": "Welche Band passt zu eurem Event?",
            "body_text": (
                "Hallo {{ first_name }},\n\n"
                "die richtige Besetzung hängt vom Abend ab: Zum Empfang und Dinner tragen ein "
                "Jazz-Trio oder ein Akustik-Duo die Gespräche, statt sie zu übertönen. Soll "
                "getanzt werden, holt eine Partyband alle auf die Tanzfläche, und ein DJ hält "
                "sie dort bis spät in die Nacht. Viele kombinieren: erst leise, dann laut.\n\n"
                f"Hört euch unsere Bands an: {_SITE}/bands\n\n"
                f"{_SIGNATURE_TEXT}"
            ),
            "body_html": (
                "<p>Hallo {{ first_name }},</p>"
                "<p>die richtige Besetzung hängt vom Abend ab: Zum Empfang und Dinner tragen "
                "ein Jazz-Trio oder ein Akustik-Duo die Gespräche, statt sie zu übertönen. "
                "Soll getanzt werden, holt eine Partyband alle auf die Tanzfläche, und ein DJ "
                "hält sie dort bis spät in die Nacht. Viele kombinieren: erst leise, dann "
                "laut.</p>"
                f'<p><a href="{_SITE}/bands">Hört euch unsere Bands an</a></p>'
                f"{_SIGNATURE_HTML}"
            ),
        },
        {
            "delay_hours": 168,
            "transactional": False,
            "subject": "Sollen wir euch ein Angebot machen?",
            "body_text": (
                "Hallo {{ first_name }},\n\n"
                "plant {{ company }} gerade ein Event? Schickt uns Datum, Ort und Gästezahl, "
                "und wir melden uns innerhalb eines Werktags mit einem unverbindlichen "
                "Vorschlag samt Preis. Antwortet einfach auf diese Mail.\n\n"
                f"Angebot anfragen: {_SITE}/anfrage\n\n"
                f"{_SIGNATURE_TEXT}"
            ),
            "body_html": (
                "<p>Hallo {{ first_name }},</p>"
                "<p>plant {{ company }} gerade ein Event? Schickt uns Datum, Ort und "
                "Gästezahl, und wir melden uns innerhalb eines Werktags mit einem "
                "unverbindlichen Vorschlag samt Preis. Antwortet einfach auf diese Mail.</p>"
                f'<p><a href="{_SITE}/anfrage">Angebot anfragen</a></p>'
                f"{_SIGNATURE_HTML}"
            ),
        },
    ],
}


def _swap_checklist_link(old: str, new: str) -> None:
    """In the checklist's first step as shipped (texts edited elsewhere stay as they are),
    while the sequence is still started by the checklist's request."""
    bind = op.get_bind()
    changed = bind.execute(
        text(
            "UPDATE mailer.steps st SET body_text = replace(st.body_text, :old, :new), "
            "body_html = replace(st.body_html, :old, :new) FROM mailer.sequences s "
            "WHERE st.sequence_id = s.id AND st.position = 1 AND s.key = 'checklist_2025' "
            "AND s.trigger_event = 'lead.magnet_downloaded' "
            "AND s.trigger_filter ->> 'magnet_type' = 'checklist_2025' "
            "AND (strpos(st.body_text, :old) > 0 OR strpos(st.body_html, :old) > 0)"
        ),
        {"old": old, "new": new},
    ).rowcount
    if changed:  # running mailers reload a sequence whose version moved
        bind.execute(
            text(
                "UPDATE mailer.sequences SET version = version + 1, updated_at = now() "
                "WHERE key = 'checklist_2025'"
            )
        )


def upgrade() -> None:
    _swap_checklist_link(_PUBLIC_CHECKLIST, _DOWNLOAD)
    bind = op.get_bind()
    sequence = SIEBEN_FEHLER
    sequence_id = uuid.uuid5(uuid.NAMESPACE_URL, f"auftakt:sequence:{sequence['key']}")
    created = bind.execute(
        text(
            "INSERT INTO mailer.sequences (id, key, name, trigger_event, trigger_filter) "
            "VALUES (:id, :key, :name, :event, CAST(:filter AS jsonb)) "
            "ON CONFLICT (key) DO NOTHING"
        ),
        {
            "id": sequence_id,
            "key": sequence["key"],
            "name": sequence["name"],
            "event": sequence["trigger_event"],
            "filter": json.dumps(sequence["trigger_filter"]),
        },
    ).rowcount
    if not created:  # a sequence of that key was made in the editor: it stays
        return
    for position, step in enumerate(sequence["steps"], start=1):
        bind.execute(
            text(
                "INSERT INTO mailer.steps (sequence_id, position, delay_hours, subject, "
                "body_html, body_text, transactional) VALUES (:sequence_id, :position, "
                ":delay_hours, :subject, :body_html, :body_text, :transactional)"
            ),
            {"sequence_id": sequence_id, "position": position, **step},
        )


def downgrade() -> None:
    sequence_id = uuid.uuid5(uuid.NAMESPACE_URL, f"auftakt:sequence:{SIEBEN_FEHLER['key']}")
    op.get_bind().execute(text("DELETE FROM mailer.sequences WHERE id = :id"), {"id": sequence_id})
    _swap_checklist_link(_DOWNLOAD, _PUBLIC_CHECKLIST)
