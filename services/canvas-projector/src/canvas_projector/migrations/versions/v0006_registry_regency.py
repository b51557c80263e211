"""The register's households keep their regency, so the maps can divide households reached by the desil 1-4
households registered in each regency.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("proj_registry_households", sa.Column("regency_code", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("proj_registry_households", "regency_code")
