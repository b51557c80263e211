"""Spending per payment *attempt* and per funder: a reissued payment's second attempt is booked (it was taken
for the first), and a program several companies fund charges each allocation its part.

Rows of earlier releases are attempt 1, part 0, charged to their allocation's account.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("spending", sa.Column("attempt", sa.Integer(), server_default="1", nullable=False))
    op.add_column("spending", sa.Column("part", sa.SmallInteger(), server_default="0", nullable=False))
    op.add_column("spending", sa.Column("account_id", sa.UUID(), nullable=True))
    op.execute("UPDATE spending s SET account_id = a.account_id FROM allocations a WHERE a.id = s.allocation_id")
    op.alter_column("spending", "account_id", nullable=False)
    op.drop_constraint("spending_pkey", "spending", type_="primary")
    op.create_primary_key("spending_pkey", "spending", ["payment_id", "attempt", "part"])


def downgrade() -> None:
    op.execute("DELETE FROM spending WHERE (attempt, part) <> (1, 0)")
    op.drop_constraint("spending_pkey", "spending", type_="primary")
    op.create_primary_key("spending_pkey", "spending", ["payment_id"])
    op.drop_column("spending", "account_id")
    op.drop_column("spending", "part")
    op.drop_column("spending", "attempt")
