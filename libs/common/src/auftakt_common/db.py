"""Database wiring: async engine and sessions (SQLAlchemy 2 + psycopg 3), and outages."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from typing import Any, cast

import psycopg
import sqlalchemy.exc
from psycopg import OperationalError as PsycopgOperationalError
from sqlalchemy import MetaData, String, Table
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

__all__ = [
    "NAMING_CONVENTION",
    "bulk_insert",
    "create_engine",
    "create_sessionmaker",
    "driver_connection",
    "insert_rows",
    "is_database_unavailable",
    "schema_metadata",
]

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def schema_metadata(schema: str) -> MetaData:
    """The metadata for one service's schema, with our constraint naming convention."""
    return MetaData(schema=schema, naming_convention=NAMING_CONVENTION)


def create_engine(
    url: str, *, pool_size: int = 10, application_name: str = "auftakt"
) -> AsyncEngine:
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=0,  # overflow connections are opened and closed per burst: costly
        # no pre-ping: a round trip per checkout; a connection broken by a server restart
        # fails once (503, Retry-After) and the pool replaces every connection of that era
        pool_pre_ping=False,
        pool_timeout=5,
        hide_parameters=True,  # error messages must not carry personal data into logs
        connect_args={"connect_timeout": 3, "application_name": application_name},
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


# SQLSTATEs that say "not now" rather than "not this": connection exceptions, resources,
# the server shutting down or starting, serialization failure and deadlock
_TRANSIENT_SQLSTATES = ("08", "53", "57P01", "57P02", "57P03", "40001", "40P01")


def is_database_unavailable(exc: BaseException) -> bool:
    """True when the error means PostgreSQL cannot do it now (unreachable, restarting, out
    of connections, a deadlock), not that the statement or its data was wrong: retrying
    later helps the first kind and never the second."""
    if isinstance(exc, sqlalchemy.exc.TimeoutError | ConnectionError | OSError):
        return True
    if isinstance(exc, sqlalchemy.exc.DBAPIError):
        if exc.connection_invalidated:
            return True
        exc = exc.orig if exc.orig is not None else exc
    if isinstance(exc, psycopg.Error):
        if exc.sqlstate is None:  # raised by the client: no server answered
            return isinstance(exc, PsycopgOperationalError)
        return exc.sqlstate.startswith(_TRANSIENT_SQLSTATES)
    return False


async def driver_connection(conn: AsyncConnection) -> psycopg.AsyncConnection[Any]:
    """The psycopg connection under SQLAlchemy's, in the same transaction: for batch
    statements that SQLAlchemy would compile anew for every batch size, and pipelines."""
    raw = await conn.get_raw_connection()
    return cast(psycopg.AsyncConnection[Any], raw.driver_connection)


@functools.lru_cache(maxsize=64)
def _bulk_insert_sql(table: Table, columns: tuple[str, ...], suffix: str) -> str:
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    arrays = []
    for name in columns:
        column_type = table.c[name].type
        if isinstance(column_type, postgresql.JSONB):
            element = "text[]::jsonb"
        elif isinstance(column_type, String):
            # no length in the cast: an explicit cast to varchar(n) truncates silently,
            # the column's own (assignment) cast rejects what is too long
            element = "text"
        else:
            element = column_type.compile(dialect=dialect)
        arrays.append(f"%({name})b::{element}[]")
    names = ", ".join(f'"{name}"' for name in columns)
    return (
        f'INSERT INTO "{table.schema}"."{table.name}" ({names})'
        f" SELECT * FROM unnest({', '.join(arrays)}) {suffix}"
    )


def insert_rows(
    table: Table, rows: Sequence[Mapping[str, Any]], suffix: str = ""
) -> tuple[str, dict[str, list[Any]]]:
    """The statement and parameters (for psycopg) that insert rows, all with the same keys,
    in one statement whose text does not depend on how many there are: each column goes
    as one binary array (`unnest`), which psycopg encodes many times faster than text.
    `suffix`: SQL after the rows (`ON CONFLICT …`, `RETURNING …`)."""
    columns = tuple(rows[0])
    parameters: dict[str, list[Any]] = {}
    for name in columns:
        values = [row[name] for row in rows]
        column_type = table.c[name].type
        if isinstance(column_type, postgresql.JSONB):
            # as SQLAlchemy would: None is JSON null unless the column says SQL NULL
            values = [
                None if value is None and column_type.none_as_null else json.dumps(value)
                for value in values
            ]
        parameters[name] = values
    return _bulk_insert_sql(table, columns, suffix), parameters


async def bulk_insert(
    conn: AsyncConnection, table: Table, rows: Sequence[Mapping[str, Any]], suffix: str = ""
) -> list[tuple[Any, ...]]:
    """Insert rows in one statement (`insert_rows`), in the connection's transaction; the
    rows a `RETURNING` suffix asks for."""
    if not rows:
        return []
    pg = await driver_connection(conn)
    cursor = await pg.execute(*insert_rows(table, rows, suffix))
    return await cursor.fetchall() if cursor.description else []
