"""a visitor's uses of the calculator and the quiz found at once (each is recorded once
per visitor or lead and magnet)

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX ix_activities_magnet_uses ON capture.activities (visitor_id) "
        "WHERE activity_type IN ('budget_calculator_used', 'quiz_completed')"
    )


def downgrade() -> None:
    op.execute("DROP INDEX capture.ix_activities_magnet_uses")
