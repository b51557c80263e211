"""The eligibility replica, programs, cycles, entitlements, payments and reconciliation exceptions.

Frozen: explicit ops for the tables as they were at 21be432, when this revision was written. Never edit it;
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
        "cycles",
        sa.Column("cycle_id", sa.UUID(), nullable=False),
        sa.Column("program_id", sa.UUID(), nullable=False),
        sa.Column("period", sa.Text(), nullable=False),
        sa.Column("cutoff", sa.Date(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("rule_version", sa.Text(), nullable=False),
        sa.Column("households", sa.Integer(), server_default="0", nullable=False),
        sa.Column("held", sa.Integer(), server_default="0", nullable=False),
        sa.Column("total_amount", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("opened_by", sa.Text(), nullable=False),
        sa.Column("computed_by", sa.Text(), nullable=True),
        sa.Column("reviewed_by", sa.Text(), nullable=True),
        sa.Column("approved_by", sa.Text(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("cycle_id"),
        sa.UniqueConstraint("program_id", "period", name="cycles_one_per_period"),
    )
    op.create_table(
        "entitlements",
        sa.Column("cycle_id", sa.UUID(), nullable=False),
        sa.Column("program_id", sa.UUID(), nullable=False),
        sa.Column("household_ref", sa.Text(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("members_counted", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("desil", sa.SmallInteger(), nullable=True),
        sa.Column("desil_rule_version", sa.Text(), nullable=True),
        sa.Column("household_version", sa.Integer(), nullable=False),
        sa.Column("village_code", sa.Text(), nullable=False),
        sa.Column("regency_code", sa.Text(), nullable=False),
        sa.Column("province_code", sa.Text(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("amount >= 0", name="entitlement_amount_not_negative"),
        sa.UniqueConstraint("program_id", "cycle_id", "household_ref", name="entitlements_once"),
    )
    op.create_table(
        "households",
        sa.Column("household_ref", sa.Text(), nullable=False),
        sa.Column("household_version", sa.Integer(), nullable=False),
        sa.Column("village_code", sa.Text(), nullable=False),
        sa.Column("district_code", sa.Text(), nullable=False),
        sa.Column("regency_code", sa.Text(), nullable=False),
        sa.Column("province_code", sa.Text(), nullable=False),
        sa.Column("verification", sa.Text(), nullable=False),
        sa.Column("desil", sa.SmallInteger(), nullable=True),
        sa.Column("desil_rule_version", sa.Text(), nullable=True),
        sa.Column("desil_snapshot", sa.Text(), nullable=True),
        sa.Column("members", postgresql.JSONB(), server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.Column("erased", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("merged_into", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("household_ref"),
    )
    op.create_index("households_eligible_desil", "households", ["desil"],
                    postgresql_where=sa.text("NOT erased AND merged_into IS NULL"))
    op.create_table(
        "payments",
        sa.Column("payment_id", sa.UUID(), nullable=False),
        sa.Column("cycle_id", sa.UUID(), nullable=False),
        sa.Column("program_id", sa.UUID(), nullable=False),
        sa.Column("household_ref", sa.Text(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("attempt", sa.SmallInteger(), server_default="1", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("reference_id", sa.Text(), nullable=False),
        sa.Column("transaction_id", sa.Text(), nullable=True),
        sa.Column("village_code", sa.Text(), nullable=False),
        sa.Column("regency_code", sa.Text(), nullable=False),
        sa.Column("province_code", sa.Text(), nullable=False),
        sa.Column("desil", sa.SmallInteger(), nullable=True),
        sa.Column("confirmed_amount", sa.BigInteger(), nullable=True),
        sa.Column("instructed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("payment_id"),
        sa.UniqueConstraint("program_id", "cycle_id", "household_ref", name="payments_once"),
        sa.UniqueConstraint("reference_id", name="payments_reference_id_key"),
    )
    op.create_index("payments_by_cycle_status", "payments", ["cycle_id", "status"])
    op.create_index("payments_by_household", "payments", ["household_ref"])
    op.create_index("payments_to_send", "payments", ["instructed_at"],
                    postgresql_where=sa.text("sent_at IS NULL"))
    op.create_table(
        "programs",
        sa.Column("program_id", sa.UUID(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("funding_source", sa.Text(), nullable=False),
        sa.Column("csr_allocation_id", sa.Text(), nullable=True),
        sa.Column("rule_version", sa.Text(), nullable=False),
        sa.Column("budget", sa.BigInteger(), nullable=False),
        sa.Column("definition", postgresql.JSONB(), nullable=False),
        sa.Column("defined_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("budget >= 0", name="program_budget_not_negative"),
        sa.PrimaryKeyConstraint("program_id"),
        sa.UniqueConstraint("code", name="programs_code_key"),
    )
    op.create_table(
        "reconciliation_exceptions",
        sa.Column("exception_id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("payment_id", sa.UUID(), nullable=False),
        sa.Column("cycle_id", sa.UUID(), nullable=False),
        sa.Column("attempt", sa.SmallInteger(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("instructed_amount", sa.BigInteger(), nullable=False),
        sa.Column("confirmed_amount", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), server_default="open", nullable=False),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("exception_id"),
        sa.UniqueConstraint("payment_id", "attempt", "kind", name="exception_once"),
    )
    op.create_index("exceptions_open", "reconciliation_exceptions", ["cycle_id"],
                    postgresql_where=sa.text("status = 'open'"))


def downgrade() -> None:
    op.drop_table("reconciliation_exceptions")
    op.drop_table("programs")
    op.drop_table("payments")
    op.drop_table("households")
    op.drop_table("entitlements")
    op.drop_table("cycles")
