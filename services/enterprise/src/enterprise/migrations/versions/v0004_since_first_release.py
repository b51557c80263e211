"""Everything the tables gained after their first revisions: the kit's relay watermarks.

Idempotent, so that it brings any database an earlier release built to the current tables: those releases
ran `create_all` of the tables of their day, so a database may have some of this already.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

from gotong.migrations import downgrade_kit_since_first_release, upgrade_kit_since_first_release

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_kit_since_first_release(op)


def downgrade() -> None:
    downgrade_kit_since_first_release(op)
