"""mails the mailer held for missing figures (what they wait for), and the alerts sales got
about a lead

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE admin.email_events ADD COLUMN note TEXT")
    op.execute(
        """CREATE TABLE admin.alerts (
            event_id UUID CONSTRAINT pk_alerts PRIMARY KEY,
            lead_id UUID NOT NULL,
            channel VARCHAR(20) NOT NULL,
            recipient VARCHAR(320),
            stage VARCHAR(10) NOT NULL,
            score SMALLINT NOT NULL,
            occurred_at TIMESTAMPTZ NOT NULL)"""
    )
    op.execute("CREATE INDEX ix_alerts_lead_id ON admin.alerts (lead_id)")


def downgrade() -> None:
    op.execute("DROP TABLE admin.alerts")
    op.execute("ALTER TABLE admin.email_events DROP COLUMN note")
