"""Alembic environment for the console's database: the kit's tables plus the console's own."""

from gotong.migrations import run_migrations
from ops_console.adapters.tables import metadata

run_migrations(metadata)
