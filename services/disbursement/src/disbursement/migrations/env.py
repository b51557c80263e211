"""Alembic environment for the disbursement database: the kit's tables plus the service's own."""

from disbursement.tables import metadata
from gotong.migrations import run_migrations

run_migrations(metadata)
