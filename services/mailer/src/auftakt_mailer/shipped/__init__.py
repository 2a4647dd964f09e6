"""The sequences Auftakt ships, in both forms of address. A shipped text nobody has edited
follows `AUFTAKT_ADDRESS_FORM` ("Sie" unless set): at every migration, a step or sequence
name still exactly as shipped (now or in an earlier release) is rewritten to the form
configured; anything edited in the dashboard stays as it is."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

from auftakt_common.settings import AddressForm
from sqlalchemy import Connection, text

from .calculator import CALCULATOR
from .checklist import CHECKLIST
from .quiz import QUIZ
from .sieben_fehler import SIEBEN_FEHLER
from .wording import ShippedSequence, ShippedStep, Wording, sequence_id_of

__all__ = [
    "QUIZ",
    "SHIPPED",
    "ShippedSequence",
    "ShippedStep",
    "add_shipped_sequence",
    "align_shipped_texts",
    "sequence_id_of",
]

SHIPPED: tuple[ShippedSequence, ...] = (CHECKLIST, CALCULATOR, SIEBEN_FEHLER, QUIZ)


def _known(step: ShippedStep) -> set[str]:
    return {*step.earlier, *(wording.fingerprint for wording in step.wording.values())}


def _stored_steps(conn: Connection, sequence_id: uuid.UUID) -> Iterator[Any]:
    yield from conn.execute(
        text(
            "SELECT position, subject, body_text, body_html FROM mailer.steps "
            "WHERE sequence_id = :id ORDER BY position"
        ),
        {"id": sequence_id},
    )


def add_shipped_sequence(conn: Connection, sequence: ShippedSequence, form: AddressForm) -> None:
    """Store a shipped sequence, unless one of its key exists (made in the editor: kept)."""
    sequence_id = sequence_id_of(sequence.key)
    created = conn.execute(
        text(
            "INSERT INTO mailer.sequences (id, key, name, trigger_event, trigger_filter) "
            "VALUES (:id, :key, :name, :event, CAST(:filter AS jsonb)) "
            "ON CONFLICT DO NOTHING"
        ),
        {
            "id": sequence_id,
            "key": sequence.key,
            "name": sequence.name,
            "event": sequence.trigger_event,
            "filter": json.dumps(sequence.trigger_filter),
        },
    ).rowcount
    if not created:
        return
    for position, step in enumerate(sequence.steps, start=1):
        wording = step.wording[form]
        conn.execute(
            text(
                "INSERT INTO mailer.steps (sequence_id, position, delay_hours, subject, "
                "body_html, body_text, transactional) VALUES (:sequence_id, :position, "
                ":delay_hours, :subject, :body_html, :body_text, :transactional)"
            ),
            {
                "sequence_id": sequence_id,
                "position": position,
                "delay_hours": step.delay_hours,
                "subject": wording.subject,
                "body_html": wording.body_html,
                "body_text": wording.body_text,
                "transactional": step.transactional,
            },
        )


def align_shipped_texts(conn: Connection, form: AddressForm) -> int:
    """Rewrite every shipped text nobody edited to `form` (and to the current release's
    wording); how many steps and names changed. Running mailers reload a sequence whose
    version moved."""
    changed = 0
    for sequence in SHIPPED:
        sequence_id = sequence_id_of(sequence.key)
        moved = 0
        for row in _stored_steps(conn, sequence_id):
            if not 1 <= row.position <= len(sequence.steps):
                continue
            step = sequence.steps[row.position - 1]
            stored = Wording(row.subject, row.body_text, row.body_html)
            wanted = step.wording[form]
            if stored.fingerprint in _known(step) and stored != wanted:
                moved += conn.execute(
                    text(
                        "UPDATE mailer.steps SET subject = :subject, body_text = :body_text, "
                        "body_html = :body_html WHERE sequence_id = :id AND position = :position"
                    ),
                    {
                        "id": sequence_id,
                        "position": row.position,
                        "subject": wanted.subject,
                        "body_text": wanted.body_text,
                        "body_html": wanted.body_html,
                    },
                ).rowcount
        moved += conn.execute(
            text("UPDATE mailer.sequences SET name = :name WHERE id = :id AND name = ANY(:old)"),
            {"id": sequence_id, "name": sequence.name, "old": list(sequence.earlier_names)},
        ).rowcount
        if moved:
            conn.execute(
                text(
                    "UPDATE mailer.sequences SET version = version + 1, updated_at = now() "
                    "WHERE id = :id"
                ),
                {"id": sequence_id},
            )
        changed += moved
    return changed
