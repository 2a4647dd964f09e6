"""Wrapped per-lead data keys.

Revision ID: 0001
Revises:
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """CREATE TABLE vault.data_keys (
            lead_id UUID CONSTRAINT pk_data_keys PRIMARY KEY,
            master_key_id VARCHAR(64) NOT NULL,
            wrapped_key BYTEA NOT NULL,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            rotated_at TIMESTAMPTZ)"""
    )
    op.execute("CREATE INDEX ix_data_keys_master_key_id ON vault.data_keys (master_key_id)")
