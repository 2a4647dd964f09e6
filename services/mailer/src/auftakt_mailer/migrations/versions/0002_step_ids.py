"""steps keep their positions as lasting ids across edits; removed steps stay for the
enrolments that stand at them

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE mailer.steps ADD COLUMN removed BOOLEAN NOT NULL DEFAULT false")


def downgrade() -> None:
    op.execute("ALTER TABLE mailer.steps DROP COLUMN removed")
