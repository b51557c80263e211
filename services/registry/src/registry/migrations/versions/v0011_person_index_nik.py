"""Drop `person_index_nik`: the unique constraint on `(nik_hash, household_id)` is a B-tree led by `nik_hash`
and serves every lookup by NIK (the checks' `nik_hash = ANY(...)`, the DCI search by NIK); the second index only
cost every registered person one more random insertion (issue 19: the bulk import's writes).

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DROP INDEX IF EXISTS person_index_nik")


def downgrade() -> None:
    op.execute("CREATE INDEX IF NOT EXISTS person_index_nik ON person_index (nik_hash)")
