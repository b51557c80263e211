"""Replicas of enterprise, partnership and registry facts for the canvas and the portal.

Frozen: explicit ops for the tables as they were at 51112f1, when this revision was written. Never edit it;
add a revision instead.

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
    op.create_table(
        "proj_enterprise_reports",
        sa.Column("enterprise_id", sa.Text(), nullable=False),
        sa.Column("period", sa.Text(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("period_end", sa.Text(), nullable=False),
        sa.Column("earned_revenue", sa.BigInteger(), nullable=False),
        sa.Column("total_expenses", sa.BigInteger(), nullable=False),
        sa.Column("grants_received", sa.BigInteger(), nullable=False),
        sa.Column("employees", sa.BigInteger(), nullable=False),
        sa.Column("employees_vulnerable", sa.BigInteger(), nullable=False),
        sa.Column("beneficiaries", sa.BigInteger(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("enterprise_id", "period"),
    )
    op.create_table(
        "proj_enterprises",
        sa.Column("enterprise_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("legal_form", sa.Text(), nullable=False),
        sa.Column("province_code", sa.Text(), nullable=False),
        sa.Column("regency_code", sa.Text(), nullable=False),
        sa.Column("groups_served", sa.Text(), nullable=False),
        sa.Column("groups_employed", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("enterprise_id"),
    )
    op.create_table(
        "proj_graduations",
        sa.Column("household_ref", sa.Text(), nullable=False),
        sa.Column("enterprise_id", sa.Text(), nullable=False),
        sa.Column("province_code", sa.Text(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("household_ref", "enterprise_id"),
    )
    op.create_table(
        "proj_partners",
        sa.Column("partner_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("strand", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("province_code", sa.Text(), nullable=False),
        sa.Column("active", sa.Text(), server_default="true", nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("partner_id"),
    )
    op.create_table(
        "proj_projects",
        sa.Column("project_id", sa.Text(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("province_code", sa.Text(), nullable=False),
        sa.Column("budget", sa.BigInteger(), nullable=False),
        sa.Column("partner_ids", sa.Text(), nullable=False),
        sa.Column("strands_present", sa.Text(), nullable=False),
        sa.Column("helix_complete", sa.Text(), nullable=False),
        sa.Column("committed", sa.BigInteger(), nullable=False),
        sa.Column("delivered", sa.BigInteger(), nullable=False),
        sa.Column("milestones_overdue", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("project_id"),
    )
    op.create_table(
        "proj_registry_households",
        sa.Column("household_ref", sa.Text(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("province_code", sa.Text(), nullable=False),
        sa.Column("verification", sa.Text(), nullable=False),
        sa.Column("desil", sa.SmallInteger(), nullable=True),
        sa.Column("erased", sa.Text(), server_default="false", nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("household_ref"),
    )


def downgrade() -> None:
    op.drop_table("proj_registry_households")
    op.drop_table("proj_projects")
    op.drop_table("proj_partners")
    op.drop_table("proj_graduations")
    op.drop_table("proj_enterprises")
    op.drop_table("proj_enterprise_reports")
