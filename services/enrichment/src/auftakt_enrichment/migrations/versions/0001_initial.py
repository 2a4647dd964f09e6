"""companies (facts, enrichment work state, roll-up), leads as enrichment knows them,
their activity counts and score changes, person profiles, analyses, provider usage,
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
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    contacts INTEGER NOT NULL DEFAULT 0,
    engaged_contacts INTEGER NOT NULL DEFAULT 0,
    highest_score INTEGER NOT NULL DEFAULT 0,
    score_sum INTEGER NOT NULL DEFAULT 0,
    last_activity_at TIMESTAMPTZ)""",
    # the work loop's queue: companies due for (re-)enrichment
    "CREATE INDEX ix_companies_due ON enrichment.companies (due_at) WHERE due_at IS NOT NULL",
    """CREATE INDEX ix_companies_target_account ON enrichment.companies (tier)
    WHERE target_account""",
    """CREATE TABLE enrichment.leads (
    lead_id UUID CONSTRAINT pk_leads PRIMARY KEY,
    company_id UUID CONSTRAINT fk_leads_company_id_companies
        REFERENCES enrichment.companies (id) ON DELETE SET NULL,
    domain VARCHAR(253),
    company_status VARCHAR(20) NOT NULL DEFAULT 'unknown' CONSTRAINT ck_leads_company_status
        CHECK (company_status IN ('unknown', 'no_company', 'pending', 'enriched', 'failed')),
    event_type VARCHAR(50),
    event_date DATE,
    guest_count INTEGER,
    budget_min INTEGER,
    budget_max INTEGER,
    source VARCHAR(100),
    medium VARCHAR(100),
    score SMALLINT NOT NULL DEFAULT 0,
    stage VARCHAR(10) NOT NULL DEFAULT 'cold',
    scored_at TIMESTAMPTZ,
    last_activity_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ NOT NULL)""",
    "CREATE INDEX ix_leads_company_id ON enrichment.leads (company_id)",
    """CREATE TABLE enrichment.lead_activities (
    lead_id UUID NOT NULL,
    kind VARCHAR(10) NOT NULL
        CONSTRAINT ck_lead_activities_kind CHECK (kind IN ('activity', 'page', 'magnet')),
    key VARCHAR(300) NOT NULL,
    count INTEGER NOT NULL,
    last_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT pk_lead_activities PRIMARY KEY (lead_id, kind, key))""",
    """CREATE TABLE enrichment.score_changes (
    event_id UUID NOT NULL,
    position SMALLINT NOT NULL,
    lead_id UUID NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL,
    activity VARCHAR(100) NOT NULL,
    delta SMALLINT NOT NULL,
    score SMALLINT NOT NULL,
    reason VARCHAR(300) NOT NULL,
    CONSTRAINT pk_score_changes PRIMARY KEY (event_id, position))""",
    """CREATE INDEX ix_score_changes_lead_id
    ON enrichment.score_changes (lead_id, occurred_at DESC)""",
    """CREATE TABLE enrichment.person_profiles (
    lead_id UUID CONSTRAINT pk_person_profiles PRIMARY KEY,
    status VARCHAR(20) NOT NULL CONSTRAINT ck_person_profiles_status
        CHECK (status IN ('pending', 'enriched', 'no_match', 'failed')),
    attempts SMALLINT NOT NULL DEFAULT 0,
    due_at TIMESTAMPTZ,
    lease_until TIMESTAMPTZ,
    last_error TEXT,
    provider VARCHAR(50),
    profile BYTEA,
    role VARCHAR(30),
    decision_maker BOOLEAN,
    enriched_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL)""",
    """CREATE INDEX ix_person_profiles_due ON enrichment.person_profiles (due_at)
    WHERE due_at IS NOT NULL""",
    """CREATE TABLE enrichment.analyses (
    id UUID CONSTRAINT pk_analyses PRIMARY KEY,
    lead_id UUID NOT NULL,
    trigger VARCHAR(20) NOT NULL
        CONSTRAINT ck_analyses_trigger CHECK (trigger IN ('stage_changed', 'requested')),
    trigger_event_id UUID CONSTRAINT uq_analyses_trigger_event_id UNIQUE,
    status VARCHAR(20) NOT NULL
        CONSTRAINT ck_analyses_status CHECK (status IN ('pending', 'done')),
    attempts SMALLINT NOT NULL DEFAULT 0,
    due_at TIMESTAMPTZ,
    lease_until TIMESTAMPTZ,
    method VARCHAR(20),
    model VARCHAR(100),
    input_hash VARCHAR(64),
    result JSONB,
    fallback_reason TEXT,
    requested_at TIMESTAMPTZ NOT NULL,
    analyzed_at TIMESTAMPTZ)""",
    "CREATE INDEX ix_analyses_due ON enrichment.analyses (due_at) WHERE due_at IS NOT NULL",
    "CREATE INDEX ix_analyses_lead_id ON enrichment.analyses (lead_id, analyzed_at DESC)",
    # provider calls per period (month or day): budgets hold across restarts and replicas
    """CREATE TABLE enrichment.provider_usage (
    provider VARCHAR(50) NOT NULL,
    period DATE NOT NULL,
    calls INTEGER NOT NULL,
    CONSTRAINT pk_provider_usage PRIMARY KEY (provider, period))""",
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
