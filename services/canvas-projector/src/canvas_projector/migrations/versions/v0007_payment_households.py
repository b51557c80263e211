"""The household a payment reached moves out of the public log's records into a private table keyed by payment
id, which only the household counts read. Records already in the log keep their household reference (their leaf
hash covers it, so their receipts still verify); the counts read it from there.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tlog_payment_households",
        sa.Column("payment_id", sa.Text(), nullable=False),
        sa.Column("household_ref", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("payment_id"),
    )


def downgrade() -> None:
    op.drop_table("tlog_payment_households")
