"""Wrapped data keys, in the shared `vault` schema that every service showing PII reads."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from sqlalchemy import (
    Column,
    DateTime,
    LargeBinary,
    String,
    Table,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.ext.asyncio import AsyncConnection

from .db import driver_connection, schema_metadata
from .vault import DataKey, SealedValueInvalid, Vault, WrappedKey

__all__ = ["VAULT_SCHEMA", "data_keys", "vault_metadata", "KeyStore", "DataKeyShredded"]

VAULT_SCHEMA = "vault"
vault_metadata = schema_metadata(VAULT_SCHEMA)

data_keys = Table(
    "data_keys",
    vault_metadata,
    Column("lead_id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_key_id", String(64), nullable=False),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("rotated_at", DateTime(timezone=True)),
)


# one array parameter, not one bind parameter per id: cheap for a batch of hundreds
_SELECT_KEYS = (
    f"SELECT lead_id, master_key_id, wrapped_key FROM {VAULT_SCHEMA}.data_keys "
    "WHERE lead_id = ANY(%b)"
)


class DataKeyShredded(Exception):
    """The lead's data key was destroyed (erasure); its ciphertexts can no longer be read."""


class KeyStore:
    """Data keys for leads, stored wrapped; never commits (the caller's transaction does)."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault

    async def add(self, conn: AsyncConnection, lead_id: UUID, wrapped: WrappedKey) -> None:
        """Store a new lead's wrapped key (made with `vault.new_data_key`)."""
        await conn.execute(
            insert(data_keys).values(
                lead_id=lead_id, master_key_id=wrapped.master_key_id, wrapped_key=wrapped.wrapped
            )
        )

    async def get(self, conn: AsyncConnection, lead_id: UUID) -> DataKey:
        found = await self.get_many(conn, [lead_id])
        if lead_id not in found:
            raise DataKeyShredded(str(lead_id))
        return found[lead_id]

    async def get_many(
        self, conn: AsyncConnection, lead_ids: Iterable[UUID]
    ) -> dict[UUID, DataKey]:
        keys, unopenable = await self.get_openable(conn, lead_ids)
        if unopenable:
            raise SealedValueInvalid(f"data key of lead {unopenable[0]} does not open")
        return keys

    async def get_openable(
        self, conn: AsyncConnection, lead_ids: Iterable[UUID]
    ) -> tuple[dict[UUID, DataKey], list[UUID]]:
        """The keys that open, and the leads whose stored key does not (a master key
        missing from the configuration, a damaged row): one bad key must not stop work
        on the others. Leads without a key (shredded) are in neither."""
        pg = await driver_connection(conn)  # plain rows: this runs for every mail sent
        cursor = await pg.execute(_SELECT_KEYS, [list(lead_ids)])
        keys: dict[UUID, DataKey] = {}
        unopenable: list[UUID] = []
        for lead_id, master_key_id, wrapped_key in await cursor.fetchall():
            try:
                keys[lead_id] = self.vault.unwrap(lead_id, WrappedKey(master_key_id, wrapped_key))
            except SealedValueInvalid:
                unopenable.append(lead_id)
        return keys, unopenable

    async def shred(self, conn: AsyncConnection, lead_id: UUID) -> bool:
        """Destroy the lead's data key (crypto-shredding). True if there was one."""
        result = await conn.execute(delete(data_keys).where(data_keys.c.lead_id == lead_id))
        return bool(result.rowcount)

    async def rotate(self, conn: AsyncConnection, *, batch_size: int = 1000) -> int:
        """Rewrap up to `batch_size` keys that are not under the active master key."""
        active = self.vault.active_key_id
        rows = (
            await conn.execute(
                select(data_keys.c.lead_id, data_keys.c.master_key_id, data_keys.c.wrapped_key)
                .where(data_keys.c.master_key_id != active)
                .limit(batch_size)
                .with_for_update(skip_locked=True)
            )
        ).all()
        now = datetime.now().astimezone()
        for row in rows:
            rewrapped = self.vault.rewrap(
                row.lead_id, WrappedKey(row.master_key_id, row.wrapped_key)
            )
            await conn.execute(
                data_keys.update()
                .where(data_keys.c.lead_id == row.lead_id)
                .values(
                    master_key_id=rewrapped.master_key_id,
                    wrapped_key=rewrapped.wrapped,
                    rotated_at=now,
                )
            )
        return len(rows)
