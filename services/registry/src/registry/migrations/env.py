"""Alembic environment for the registry database: the kit's tables plus the service's own."""

from gotong.migrations import run_migrations
from registry.tables import metadata

run_migrations(metadata)
