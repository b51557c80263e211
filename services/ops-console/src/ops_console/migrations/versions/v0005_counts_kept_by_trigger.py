"""The dashboard's counts kept as items change, instead of counted on every refresh: `console_counts` holds,
per kind, state and reason (and for reviews the hour they opened), how many items there are and their amount;
statement-level triggers on `console_items` keep it in the same transaction as the change (items leaving a
group are taken off it, arriving add to it, netted per statement). Backfilled from the items already there.

Frozen: explicit ops for the tables as they were when this revision was written. Never edit it; add a
revision instead.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

HOUR = ("CASE WHEN kind = 'review' THEN date_bin('1 hour', since, TIMESTAMPTZ '2000-01-01 00:00+00') "
        "ELSE TIMESTAMPTZ '2000-01-01 00:00+00' END")
#: What one statement changed, netted per group: one upsert a statement, whatever how many rows it touched (a
#: consumer's batch is one statement; a row-level trigger would update the same few count rows per item).
NET = """INSERT INTO console_counts (kind, state, reason, hour, n, amount)
  SELECT kind, state, reason, hour, sum(n), sum(amount) FROM ({rows}) AS moved
  GROUP BY kind, state, reason, hour HAVING sum(n) <> 0 OR sum(amount) <> 0
  ON CONFLICT (kind, state, reason, hour) DO UPDATE SET n = console_counts.n + EXCLUDED.n,
    amount = console_counts.amount + EXCLUDED.amount;"""
LEFT = f"SELECT kind, state, reason, {HOUR} AS hour, -1 AS n, -amount AS amount FROM old_items WHERE state <> 'gone'"
CAME = f"SELECT kind, state, reason, {HOUR} AS hour, 1 AS n, amount FROM new_items WHERE state <> 'gone'"
TRIGGERS = {  # event: (transition tables, the rows that moved)
    "insert": ("NEW TABLE AS new_items", CAME),
    "update": ("OLD TABLE AS old_items NEW TABLE AS new_items", f"{LEFT} UNION ALL {CAME}"),
    "delete": ("OLD TABLE AS old_items", LEFT),
}


def upgrade() -> None:
    op.create_table(
        "console_counts",
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "state", "reason", "hour"),
    )
    for event, (tables, rows) in TRIGGERS.items():
        op.execute(f"CREATE FUNCTION console_items_counted_{event}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   f"BEGIN {NET.format(rows=rows)} RETURN NULL; END $$")
        op.execute(f"CREATE TRIGGER console_items_counted_{event} AFTER {event.upper()} ON console_items "
                   f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION console_items_counted_{event}()")
    op.execute("INSERT INTO console_counts (kind, state, reason, hour, n, amount) "
               f"SELECT kind, state, reason, {HOUR}, count(*), coalesce(sum(amount), 0) "
               "FROM console_items WHERE state <> 'gone' GROUP BY 1, 2, 3, 4")


def downgrade() -> None:
    for event in TRIGGERS:
        op.execute(f"DROP TRIGGER console_items_counted_{event} ON console_items")
        op.execute(f"DROP FUNCTION console_items_counted_{event}()")
    op.drop_table("console_counts")
