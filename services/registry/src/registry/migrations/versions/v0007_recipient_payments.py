"""The public status check shows what was paid and links each payment to its receipt: `recipients` keeps the
amount and the payment's receipt reference (its id in the transparency log).

Frozen: explicit ops for the table as it was when this revision was written. Never edit it; add a revision
instead.

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
    op.add_column("recipients", sa.Column("amount", sa.BigInteger(), nullable=True,
                                          comment="rupiah of the payment's latest attempt"))
    op.add_column("recipients", sa.Column("payment_id", sa.Text(), nullable=True,
                                          comment="the payment's receipt reference in the transparency log"))


def downgrade() -> None:
    op.drop_column("recipients", "payment_id")
    op.drop_column("recipients", "amount")
