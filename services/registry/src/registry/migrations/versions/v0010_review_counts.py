"""The review queue's counts kept as reviews change, instead of counted on every page: `review_counts` holds, per
status and reason code (`''`: every review in that status), how many reviews there are. Statement-level triggers
on `review_queue` keep it in the same transaction as the change (reviews leaving a group are taken off it,
arriving add to it, netted per statement, so a bulk import's COPY is one upsert); `TRUNCATE` (a rebuild) empties
it. Each connection adds to a slot of its own (its backend pid modulo 16), so concurrent registrations that flag a
household do not queue on one row; a read sums the slots. Backfilled from the reviews already there.

Frozen: explicit ops for the tables as they were when this revision was written. Never edit it; add a
revision instead.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

#: A review counts once for its status (reason '') and once for each distinct reason code it has.
COUNTED = """SELECT status, '' AS reason, {sign} AS n FROM {table}
  UNION ALL SELECT t.status, c.code, {sign} FROM {table} t, LATERAL (
    SELECT DISTINCT r->>'code' AS code FROM jsonb_array_elements(
      CASE jsonb_typeof(t.reasons) WHEN 'array' THEN t.reasons ELSE '[]'::jsonb END) AS r
    WHERE jsonb_typeof(r) = 'object' AND r->>'code' IS NOT NULL) AS c"""
#: What one statement changed, netted per group, upserted in one order (no two statements lock rows crosswise).
NET = """INSERT INTO review_counts (status, reason, slot, n)
  SELECT status, reason, (pg_backend_pid() % 16)::smallint, sum(n) FROM ({rows}) AS moved
  GROUP BY status, reason HAVING sum(n) <> 0 ORDER BY status, reason
  ON CONFLICT (status, reason, slot) DO UPDATE SET n = review_counts.n + EXCLUDED.n;"""
LEFT = COUNTED.format(sign=-1, table="old_reviews")
CAME = COUNTED.format(sign=1, table="new_reviews")
TRIGGERS = {  # event: (transition tables, the rows that moved)
    "insert": ("NEW TABLE AS new_reviews", CAME),
    "update": ("OLD TABLE AS old_reviews NEW TABLE AS new_reviews", f"{LEFT} UNION ALL {CAME}"),
    "delete": ("OLD TABLE AS old_reviews", LEFT),
}


def upgrade() -> None:
    op.create_table(
        "review_counts",
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False, comment="a reason code, or '' for every review"),
        sa.Column("slot", sa.SmallInteger(), nullable=False, comment="the writing connection's pid modulo 16"),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("status", "reason", "slot"),
    )
    for event, (tables, rows) in TRIGGERS.items():
        op.execute(f"CREATE FUNCTION review_queue_counted_{event}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   f"BEGIN {NET.format(rows=rows)} RETURN NULL; END $$")
        op.execute(f"CREATE TRIGGER review_queue_counted_{event} AFTER {event.upper()} ON review_queue "
                   f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION review_queue_counted_{event}()")
    op.execute("CREATE FUNCTION review_queue_counted_truncate() RETURNS trigger LANGUAGE plpgsql AS $$ "
               "BEGIN DELETE FROM review_counts; RETURN NULL; END $$")
    op.execute("CREATE TRIGGER review_queue_counted_truncate AFTER TRUNCATE ON review_queue "
               "FOR EACH STATEMENT EXECUTE FUNCTION review_queue_counted_truncate()")
    op.execute("INSERT INTO review_counts (status, reason, slot, n) "
               f"SELECT status, reason, 0, sum(n) FROM ({COUNTED.format(sign=1, table='review_queue')}) AS present "
               "GROUP BY status, reason")


def downgrade() -> None:
    for event in (*TRIGGERS, "truncate"):
        op.execute(f"DROP TRIGGER review_queue_counted_{event} ON review_queue")
        op.execute(f"DROP FUNCTION review_queue_counted_{event}()")
    op.drop_table("review_counts")
