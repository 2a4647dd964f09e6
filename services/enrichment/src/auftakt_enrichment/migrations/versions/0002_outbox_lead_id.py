"""the outbox names the lead of each event (lead_id, indexed), so erasing a lead deletes
its outbox rows too

Revision ID: 0002
Revises: 0001
"""

from alembic import op
from auftakt_common.migrations import outbox_lead_ddl

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in outbox_lead_ddl("enrichment"):
        op.execute(statement)


def downgrade() -> None:
    op.execute('DROP INDEX "enrichment".ix_outbox_lead_id')
    op.execute('ALTER TABLE "enrichment".outbox DROP COLUMN lead_id')
