"""The transparency log.

Frozen: explicit ops for the tables as they were at fc89146, when this revision was written. Never edit it;
add a revision instead.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tlog_checkpoints",
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.LargeBinary(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("size"),
    )
    op.create_table(
        "tlog_leaves",
        sa.Column("idx", sa.BigInteger(), nullable=False),
        sa.Column("record_key", sa.Text(), nullable=False),
        sa.Column("payment_id", sa.Text(), nullable=False),
        sa.Column("leaf", sa.LargeBinary(), nullable=False),
        sa.Column("appended_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("idx"),
        sa.UniqueConstraint("record_key", name="tlog_leaves_record_key_key"),
    )
    op.create_index("ix_tlog_leaves_payment_id", "tlog_leaves", ["payment_id"])
    op.create_table(
        "tlog_nodes",
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("idx", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx"),
    )
    op.create_table(
        "tlog_staged",
        sa.Column("record_key", sa.Text(), nullable=False),
        sa.Column("source_tx_id", sa.BigInteger(), nullable=False),
        sa.Column("source_position", sa.BigInteger(), nullable=False),
        sa.Column("record", postgresql.JSONB(), nullable=False),
        sa.Column("staged_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("record_key"),
    )
    op.create_index("tlog_staged_order", "tlog_staged", ["source_tx_id", "source_position"])


def downgrade() -> None:
    op.drop_table("tlog_staged")
    op.drop_table("tlog_nodes")
    op.drop_table("tlog_leaves")
    op.drop_table("tlog_checkpoints")
