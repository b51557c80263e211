"""Alembic environment for the registry database: the kit's tables plus the service's own."""

from gotong.api.shared_limits import limits_metadata
from gotong.migrations import run_migrations
from registry.dci.adapters import tables as dci_tables
from registry.tables import metadata

assert dci_tables.dci_messages.metadata is metadata  # the DCI tables live in the registry's metadata
run_migrations([metadata, limits_metadata])
