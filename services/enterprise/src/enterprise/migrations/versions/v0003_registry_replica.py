"""The registry households replica (references, region, desil, erased/merged).

Frozen: explicit ops for the tables as they were at 0ffb3be, when this revision was written. Never edit it;
add a revision instead.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registry_households",
        sa.Column("household_ref", sa.Text(), nullable=False),
        sa.Column("household_version", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.Text(), nullable=True),
        sa.Column("regency_code", sa.Text(), nullable=True),
        sa.Column("desil", sa.Integer(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("merged_into", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("household_ref"),
    )


def downgrade() -> None:
    op.drop_table("registry_households")
