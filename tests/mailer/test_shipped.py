"""The shipped sequences follow the configured form of address, and the current release's
wording, wherever nobody edited them; an edited text is never touched."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from auftakt_mailer.settings import MailerSettings
from auftakt_mailer.shipped import align_shipped_texts, sequence_id_of
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.pool import NullPool

_MIGRATIONS = Path(__file__).parents[2] / "services/mailer/src/auftakt_mailer/migrations/versions"


@pytest.fixture
def conn(mailer_settings: MailerSettings) -> Iterator[Connection]:
    """The mailer's schema in a transaction that is rolled back (other tests read the
    shipped texts as the default form of address has them)."""
    engine = create_engine(mailer_settings.database_url, poolclass=NullPool)
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()
    engine.dispose()


def _subjects(conn: Connection, key: str) -> dict[int, str]:
    rows = conn.execute(
        text("SELECT position, subject FROM mailer.steps WHERE sequence_id = :id"),
        {"id": sequence_id_of(key)},
    )
    return {row.position: row.subject for row in rows}


def _first_release_step(key: str, position: int) -> dict[str, Any]:
    spec = importlib.util.spec_from_file_location("first", _MIGRATIONS / "0001_initial.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sequence = next(s for s in module.SEQUENCES if s["key"] == key)
    step: dict[str, Any] = sequence["steps"][position - 1]
    return step


def test_unedited_shipped_texts_follow_the_form_of_address_and_edited_ones_stay(
    conn: Connection,
) -> None:
    checklist = sequence_id_of("checklist_2025")
    conn.execute(
        text("UPDATE mailer.steps SET subject = 'Unser eigener Betreff' "
             "WHERE sequence_id = :id AND position = 2"),
        {"id": checklist},
    )  # fmt: skip
    old = _first_release_step("budget_calculator", 1)  # "{{ budget }}€ für {{ guests }} Gäste"
    conn.execute(
        text("UPDATE mailer.steps SET subject = :subject, body_text = :body_text, "
             "body_html = :body_html WHERE sequence_id = :id AND position = 1"),
        {**old, "id": sequence_id_of("budget_calculator")},
    )  # fmt: skip

    assert align_shipped_texts(conn, "du") > 0
    assert _subjects(conn, "checklist_2025")[1] == "Hier ist eure Checkliste 📋 (+ Bonus)"
    assert _subjects(conn, "checklist_2025")[2] == "Unser eigener Betreff"
    assert _subjects(conn, "budget_calculator")[1] == (
        "Euer Ergebnis aus dem Budget-Rechner: {{ calculator_range }}"
    )

    align_shipped_texts(conn, "sie")
    assert _subjects(conn, "checklist_2025")[1] == "Hier ist Ihre Checkliste 📋 (+ Bonus)"
    assert _subjects(conn, "checklist_2025")[2] == "Unser eigener Betreff"
    assert _subjects(conn, "quiz")[1] == "Ihre Empfehlung aus dem Event-Typ-Finder"
    assert align_shipped_texts(conn, "sie") == 0  # nothing left to change
