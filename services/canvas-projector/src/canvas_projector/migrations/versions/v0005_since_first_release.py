"""Everything the tables gained after their first revisions: the kit's relay watermarks, and staged
transparency-log records kept as their canonical leaf bytes and payment id instead of a JSONB record.

Idempotent, so that it brings any database an earlier release built to the current tables: those releases
ran `create_all` of the tables of their day, so a database may have some of this already. Records staged
but not yet sealed under the old shape are converted, with the canonical form the sealer of that release
hashed (JSON, sorted keys, no spaces, UTF-8), so no payment record is lost from the log.

Revision ID: 0005
Revises: 0004
"""

import json

import sqlalchemy as sa
from alembic import op

from gotong.migrations import downgrade_kit_since_first_release, upgrade_kit_since_first_release

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _has_column(table: str, column: str) -> bool:
    return bool(op.get_bind().execute(sa.text(
        "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = :t AND column_name = :c"), {"t": table, "c": column}).first())


def upgrade() -> None:
    upgrade_kit_since_first_release(op)
    if _has_column("tlog_staged", "record"):
        op.execute("ALTER TABLE tlog_staged ADD COLUMN IF NOT EXISTS payment_id text, "
                   "ADD COLUMN IF NOT EXISTS leaf bytea")
        bind = op.get_bind()
        rows = bind.execute(sa.text("SELECT record_key, record::text FROM tlog_staged WHERE leaf IS NULL")).all()
        for key, text in rows:
            record = json.loads(text)
            leaf = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
            bind.execute(sa.text("UPDATE tlog_staged SET payment_id = :p, leaf = :l WHERE record_key = :k"),
                         {"p": str(record["payment_id"]), "l": leaf, "k": key})
        op.execute("ALTER TABLE tlog_staged ALTER COLUMN payment_id SET NOT NULL, "
                   "ALTER COLUMN leaf SET NOT NULL, DROP COLUMN record")


def downgrade() -> None:
    if not _has_column("tlog_staged", "record"):
        op.execute("ALTER TABLE tlog_staged ADD COLUMN record jsonb")
        op.execute("UPDATE tlog_staged SET record = convert_from(leaf, 'UTF8')::jsonb")
        op.execute("ALTER TABLE tlog_staged ALTER COLUMN record SET NOT NULL, "
                   "DROP COLUMN payment_id, DROP COLUMN leaf")
    downgrade_kit_since_first_release(op)
