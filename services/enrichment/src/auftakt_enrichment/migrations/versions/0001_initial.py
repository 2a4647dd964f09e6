"""companies (with their enrichment work state), lead ↔ company links, provider usage,
erased leads, outbox, inbox

Revision ID: 0001
Revises:
"""

from alembic import op
from auftakt_common.migrations import messaging_ddl

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

STATEMENTS = [
    """CREATE TABLE enrichment.companies (
    id UUID CONSTRAINT pk_companies PRIMARY KEY,
    domain VARCHAR(253) NOT NULL CONSTRAINT uq_companies_domain UNIQUE,
    name VARCHAR(300),
    legal_form VARCHAR(50),
    street VARCHAR(300),
    postal_code VARCHAR(20),
    city VARCHAR(200),
    country VARCHAR(100),
    register_court VARCHAR(200),
    register_number VARCHAR(50),
    managing_directors TEXT[] NOT NULL DEFAULT '{}',
    linkedin_url TEXT,
    employees INTEGER,
    revenue_range VARCHAR(50),
    industry VARCHAR(200),
    description TEXT,
    facts JSONB,
    target_account BOOLEAN NOT NULL DEFAULT false,
    tier VARCHAR(10) CONSTRAINT ck_companies_tier CHECK (tier IN ('tier_1', 'tier_2', 'tier_3')),
    provider VARCHAR(50),
    status VARCHAR(20) NOT NULL DEFAULT 'pending'
        CONSTRAINT ck_companies_status CHECK (status IN ('pending', 'enriched', 'failed')),
    attempts SMALLINT NOT NULL DEFAULT 0,
    due_at TIMESTAMPTZ,
    lease_until TIMESTAMPTZ,
    last_error TEXT,
    enriched_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now())""",
    # the work loop's queue: companies due for (re-)enrichment
    "CREATE INDEX ix_companies_due ON enrichment.companies (due_at) WHERE due_at IS NOT NULL",
    """CREATE TABLE enrichment.lead_companies (
    lead_id UUID CONSTRAINT pk_lead_companies PRIMARY KEY,
    company_id UUID CONSTRAINT fk_lead_companies_company_id_companies
        REFERENCES enrichment.companies (id) ON DELETE SET NULL,
    domain VARCHAR(253),
    status VARCHAR(20) NOT NULL CONSTRAINT ck_lead_companies_status
        CHECK (status IN ('no_company', 'pending', 'enriched', 'failed')),
    updated_at TIMESTAMPTZ NOT NULL)""",
    "CREATE INDEX ix_lead_companies_company_id ON enrichment.lead_companies (company_id)",
    # provider calls per calendar month: the budget is kept across restarts and replicas
    """CREATE TABLE enrichment.provider_usage (
    provider VARCHAR(50) NOT NULL,
    month DATE NOT NULL,
    calls INTEGER NOT NULL,
    CONSTRAINT pk_provider_usage PRIMARY KEY (provider, month))""",
    """CREATE TABLE enrichment.erased_leads (
    lead_id UUID CONSTRAINT pk_erased_leads PRIMARY KEY,
    erased_at TIMESTAMPTZ NOT NULL)""",
    *messaging_ddl("enrichment"),
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP SCHEMA enrichment CASCADE")
