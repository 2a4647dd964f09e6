"""leads, submissions, consents, lead magnets, visitors, activities, outbox, inbox

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from auftakt_common.migrations import messaging_ddl
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in messaging_ddl("capture"):
        op.execute(statement)
    op.create_table(
        "leads",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email_bidx", sa.LargeBinary(), nullable=False),
        sa.Column("email_ct", sa.LargeBinary(), nullable=False),
        sa.Column("first_name_ct", sa.LargeBinary(), nullable=True),
        sa.Column("last_name_ct", sa.LargeBinary(), nullable=True),
        sa.Column("phone_ct", sa.LargeBinary(), nullable=True),
        sa.Column("ip_address_ct", sa.LargeBinary(), nullable=True),
        sa.Column("company_name", sa.String(length=255), nullable=True),
        sa.Column("company_size", sa.String(length=16), nullable=True),
        sa.Column("company_industry", sa.String(length=100), nullable=True),
        sa.Column("company_domain", sa.String(length=255), nullable=True),
        sa.Column("event_type", sa.String(length=50), nullable=True),
        sa.Column("event_date", sa.Date(), nullable=True),
        sa.Column("guest_count", sa.Integer(), nullable=True),
        sa.Column("budget_min", sa.Integer(), nullable=True),
        sa.Column("budget_max", sa.Integer(), nullable=True),
        sa.Column("location", sa.String(length=255), nullable=True),
        sa.Column("source", sa.String(length=100), nullable=True),
        sa.Column("medium", sa.String(length=100), nullable=True),
        sa.Column("campaign", sa.String(length=255), nullable=True),
        sa.Column("referrer", sa.Text(), nullable=True),
        sa.Column("landing_page", sa.Text(), nullable=True),
        sa.Column("utm_source", sa.String(length=255), nullable=True),
        sa.Column("utm_medium", sa.String(length=255), nullable=True),
        sa.Column("utm_campaign", sa.String(length=255), nullable=True),
        sa.Column("utm_content", sa.String(length=255), nullable=True),
        sa.Column("utm_term", sa.String(length=255), nullable=True),
        sa.Column("consent_marketing", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("submission_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads")),
        sa.UniqueConstraint("email_bidx", name=op.f("uq_leads_email_bidx")),
        schema="capture",
    )
    op.create_index("ix_leads_created_at", "leads", ["created_at"], unique=False, schema="capture")
    op.create_table(
        "activities",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("lead_id", sa.Uuid(), nullable=True),
        sa.Column("visitor_id", sa.String(length=64), nullable=True),
        sa.Column("activity_type", sa.String(length=64), nullable=False),
        sa.Column("page_url", sa.Text(), nullable=True),
        sa.Column("referrer", sa.Text(), nullable=True),
        sa.Column("target", sa.Text(), nullable=True),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("ip_prefix", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=512), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["capture.leads.id"],
            name=op.f("fk_activities_lead_id_leads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
        schema="capture",
    )
    op.create_index(
        "ix_activities_activity_type",
        "activities",
        ["activity_type"],
        unique=False,
        schema="capture",
    )
    op.create_index(
        "ix_activities_anonymous_visitor_id",
        "activities",
        ["visitor_id"],
        unique=False,
        schema="capture",
        postgresql_where=sa.text("lead_id IS NULL"),
    )
    op.create_index(
        "ix_activities_lead_id_occurred_at",
        "activities",
        ["lead_id", "occurred_at"],
        unique=False,
        schema="capture",
    )
    op.create_table(
        "consents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(length=50), nullable=False),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("consent_text", sa.Text(), nullable=True),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("submission_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["capture.leads.id"],
            name=op.f("fk_consents_lead_id_leads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
        schema="capture",
    )
    op.create_index(
        op.f("ix_consents_lead_id"), "consents", ["lead_id"], unique=False, schema="capture"
    )
    op.create_table(
        "lead_magnets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("magnet_type", sa.String(length=100), nullable=False),
        sa.Column("magnet_name", sa.String(length=255), nullable=True),
        sa.Column("quiz_results", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("downloaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["capture.leads.id"],
            name=op.f("fk_lead_magnets_lead_id_leads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_magnets")),
        schema="capture",
    )
    op.create_index(
        op.f("ix_lead_magnets_lead_id"), "lead_magnets", ["lead_id"], unique=False, schema="capture"
    )
    op.create_index(
        op.f("ix_lead_magnets_magnet_type"),
        "lead_magnets",
        ["magnet_type"],
        unique=False,
        schema="capture",
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("form_id", sa.String(length=100), nullable=True),
        sa.Column("attribution", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("changed_fields", postgresql.ARRAY(sa.String(length=50)), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["capture.leads.id"],
            name=op.f("fk_submissions_lead_id_leads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
        schema="capture",
    )
    op.create_index(
        op.f("ix_submissions_lead_id"), "submissions", ["lead_id"], unique=False, schema="capture"
    )
    op.create_table(
        "visitors",
        sa.Column("visitor_id", sa.String(length=64), nullable=False),
        sa.Column("lead_id", sa.Uuid(), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("identified_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["capture.leads.id"],
            name=op.f("fk_visitors_lead_id_leads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("visitor_id", name=op.f("pk_visitors")),
        schema="capture",
    )
    op.create_index(
        op.f("ix_visitors_lead_id"), "visitors", ["lead_id"], unique=False, schema="capture"
    )
