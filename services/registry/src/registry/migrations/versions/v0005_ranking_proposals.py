"""Ranking runs are proposed and approved (four eyes): `ranking_proposals`, a projection of the RankingRun
events (proposed, approved, rejected).

Frozen: explicit ops for the table as it was when this revision was written. Never edit it; add a revision
instead.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ranking_proposals",
        sa.Column("run_id", sa.UUID(), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False, comment="the day whose quarter is ranked"),
        sa.Column("snapshot", sa.Text(), nullable=False, comment="e.g. 2026-Q4"),
        sa.Column("rule_version", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False, comment="proposed | approved | rejected"),
        sa.Column("proposed_by", sa.Text(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True, comment="why it was rejected"),
        sa.Column("households", sa.Integer(), nullable=True, comment="ranked, once approved"),
        sa.Column("changed", sa.Integer(), nullable=True, comment="whose desil changed, once approved"),
        sa.PrimaryKeyConstraint("run_id"),
    )
    op.create_index("ranking_proposals_proposed_at", "ranking_proposals", ["proposed_at"])


def downgrade() -> None:
    op.drop_index("ranking_proposals_proposed_at", table_name="ranking_proposals")
    op.drop_table("ranking_proposals")
