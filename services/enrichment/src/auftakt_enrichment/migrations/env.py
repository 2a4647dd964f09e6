from alembic import context
from auftakt_common.migrations import configure_migration_context
from auftakt_enrichment.models import Base

configure_migration_context(context.config, Base.metadata)
