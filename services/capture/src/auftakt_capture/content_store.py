"""The website content capture keeps as data (forms, the price table, quizzes) in its
schema, and a short-lived cache of it for the public endpoints: an edit is served by the
process that saved it at once, by the others within `CACHE_SECONDS`."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from auftakt_common.content import FormDefinition, PriceTable, QuizDefinition
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

__all__ = ["CACHE_SECONDS", "Content", "ContentCache", "load_content", "put_form",
           "put_price_table", "put_quiz"]  # fmt: skip

CACHE_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Content:
    forms: dict[str, FormDefinition]
    prices: PriceTable
    quizzes: dict[str, QuizDefinition]


def _with_version(row: Any) -> dict[str, Any]:
    return {**row.definition, "version": row.version}


async def load_content(conn: AsyncConnection) -> Content:
    forms = await conn.execute(text("SELECT definition, version FROM capture.forms"))
    prices = await conn.execute(
        text("SELECT definition, version FROM capture.price_tables WHERE id = 1")
    )
    quizzes = await conn.execute(text("SELECT definition, version FROM capture.quizzes"))
    return Content(
        forms={
            form.form_id: form
            for form in (FormDefinition.model_validate(_with_version(row)) for row in forms)
        },
        prices=PriceTable.model_validate(_with_version(prices.one())),
        quizzes={
            quiz.quiz_id: quiz
            for quiz in (QuizDefinition.model_validate(_with_version(row)) for row in quizzes)
        },
    )


_UPSERT = """INSERT INTO capture.{table} ({key}, definition) VALUES (:key, CAST(:doc AS jsonb))
ON CONFLICT ({key}) DO UPDATE SET definition = excluded.definition,
    version = capture.{table}.version + 1, updated_at = now()
RETURNING version"""


async def _put(conn: AsyncConnection, table: str, key: str, value: Any, doc: str) -> int:
    statement = text(_UPSERT.format(table=table, key=key))
    return int((await conn.execute(statement, {"key": value, "doc": doc})).scalar_one())


def _document(model: FormDefinition | PriceTable | QuizDefinition) -> str:
    return model.model_dump_json(exclude={"version"})


async def put_form(conn: AsyncConnection, form: FormDefinition) -> FormDefinition:
    version = await _put(conn, "forms", "form_id", form.form_id, _document(form))
    return form.model_copy(update={"version": version})


async def put_price_table(conn: AsyncConnection, table: PriceTable) -> PriceTable:
    version = await _put(conn, "price_tables", "id", 1, _document(table))
    return table.model_copy(update={"version": version})


async def put_quiz(conn: AsyncConnection, quiz: QuizDefinition) -> QuizDefinition:
    version = await _put(conn, "quizzes", "quiz_id", quiz.quiz_id, _document(quiz))
    return quiz.model_copy(update={"version": version})


class ContentCache:
    """The content for the public endpoints, read again when older than `CACHE_SECONDS`
    (one reload however many requests ask at once)."""

    def __init__(self, engine: AsyncEngine, *, max_age: float = CACHE_SECONDS) -> None:
        self._engine = engine
        self._max_age = max_age
        self._content: Content | None = None
        self._loaded_at = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> Content:
        if self._content is not None and time.monotonic() - self._loaded_at < self._max_age:
            return self._content
        async with self._lock:
            if self._content is None or time.monotonic() - self._loaded_at >= self._max_age:
                async with self._engine.connect() as conn:
                    self._content = await load_content(conn)
                self._loaded_at = time.monotonic()
        return self._content

    def forget(self) -> None:
        """Read again at the next request (this process saved an edit)."""
        self._loaded_at = 0.0
