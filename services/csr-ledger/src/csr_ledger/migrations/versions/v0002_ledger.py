"""The ledger and the CSR read models.

Frozen: explicit ops for the tables as they were at 74d98e4, when this revision was written. Never edit it;
add a revision instead.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "allocations",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("company_id", sa.UUID(), nullable=False),
        sa.Column("target_kind", sa.Text(), nullable=False),
        sa.Column("target_id", sa.Text(), nullable=False),
        sa.Column("target_name", sa.Text(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("sdgs", sa.ARRAY(sa.SmallInteger()), nullable=False),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("account_id", sa.UUID(), nullable=False),
        sa.Column("transfer_id", sa.UUID(), nullable=False),
        sa.Column("maker", sa.Text(), nullable=False),
        sa.Column("checker", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_allocations_company_id", "allocations", ["company_id"])
    op.create_table(
        "companies",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("nib", sa.Text(), nullable=False),
        sa.Column("npwp", sa.Text(), nullable=False),
        sa.Column("sector", sa.Text(), nullable=False),
        sa.Column("tjsl_mandatory", sa.Boolean(), nullable=False),
        sa.Column("fund_account_id", sa.UUID(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("nib", name="companies_nib_key"),
    )
    op.create_table(
        "ledger_accounts",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("flags", sa.SmallInteger(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("company_id", sa.UUID(), nullable=True),
        sa.Column("debits_pending", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("debits_posted", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("credits_pending", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("credits_posted", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "debits_pending >= 0 AND debits_posted >= 0 AND credits_pending >= 0 AND credits_posted >= 0",
            name="ledger_amounts_not_negative"),
        sa.CheckConstraint("flags & 2 = 0 OR debits_pending + debits_posted <= credits_posted",
            name="ledger_debits_must_not_exceed_credits"),
        sa.CheckConstraint("flags & 4 = 0 OR credits_pending + credits_posted <= debits_posted",
            name="ledger_credits_must_not_exceed_debits"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "ledger_transfers",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("debit_account_id", sa.UUID(), nullable=False),
        sa.Column("credit_account_id", sa.UUID(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("flags", sa.SmallInteger(), nullable=False),
        sa.Column("pending_id", sa.UUID(), nullable=True),
        sa.Column("timeout", sa.Integer(), nullable=False),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pending_state", sa.Text(), nullable=True),
        sa.CheckConstraint("amount > 0", name="ledger_transfer_amount_positive"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ledger_transfers_credit", "ledger_transfers", ["credit_account_id", "seq"])
    op.create_index("ledger_transfers_debit", "ledger_transfers", ["debit_account_id", "seq"])
    op.create_index("ledger_transfers_open_pending", "ledger_transfers", ["timestamp"],
                    postgresql_where="pending_state = 'pending'")
    op.create_table(
        "pledges",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("company_id", sa.UUID(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("themes", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("sdgs", sa.ARRAY(sa.SmallInteger()), nullable=False),
        sa.Column("regions", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("pledged_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_pledges_company_id", "pledges", ["company_id"])
    op.create_table(
        "spending",
        sa.Column("payment_id", sa.Text(), nullable=False),
        sa.Column("allocation_id", sa.UUID(), nullable=False),
        sa.Column("company_id", sa.UUID(), nullable=False),
        sa.Column("program_id", sa.Text(), nullable=False),
        sa.Column("province_code", sa.Text(), nullable=False),
        sa.Column("regency_code", sa.Text(), nullable=False),
        sa.Column("household_ref", sa.Text(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("payment_id"),
    )
    op.create_index("ix_spending_allocation_id", "spending", ["allocation_id"])


def downgrade() -> None:
    op.drop_table("spending")
    op.drop_table("pledges")
    op.drop_table("ledger_transfers")
    op.drop_table("ledger_accounts")
    op.drop_table("companies")
    op.drop_table("allocations")
