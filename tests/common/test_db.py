"""Which database errors are worth retrying, and batch inserts that keep the columns' rules."""

from __future__ import annotations

from collections.abc import AsyncIterator

import psycopg
import pytest
from auftakt_common.db import bulk_insert, create_engine, is_database_unavailable, schema_metadata
from auftakt_common.testing import Servers
from sqlalchemy import Column, Integer, String, Table, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

SCHEMA = "db_test"
metadata = schema_metadata(SCHEMA)
rows_table = Table(
    "rows",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(5)),
    Column("detail", JSONB, nullable=False),
)


@pytest.fixture(scope="module")
async def engine(servers: Servers) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(servers.database_url)
    async with engine.begin() as conn:
        await conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        await conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        await conn.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


async def test_bulk_insert_keeps_json_null_and_refuses_too_long_strings(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as conn:
        await bulk_insert(conn, rows_table, [{"id": 1, "name": "Anna", "detail": None}])
        await bulk_insert(conn, rows_table, [{"id": 2, "name": None, "detail": {"a": [1, "ü"]}}])
        stored = (await conn.execute(select(rows_table).order_by(rows_table.c.id))).all()
    assert [(row.name, row.detail) for row in stored] == [("Anna", None), (None, {"a": [1, "ü"]})]
    with pytest.raises(psycopg.errors.StringDataRightTruncation):
        async with engine.begin() as conn:
            await bulk_insert(conn, rows_table, [{"id": 3, "name": "too long", "detail": {}}])


async def test_a_statement_that_cannot_work_is_not_mistaken_for_an_outage(
    engine: AsyncEngine,
) -> None:
    with pytest.raises(DBAPIError) as broken:
        async with engine.begin() as conn:
            await conn.execute(text("SELECT 1 / 0"))
    assert not is_database_unavailable(broken.value)
    assert is_database_unavailable(psycopg.OperationalError("connection refused"))
    assert is_database_unavailable(psycopg.errors.AdminShutdown())
    assert is_database_unavailable(psycopg.errors.DeadlockDetected())
    assert not is_database_unavailable(psycopg.errors.ProgramLimitExceeded())
