"""the outbox names the lead of each event (lead_id, indexed), so erasing a lead deletes
its outbox rows too

Revision ID: 0004
Revises: 0003
"""

from alembic import op
from auftakt_common.migrations import outbox_lead_ddl

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in outbox_lead_ddl("mailer"):
        op.execute(statement)


def downgrade() -> None:
    op.execute('DROP INDEX "mailer".ix_outbox_lead_id')
    op.execute('ALTER TABLE "mailer".outbox DROP COLUMN lead_id')
