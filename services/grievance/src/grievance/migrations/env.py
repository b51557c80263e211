"""Alembic environment for the grievance database: the kit's tables plus the service's own."""

from gotong.api.shared_limits import limits_metadata
from gotong.migrations import run_migrations
from grievance.adapters.tables import metadata

run_migrations([metadata, limits_metadata])
