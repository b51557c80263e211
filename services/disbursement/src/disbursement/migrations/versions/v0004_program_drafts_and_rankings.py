"""Program drafts awaiting a second officer's approval (`program_drafts`, a projection of the Program), and the
replica's ranking history (`households.rankings`: every snapshot received, so a cycle uses the one in force at
its cut-off). The history starts with the snapshot each household already carries.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "program_drafts",
        sa.Column("program_id", sa.UUID(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("rule_version", sa.Text(), nullable=False),
        sa.Column("definition", postgresql.JSONB(), nullable=False),
        sa.Column("proposed_by", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("program_id"),
    )
    op.add_column("households", sa.Column("rankings", postgresql.JSONB(), nullable=False,
                                          server_default=sa.text("'[]'::jsonb")))
    op.execute("UPDATE households SET rankings = jsonb_build_array(jsonb_build_object('snapshot', desil_snapshot, "
               "'desil', desil, 'rule_version', desil_rule_version)) "
               "WHERE desil_snapshot IS NOT NULL AND desil IS NOT NULL AND NOT erased")


def downgrade() -> None:
    op.drop_column("households", "rankings")
    op.drop_table("program_drafts")
