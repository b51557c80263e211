"""Enterprises, impact report versions, household links and the CSR grants replica.

Frozen: explicit ops for the tables as they were at e983f4c, when this revision was written. Never edit it;
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
        "csr_grants",
        sa.Column("allocation_id", sa.Text(), nullable=False),
        sa.Column("company_id", sa.Text(), nullable=False),
        sa.Column("target_id", sa.Text(), nullable=False),
        sa.Column("target_name", sa.Text(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("sdgs", sa.ARRAY(sa.Integer()), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("allocation_id"),
    )
    op.create_index("csr_grants_target", "csr_grants", ["target_id"])
    op.create_table(
        "enterprises",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("nib", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("legal_form", sa.Text(), nullable=False),
        sa.Column("mission", sa.Text(), nullable=False),
        sa.Column("sdgs", sa.ARRAY(sa.Integer()), nullable=False),
        sa.Column("region_code", sa.Text(), nullable=False),
        sa.Column("province_code", sa.Text(), nullable=False),
        sa.Column("regency_code", sa.Text(), nullable=False),
        sa.Column("groups_served", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("groups_employed", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("suspension_reason", sa.Text(), nullable=True),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("nib", name="enterprises_nib_key"),
    )
    op.create_index("enterprises_region", "enterprises", ["province_code", "regency_code"])
    op.create_index("enterprises_status", "enterprises", ["status"])
    op.create_table(
        "household_links",
        sa.Column("enterprise_id", sa.UUID(), nullable=False),
        sa.Column("household_ref", sa.Text(), nullable=False),
        sa.Column("relation", sa.Text(), nullable=False),
        sa.Column("groups", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("enterprise_id", "household_ref", "relation"),
    )
    op.create_table(
        "impact_reports",
        sa.Column("report_id", sa.UUID(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.UUID(), nullable=False),
        sa.Column("period", sa.Text(), nullable=False),
        sa.Column("period_kind", sa.Text(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("metrics", postgresql.JSONB(), nullable=False),
        sa.Column("employees_by_group", postgresql.JSONB(), nullable=False),
        sa.Column("derived", postgresql.JSONB(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("submitted_by", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by", sa.Text(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("return_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("report_id", "version"),
    )
    op.create_index("impact_reports_enterprise", "impact_reports", ["enterprise_id", "period_start"])


def downgrade() -> None:
    op.drop_table("impact_reports")
    op.drop_table("household_links")
    op.drop_table("enterprises")
    op.drop_table("csr_grants")
