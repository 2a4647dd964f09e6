"""rules, mappings, lead scores, rule counts, pages, history, outbox, inbox; the seed rules

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from auftakt_common.migrations import messaging_ddl

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_DAY, _HOUR = 86_400, 3_600

# The specification's rules. Caps and cooldowns keep one repeated signal from making a
# lead hot: no rule alone can reach 81 (burning); see docs/scoring.md.
RULES = [
    # activity, points, description, max_per_lead, cooldown_seconds, website may send it
    ("budget_calculator_used", 25, "Budget Calculator verwendet", 2, _DAY, True),
    ("pricing_page_visited", 20, "Preise-Seite besucht", 2, _DAY, True),
    ("phone_clicked", 30, "Telefonnummer geklickt", 2, _DAY, True),
    ("whatsapp_clicked", 30, "WhatsApp-Button geklickt", 2, _DAY, True),
    ("form_50_percent_filled", 35, "Formular zu 50% ausgefüllt", 1, None, True),
    ("calendar_booking_started", 40, "Kalender-Buchung gestartet", 2, _DAY, True),
    ("quiz_completed", 20, "Event-Typ-Finder abgeschlossen", 1, None, True),
    ("case_study_viewed", 15, "Case Study angeschaut", 3, _HOUR, True),
    ("about_us_visited", 15, "Über-uns-Seite besucht", 1, None, True),
    ("testimonials_viewed", 12, "Testimonials gelesen", 1, None, True),
    ("video_watched", 18, "Video angeschaut (>50%)", 2, _DAY, True),
    ("lead_magnet_downloaded", 10, "Lead Magnet runtergeladen", 3, _HOUR, False),
    ("blog_post_read", 8, "Blog-Artikel gelesen", 3, _HOUR, True),
    ("multiple_pages_viewed", 10, "3+ Seiten besucht", 1, None, False),
    ("email_opened", 5, "Email geöffnet", 5, _DAY, False),
    ("email_clicked", 10, "Link in Email geklickt", 5, _DAY, False),
    ("company_size_large", 15, "Firma >200 Mitarbeiter", 1, None, False),
    ("decision_maker_role", 20, "Entscheider-Position (HR/CEO)", 1, None, False),
    ("linkedin_profile_premium", 10, "LinkedIn Premium (Business-Signal)", 1, None, False),
    ("no_activity_7_days", -10, "Keine Aktivität seit 7 Tagen", None, None, False),
    ("no_activity_30_days", -25, "Keine Aktivität seit 30 Tagen", None, None, False),
    ("email_bounced", -50, "Email bounced (ungültig)", 1, None, False),
]

MAPPINGS = [
    # position, event_type, field, operator, value, activity, note
    (10, "page_view", "path", "regex", r"^/preise(/|$)", "pricing_page_visited", "Preise"),
    (20, "page_view", "path", "regex", r"^/ueber-uns(/|$)", "about_us_visited", "Über uns"),
    (
        30,
        "page_view",
        "path",
        "regex",
        r"^/(referenzen|case-studies?|fallstudien)(/|$)",
        "case_study_viewed",
        "Referenzen und Case Studies",
    ),
    (
        40,
        "page_view",
        "path",
        "regex",
        r"^/(kundenstimmen|bewertungen|testimonials)(/|$)",
        "testimonials_viewed",
        "Kundenstimmen",
    ),
    (50, "page_view", "path", "prefix", "/blog/", "blog_post_read", "ein Blog-Artikel"),
    (60, "page_view", "distinct_pages", "gte", "3", "multiple_pages_viewed", "3+ Seiten"),
    (70, "click", "target", "prefix", "tel:", "phone_clicked", "tel:-Link"),
    (
        80,
        "click",
        "target",
        "regex",
        r"^(whatsapp:|(https?://)?(wa\.me|api\.whatsapp\.com|web\.whatsapp\.com)/)",
        "whatsapp_clicked",
        "WhatsApp-Link",
    ),
    (90, "video_progress", "detail.percent", "gte", "50", "video_watched", "Video ≥ 50 %"),
    (
        100,
        "lead_magnet",
        "magnet_type",
        "equals",
        "budget_calculator",
        "budget_calculator_used",
        "Budget-Rechner",
    ),
    (110, "lead_magnet", "magnet_type", "equals", "quiz", "quiz_completed", "Event-Typ-Finder"),
    (
        120,
        "lead_magnet",
        "magnet_type",
        "not_in",
        "budget_calculator,quiz",
        "lead_magnet_downloaded",
        "Downloads wie die Checkliste",
    ),
    (130, "lead_enriched", "employee_count", "gte", "201", "company_size_large", "> 200 MA"),
    (140, "lead_enriched", "decision_maker", "equals", "true", "decision_maker_role", None),
    (150, "lead_enriched", "premium", "equals", "true", "linkedin_profile_premium", None),
]


def upgrade() -> None:
    for statement in messaging_ddl("scoring"):
        op.execute(statement)
    rules = op.create_table(
        "rules",
        sa.Column("activity", sa.String(100), nullable=False),
        sa.Column("points", sa.SmallInteger(), nullable=False),
        sa.Column("description", sa.String(255), nullable=False),
        sa.Column("max_per_lead", sa.Integer(), nullable=True),
        sa.Column("cooldown_seconds", sa.Integer(), nullable=True),
        sa.Column("website", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("points BETWEEN -100 AND 100", name="ck_rules_points_range"),
        sa.CheckConstraint(
            "max_per_lead IS NULL OR max_per_lead > 0", name="ck_rules_max_per_lead_positive"
        ),
        sa.CheckConstraint(
            "cooldown_seconds IS NULL OR cooldown_seconds > 0", name="ck_rules_cooldown_positive"
        ),
        sa.PrimaryKeyConstraint("activity", name="pk_rules"),
        schema="scoring",
    )
    mappings = op.create_table(
        "activity_mappings",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("position", sa.Integer(), server_default=sa.text("100"), nullable=False),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("field", sa.String(100), nullable=False),
        sa.Column("operator", sa.String(20), nullable=False),
        sa.Column("value", sa.String(500), nullable=False),
        sa.Column("activity", sa.String(100), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("note", sa.String(255), nullable=True),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["activity"], ["scoring.rules.activity"], name="fk_activity_mappings_activity_rules"
        ),
        sa.CheckConstraint(
            "operator IN ('equals', 'in', 'not_in', 'prefix', 'contains', 'regex', 'gte', 'lte')",
            name="ck_activity_mappings_operator_known",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_activity_mappings"),
        schema="scoring",
    )
    op.create_table(
        "rulebook_version",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_rulebook_version_single_row"),
        sa.PrimaryKeyConstraint("id", name="pk_rulebook_version"),
        schema="scoring",
    )
    op.create_table(
        "lead_scores",
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("score", sa.SmallInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("stage", sa.String(10), server_default=sa.text("'cold'"), nullable=False),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decayed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decay_level", sa.SmallInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("distinct_pages", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("score BETWEEN 0 AND 100", name="ck_lead_scores_score_range"),
        sa.CheckConstraint(
            "stage IN ('cold', 'warm', 'hot', 'burning')", name="ck_lead_scores_stage_known"
        ),
        sa.PrimaryKeyConstraint("lead_id", name="pk_lead_scores"),
        schema="scoring",
    )
    op.create_index(
        "ix_lead_scores_decay_due",
        "lead_scores",
        ["last_activity_at"],
        postgresql_where=sa.text("decay_level < 2"),
        schema="scoring",
    )
    op.create_index(
        "ix_lead_scores_stage_score", "lead_scores", ["stage", "score"], schema="scoring"
    )
    lead_fk = ["scoring.lead_scores.lead_id"]
    op.create_table(
        "lead_rule_counts",
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("activity", sa.String(100), nullable=False),
        sa.Column("times", sa.Integer(), nullable=False),
        sa.Column("last_counted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["lead_id"], lead_fk, name="fk_lead_rule_counts_lead_id_lead_scores", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("lead_id", "activity", name="pk_lead_rule_counts"),
        schema="scoring",
    )
    op.create_table(
        "lead_pages",
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("page", sa.String(2000), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"], lead_fk, name="fk_lead_pages_lead_id_lead_scores", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("lead_id", "page", name="pk_lead_pages"),
        schema="scoring",
    )
    op.create_table(
        "score_history",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("activity", sa.String(100), nullable=False),
        sa.Column("points", sa.SmallInteger(), nullable=False),
        sa.Column("old_score", sa.SmallInteger(), nullable=False),
        sa.Column("new_score", sa.SmallInteger(), nullable=False),
        sa.Column("delta", sa.SmallInteger(), nullable=False),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.Column("cause_event_id", sa.Uuid(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], lead_fk, name="fk_score_history_lead_id_lead_scores", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_score_history"),
        schema="scoring",
    )
    op.create_index(
        "ix_score_history_lead_id_id", "score_history", ["lead_id", "id"], schema="scoring"
    )

    op.bulk_insert(
        rules,
        [
            {
                "activity": activity,
                "points": points,
                "description": description,
                "max_per_lead": cap,
                "cooldown_seconds": cooldown,
                "website": website,
            }
            for activity, points, description, cap, cooldown, website in RULES
        ],
    )
    op.bulk_insert(
        mappings,
        [
            {
                "position": position,
                "event_type": event_type,
                "field": field,
                "operator": operator,
                "value": value,
                "activity": activity,
                "note": note,
            }
            for position, event_type, field, operator, value, activity, note in MAPPINGS
        ],
    )
    op.execute("INSERT INTO scoring.rulebook_version (id, version) VALUES (1, 1)")


def downgrade() -> None:
    for table in (
        "score_history",
        "lead_pages",
        "lead_rule_counts",
        "lead_scores",
        "rulebook_version",
        "activity_mappings",
        "rules",
        "inbox",
        "outbox",
    ):
        op.drop_table(table, schema="scoring")
