"""Everything the tables gained (and lost) after their first revisions: the kit's relay watermarks; the
replica's `present_until` and merged-record index; entitlements' desil snapshot and release time; payments
without `reference_id` (the channel's reference is `<payment_id>.<attempt>`) and without the cycle/status
index (`payments_once` serves those queries).

Idempotent, so that it brings any database an earlier release built to the current tables: those releases
ran `create_all` of the tables of their day, so a database may have some of this already. A database that
still has `payments.reference_id` (NOT NULL UNIQUE) would refuse every payment the current code inserts.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

from gotong.migrations import downgrade_kit_since_first_release, upgrade_kit_since_first_release

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_kit_since_first_release(op)
    op.execute("ALTER TABLE households ADD COLUMN IF NOT EXISTS present_until date")
    op.execute("CREATE INDEX IF NOT EXISTS households_merged_into ON households (merged_into) "
               "WHERE merged_into IS NOT NULL")
    op.execute("ALTER TABLE entitlements ADD COLUMN IF NOT EXISTS desil_snapshot text, "
               "ADD COLUMN IF NOT EXISTS released_at timestamp with time zone")
    op.execute("CREATE INDEX IF NOT EXISTS entitlements_released ON entitlements (cycle_id) "
               "WHERE released_at IS NOT NULL")
    op.execute("ALTER TABLE payments DROP COLUMN IF EXISTS reference_id")  # and its unique constraint
    op.execute("DROP INDEX IF EXISTS payments_by_cycle_status")


def downgrade() -> None:
    op.execute("CREATE INDEX IF NOT EXISTS payments_by_cycle_status ON payments (cycle_id, status)")
    op.execute("ALTER TABLE payments ADD COLUMN IF NOT EXISTS reference_id text")
    op.execute("UPDATE payments SET reference_id = payment_id::text || '.' || attempt WHERE reference_id IS NULL")
    op.execute("ALTER TABLE payments ALTER COLUMN reference_id SET NOT NULL, "
               "ADD CONSTRAINT payments_reference_id_key UNIQUE (reference_id)")
    op.execute("DROP INDEX IF EXISTS entitlements_released")
    op.execute("ALTER TABLE entitlements DROP COLUMN IF EXISTS released_at, DROP COLUMN IF EXISTS desil_snapshot")
    op.execute("DROP INDEX IF EXISTS households_merged_into")
    op.execute("ALTER TABLE households DROP COLUMN IF EXISTS present_until")
    downgrade_kit_since_first_release(op)
