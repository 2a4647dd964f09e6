from alembic import context

from auftakt_common.migrations import configure_migration_context

configure_migration_context(context.config)
