"""enrichment's results in the read model: the lead's company, decision maker and
employees (lead.enriched); companies with their roll-up (company.enriched,
company.engagement_changed); the leads' analyses (lead.analyzed)

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_BY_SCORE = "highest_score DESC, company_id DESC"
# companies without any activity sort last; spelled as the query spells it
_LAST_ACTIVITY = "COALESCE(last_activity_at, TIMESTAMPTZ '0001-01-01 00:00:00+00')"

STATEMENTS = [
    # no defaults: adding the columns rewrites nothing, however many leads there are
    """ALTER TABLE admin.leads
    ADD COLUMN company_id UUID,
    ADD COLUMN decision_maker BOOLEAN,
    ADD COLUMN employee_count INTEGER,
    ADD COLUMN enriched_at TIMESTAMPTZ""",
    # a company's leads, in the list's default order
    "CREATE INDEX ix_leads_company_id ON admin.leads (company_id, score DESC, lead_id DESC) "
    "WHERE known IS TRUE AND company_id IS NOT NULL",
    """CREATE TABLE admin.companies (
    company_id UUID CONSTRAINT pk_companies PRIMARY KEY,
    domain TEXT NOT NULL,
    name TEXT,
    legal_form TEXT,
    city TEXT,
    country TEXT,
    employee_count INTEGER,
    revenue_range TEXT,
    industry TEXT,
    register_number TEXT,
    linkedin_url TEXT,
    target_account BOOLEAN NOT NULL DEFAULT false,
    tier VARCHAR(10),
    provider TEXT,
    profile_at TIMESTAMPTZ,
    contacts INTEGER NOT NULL DEFAULT 0,
    engaged_contacts INTEGER NOT NULL DEFAULT 0,
    highest_score SMALLINT NOT NULL DEFAULT 0,
    score_sum INTEGER NOT NULL DEFAULT 0,
    last_activity_at TIMESTAMPTZ,
    engagement_at TIMESTAMPTZ)""",
    # each sort of the companies list has its index; the target-account and tier filters
    # lead one in the default order; the search uses trigrams on name and domain
    f"CREATE INDEX ix_companies_highest_score ON admin.companies ({_BY_SCORE})",
    "CREATE INDEX ix_companies_score_sum ON admin.companies (score_sum DESC, company_id DESC)",
    "CREATE INDEX ix_companies_engaged_contacts ON admin.companies "
    "(engaged_contacts DESC, company_id DESC)",
    f"CREATE INDEX ix_companies_last_activity_at ON admin.companies "
    f"(({_LAST_ACTIVITY}) DESC, company_id DESC)",
    f"CREATE INDEX ix_companies_target_account ON admin.companies ({_BY_SCORE}) "
    "WHERE target_account IS TRUE",
    f"CREATE INDEX ix_companies_tier ON admin.companies (tier, {_BY_SCORE}) WHERE tier IS NOT NULL",
    "CREATE INDEX ix_companies_name ON admin.companies USING gin (name gin_trgm_ops)",
    "CREATE INDEX ix_companies_domain ON admin.companies USING gin (domain gin_trgm_ops)",
    """CREATE TABLE admin.analyses (
    analysis_id UUID CONSTRAINT pk_analyses PRIMARY KEY,
    lead_id UUID NOT NULL,
    intent_level VARCHAR(10) NOT NULL,
    buying_signals JSONB NOT NULL,
    recommended_approach TEXT NOT NULL,
    qualification_score SMALLINT NOT NULL,
    next_best_action TEXT NOT NULL,
    method VARCHAR(20) NOT NULL,
    model TEXT,
    trigger VARCHAR(20) NOT NULL,
    fallback_reason TEXT,
    input_hash TEXT NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL)""",
    "CREATE INDEX ix_analyses_lead_id ON admin.analyses (lead_id, occurred_at DESC)",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE admin.analyses")
    op.execute("DROP TABLE admin.companies")
    op.execute(
        "ALTER TABLE admin.leads DROP COLUMN company_id, DROP COLUMN decision_maker, "
        "DROP COLUMN employee_count, DROP COLUMN enriched_at"
    )
