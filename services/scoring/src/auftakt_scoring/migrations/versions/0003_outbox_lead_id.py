"""the outbox names the lead of each event (lead_id, indexed), so erasing a lead deletes
its outbox rows too

Revision ID: 0003
Revises: 0002
"""

from alembic import op
from auftakt_common.migrations import outbox_lead_ddl

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in outbox_lead_ddl("scoring"):
        op.execute(statement)


def downgrade() -> None:
    op.execute('DROP INDEX "scoring".ix_outbox_lead_id')
    op.execute('ALTER TABLE "scoring".outbox DROP COLUMN lead_id')
