"""The statements' plumbing: rows as dicts through psycopg, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auftakt_common.db import driver_connection
from psycopg.rows import dict_row
from sqlalchemy.ext.asyncio import AsyncConnection

__all__ = ["NOT_ERASED", "execute", "fetch_rows"]

# a statement's condition that the lead was not erased (late events must not revive it)
NOT_ERASED = "NOT EXISTS (SELECT 1 FROM mailer.erased_leads WHERE lead_id = %(lead_id)s)"


async def fetch_rows(
    conn: AsyncConnection, sql: str, params: Mapping[str, Any]
) -> list[dict[str, Any]]:
    pg = await driver_connection(conn)
    async with pg.cursor(row_factory=dict_row) as cursor:
        await cursor.execute(sql, params)
        return await cursor.fetchall() if cursor.description else []


async def execute(conn: AsyncConnection, sql: str, params: Mapping[str, Any]) -> int:
    pg = await driver_connection(conn)
    cursor = await pg.execute(sql, params)
    return cursor.rowcount
