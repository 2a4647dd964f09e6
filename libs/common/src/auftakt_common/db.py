"""Database wiring: async engine and sessions (SQLAlchemy 2 + psycopg 3), and outages."""

from __future__ import annotations

import sqlalchemy.exc
from psycopg import OperationalError as PsycopgOperationalError
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

__all__ = [
    "NAMING_CONVENTION",
    "create_engine",
    "create_sessionmaker",
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


def is_database_unavailable(exc: BaseException) -> bool:
    """True when the error means PostgreSQL cannot be reached, not that a query was wrong."""
    if isinstance(
        exc, sqlalchemy.exc.TimeoutError | PsycopgOperationalError | ConnectionError | OSError
    ):
        return True
    if isinstance(exc, sqlalchemy.exc.DBAPIError):
        return exc.connection_invalidated or isinstance(exc.orig, PsycopgOperationalError)
    return False
