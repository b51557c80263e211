"""Keep the registry's events inline: `toast_tuple_target = 4096` on `events`. A registration's data (sealed
personal data, member facts, attributes: ~2.1 KB of JSON) put its row just over the default 2 KB target, so
PostgreSQL tried to compress it (pglz, on mostly base64) and, for about half of them, still moved it out of line
into the TOAST table: one more heap row and index entry per household on write, one more index lookup and
decompression for every reader (the relay). Rows up to 4 KB now stay in the heap as they are (issue 19).

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE events SET (toast_tuple_target = 4096)")


def downgrade() -> None:
    op.execute("ALTER TABLE events RESET (toast_tuple_target)")
