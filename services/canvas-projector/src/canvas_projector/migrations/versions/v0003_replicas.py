"""Replicas of programs, companies and CSR flows.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

from canvas_projector.tables import companies, csr_flows, programs

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in (programs, companies, csr_flows):
        table.create(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    for table in (csr_flows, companies, programs):
        table.drop(op.get_bind(), checkfirst=True)
