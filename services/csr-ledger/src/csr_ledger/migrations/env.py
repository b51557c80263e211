"""Alembic environment for the csr-ledger database: the kit's tables plus the service's own."""

from csr_ledger.adapters.tables import metadata
from gotong.migrations import run_migrations

run_migrations(metadata)
