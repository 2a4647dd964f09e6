"""the shipped rules' descriptions in German (they are the reasons sales read on a lead:
"Budget-Rechner verwendet", not "Budget Calculator verwendet"); a description edited in
the dashboard stays

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# activity, as shipped, in German
_DESCRIPTIONS = [
    ("budget_calculator_used", "Budget Calculator verwendet", "Budget-Rechner verwendet"),
    ("case_study_viewed", "Case Study angeschaut", "Referenzen angesehen"),
    ("testimonials_viewed", "Testimonials gelesen", "Kundenstimmen gelesen"),
    ("lead_magnet_downloaded", "Lead Magnet runtergeladen", "Lead-Magnet angefordert"),
    ("email_opened", "Email geöffnet", "E-Mail geöffnet"),
    ("email_clicked", "Link in Email geklickt", "Link in E-Mail geklickt"),
    ("email_bounced", "Email bounced (ungültig)", "E-Mail unzustellbar (Adresse ungültig)"),
]


def _describe(pairs: list[tuple[str, str, str]]) -> None:
    changed = 0
    for activity, old, new in pairs:
        changed += (
            op.get_bind()
            .exec_driver_sql(
                "UPDATE scoring.rules SET description = %(new)s, updated_at = now() "
                "WHERE activity = %(activity)s AND description = %(old)s",
                {"activity": activity, "old": old, "new": new},
            )
            .rowcount
        )
    if changed:  # running scorers reload the rules when the version moves
        op.execute("UPDATE scoring.rulebook_version SET version = version + 1")


def upgrade() -> None:
    _describe(_DESCRIPTIONS)


def downgrade() -> None:
    _describe([(activity, new, old) for activity, old, new in _DESCRIPTIONS])
