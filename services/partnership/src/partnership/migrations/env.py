"""Alembic environment for the partnership database: the kit's tables plus the service's own."""

from gotong.migrations import run_migrations
from partnership.adapters.tables import metadata

run_migrations(metadata)
