"""Alembic environment for the canvas-projector database: the kit's tables plus the service's own."""

from canvas_projector.tables import metadata
from gotong.migrations import run_migrations

run_migrations(metadata)
