from alembic import context
from auftakt_admin.models import Base
from auftakt_common.migrations import configure_migration_context

configure_migration_context(context.config, Base.metadata)
