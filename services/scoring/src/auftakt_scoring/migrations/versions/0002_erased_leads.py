"""erased leads: tombstones, so events still in the stream do not bring a lead back

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erased_leads",
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column(
            "erased_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("lead_id", name="pk_erased_leads"),
        schema="scoring",
    )


def downgrade() -> None:
    op.drop_table("erased_leads", schema="scoring")
