"""the budget calculator counts once per lead (as the quiz does): using it and then asking
for its result by mail is one signal, not two

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _cap(old: int, new: int) -> None:
    """Only while the rule is as shipped (a rule edited in the dashboard stays)."""
    changed = (
        op.get_bind()
        .exec_driver_sql(
            "UPDATE scoring.rules SET max_per_lead = %(new)s, updated_at = now() "
            "WHERE activity = 'budget_calculator_used' AND points = 25 "
            "AND max_per_lead = %(old)s AND cooldown_seconds = 86400",
            {"old": old, "new": new},
        )
        .rowcount
    )
    if changed:  # running scorers reload the rules when the version moves
        op.execute("UPDATE scoring.rulebook_version SET version = version + 1")


def upgrade() -> None:
    _cap(2, 1)


def downgrade() -> None:
    _cap(1, 2)
