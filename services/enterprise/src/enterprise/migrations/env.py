"""Alembic environment for the enterprise database: the kit's tables plus the service's own."""

from enterprise.adapters.tables import metadata
from gotong.migrations import run_migrations

run_migrations(metadata)
