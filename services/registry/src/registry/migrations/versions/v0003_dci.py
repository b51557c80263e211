"""DCI API: received messages (replay guard), transactions, subscriptions, callback outbox, notifier checkpoint.

Frozen: explicit ops for the tables as they were at 491041b, when this revision was written. Never edit it;
add a revision instead.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dci_checkpoints",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("tx_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "dci_messages",
        sa.Column("sender_id", sa.Text(), nullable=False),
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("correlation_id", sa.Text(), nullable=False),
        sa.Column("digest", sa.Text(), nullable=False, comment="BLAKE-512 of the signed header+message"),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("sender_id", "message_id"),
        comment="every accepted DCI message once: a replayed (sender_id, message_id) is refused",
    )
    op.create_table(
        "dci_outbox",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("client_id", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False, comment="on-search | on-subscribe | on-unsubscribe | notify"),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=True, comment="sealed signed message; NULL once delivered or given up"),
        sa.Column("correlation_id", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), server_default="pending", nullable=False,
            comment="pending | delivered | failed"),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("dci_outbox_due", "dci_outbox", ["status", "next_attempt_at"])
    op.create_table(
        "dci_subscriptions",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("sender_id", sa.Text(), nullable=False),
        sa.Column("client_id", sa.Text(), nullable=False),
        sa.Column("reference_id", sa.Text(), nullable=False),
        sa.Column("transaction_id", sa.Text(), nullable=False),
        sa.Column("reg_event_type", sa.Text(), nullable=False,
            comment="REGISTER | UPDATE | NewHouseHoldMember | DEATH | ..."),
        sa.Column("filter_type", sa.Text(), nullable=False),
        sa.Column("filter", sa.Text(), nullable=False, comment="sealed: an idtype-value filter holds a NIK or KK"),
        sa.Column("notify_record_type", sa.Text(), nullable=False),
        sa.Column("scopes", postgresql.JSONB(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default="subscribe", nullable=False, comment="subscribe | unsubscribe"),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_index("dci_subscriptions_active", "dci_subscriptions", ["status", "reg_event_type"])
    op.create_table(
        "dci_transactions",
        sa.Column("correlation_id", sa.Text(), nullable=False),
        sa.Column("sender_id", sa.Text(), nullable=False),
        sa.Column("client_id", sa.Text(), nullable=False),
        sa.Column("transaction_id", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False, comment="search | subscribe | unsubscribe"),
        sa.Column("status", sa.Text(), nullable=False, comment="rcvd -> pdng -> succ | rjct"),
        sa.Column("request", sa.Text(), nullable=True,
            comment="the message, sealed (queries may hold a NIK); NULL once processed"),
        sa.Column("scopes", postgresql.JSONB(), nullable=False),
        sa.Column("callback_url", sa.Text(), nullable=True),
        sa.Column("summary", postgresql.JSONB(), nullable=True,
            comment="per reference_id: status, reason, counts (never records)"),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("correlation_id"),
    )
    op.create_index("dci_transactions_pending", "dci_transactions", ["status", "created_at"])
    op.create_index("dci_transactions_sender_txn", "dci_transactions", ["sender_id", "transaction_id"])


def downgrade() -> None:
    op.drop_table("dci_transactions")
    op.drop_table("dci_subscriptions")
    op.drop_table("dci_outbox")
    op.drop_table("dci_messages")
    op.drop_table("dci_checkpoints")
