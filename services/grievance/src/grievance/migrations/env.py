"""Alembic environment for the grievance database: the kit's tables plus the service's own."""

from gotong.migrations import run_migrations
from grievance.adapters.tables import metadata

run_migrations(metadata)
