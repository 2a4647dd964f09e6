from alembic import context
from auftakt_capture.models import Base
from auftakt_common.migrations import configure_migration_context

configure_migration_context(context.config, Base.metadata)
