"""Partners, contacts, agreements, projects and milestones read tables.

Frozen: explicit ops for the tables as they were at c021888, when this revision was written. Never edit it;
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
        "agreements",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("partner_ids", sa.ARRAY(sa.UUID()), nullable=False),
        sa.Column("state", postgresql.JSONB(), nullable=False),
        sa.Column("published_version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("agreements_partner_ids", "agreements", ["partner_ids"], unique=False, postgresql_using="gin")
    op.create_table(
        "milestones",
        sa.Column("project_id", sa.UUID(), nullable=False),
        sa.Column("milestone_id", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("flagged_overdue", sa.Boolean(), server_default="false", nullable=False),
        sa.PrimaryKeyConstraint("project_id", "milestone_id"),
    )
    op.create_index("milestones_open", "milestones", ["due_on"],
                    postgresql_where="done_on IS NULL AND NOT flagged_overdue")
    op.create_table(
        "partner_contacts",
        sa.Column("partner_id", sa.UUID(), nullable=False),
        sa.Column("contact", postgresql.JSONB(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("partner_id"),
    )
    op.create_table(
        "partners",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("strand", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("region_code", sa.Text(), nullable=False),
        sa.Column("province_code", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("state", postgresql.JSONB(), nullable=False),
        sa.Column("published_version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name_key", name="partners_name_key_key"),
    )
    op.create_index("partners_strand_region", "partners", ["strand", "region_code"])
    op.create_table(
        "projects",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("region_code", sa.Text(), nullable=False),
        sa.Column("province_code", sa.Text(), nullable=False),
        sa.Column("budget", sa.BigInteger(), nullable=False),
        sa.Column("partner_ids", sa.ARRAY(sa.UUID()), nullable=False),
        sa.Column("agreement_ids", sa.ARRAY(sa.UUID()), nullable=False),
        sa.Column("helix_complete", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("state", postgresql.JSONB(), nullable=False),
        sa.Column("published_version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("projects_agreement_ids", "projects", ["agreement_ids"], unique=False, postgresql_using="gin")
    op.create_index("projects_partner_ids", "projects", ["partner_ids"], unique=False, postgresql_using="gin")


def downgrade() -> None:
    op.drop_table("projects")
    op.drop_table("partners")
    op.drop_table("partner_contacts")
    op.drop_table("milestones")
    op.drop_table("agreements")
