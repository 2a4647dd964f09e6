"""the calculator's mail answers its "send me the result" request with the calculator's own
figures; the event-type quiz's sequence; the lead's lower budget bound; alerts by e-mail
to the assigned rep (recipients up to an address's length)

Revision ID: 0005
Revises: 0004
"""

from alembic import op
from auftakt_mailer.shipped import QUIZ, add_shipped_sequence, sequence_id_of
from sqlalchemy import text

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_BY_USE = '{"activity_type": "budget_calculator_used"}'
_BY_REQUEST = '{"magnet_type": "budget_calculator"}'


def _calculator_trigger(event: str, old_filter: str, new_event: str, new_filter: str) -> None:
    """Only while the trigger is as shipped (one set in the editor stays)."""
    op.get_bind().execute(
        text(
            "UPDATE mailer.sequences SET trigger_event = :new_event, "
            "trigger_filter = CAST(:new_filter AS jsonb), version = version + 1, "
            "updated_at = now() WHERE key = 'budget_calculator' AND trigger_event = :event "
            "AND trigger_filter = CAST(:old_filter AS jsonb)"
        ),
        {"event": event, "old_filter": old_filter, "new_event": new_event,
         "new_filter": new_filter},
    )  # fmt: skip


def upgrade() -> None:
    op.execute("ALTER TABLE mailer.leads ADD COLUMN budget_min INTEGER")
    op.execute("ALTER TABLE mailer.leads ADD COLUMN assignee_email VARCHAR(320)")
    op.execute("ALTER TABLE mailer.notifications ALTER COLUMN recipient TYPE VARCHAR(320)")
    # a tracked use of the calculator is no request for its result by mail
    _calculator_trigger("activity.recorded", _BY_USE, "lead.magnet_downloaded", _BY_REQUEST)
    add_shipped_sequence(op.get_bind(), QUIZ, "sie")  # then worded as configured


def downgrade() -> None:
    op.get_bind().execute(
        text("DELETE FROM mailer.sequences WHERE id = :id"), {"id": sequence_id_of(QUIZ.key)}
    )
    _calculator_trigger("lead.magnet_downloaded", _BY_REQUEST, "activity.recorded", _BY_USE)
    op.execute("ALTER TABLE mailer.notifications ALTER COLUMN recipient TYPE VARCHAR(100)")
    op.execute("ALTER TABLE mailer.leads DROP COLUMN assignee_email")
    op.execute("ALTER TABLE mailer.leads DROP COLUMN budget_min")
