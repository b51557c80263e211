"""Replicas of enterprise, partnership and registry facts for the canvas and the portal.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

from canvas_projector.tables import (
    enterprise_reports,
    enterprises,
    graduations,
    partners,
    projects,
    registry_households,
)

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None
TABLES = [enterprises, enterprise_reports, graduations, partners, projects, registry_households]


def upgrade() -> None:
    for table in TABLES:
        table.create(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    for table in reversed(TABLES):
        table.drop(op.get_bind(), checkfirst=True)
