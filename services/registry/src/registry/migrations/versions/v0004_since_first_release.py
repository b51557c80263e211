"""Everything the tables gained after their first revisions: the kit's relay watermarks and the public NIK +
name check (`person_index.name_check`).

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
    op.execute("ALTER TABLE person_index ADD COLUMN IF NOT EXISTS name_check bytea")
    op.execute("COMMENT ON COLUMN person_index.name_check IS "
               "'blind(NIK | normalised name): the public NIK + name check'")
    op.execute("CREATE INDEX IF NOT EXISTS person_index_name_check ON person_index (name_check)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS person_index_name_check")
    op.execute("ALTER TABLE person_index DROP COLUMN IF EXISTS name_check")
    downgrade_kit_since_first_release(op)
