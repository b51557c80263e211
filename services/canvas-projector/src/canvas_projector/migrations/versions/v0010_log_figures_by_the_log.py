"""The log writes its leaves' payment figures itself: the sealer appends a batch's `tlog_figures` rows in one
statement from the records' fields it already holds, and the trigger of 0009, which parsed every appended
leaf's JSON again (a replay appended leaves seven times slower with it), stands aside for that transaction's
appends. It still fills the figures for any other writer of `tlog_leaves` (a bulk load, a restore), the same
rows as before.

The log says so with a transaction-local setting, `gotong.tlog_figures = 'written'`, around its COPY of the
leaves only.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_FROM_APPENDED = """
    INSERT INTO tlog_figures (idx, household_ref, program_code, region_code, province, regency, desil, period,
                              occurred_at, net)
    SELECT n.idx, coalesce(h.household_ref, n.r->>'household_ref'), n.r->>'program_code', n.r->>'region_code',
           split_part(n.r->>'region_code', '.', 1),
           split_part(n.r->>'region_code', '.', 1) || '.' || split_part(n.r->>'region_code', '.', 2),
           n.r->>'desil', n.r->>'period', (n.r->>'occurred_at')::timestamptz,
           CASE n.r->>'status' WHEN 'paid' THEN (n.r->>'amount')::bigint
                               WHEN 'returned' THEN -(n.r->>'amount')::bigint ELSE 0 END
    FROM (SELECT idx, payment_id, convert_from(leaf, 'UTF8')::jsonb AS r FROM appended) n
    LEFT JOIN tlog_payment_households h ON h.payment_id = n.payment_id"""


def upgrade() -> None:
    op.execute(f"""
CREATE OR REPLACE FUNCTION tlog_figures_append() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('gotong.tlog_figures', true) = 'written' THEN
        RETURN NULL;  -- the log wrote these leaves' figures itself, in this transaction
    END IF;
{_FROM_APPENDED};
    RETURN NULL;
END $$""")


def downgrade() -> None:
    op.execute(f"""
CREATE OR REPLACE FUNCTION tlog_figures_append() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{_FROM_APPENDED};
    RETURN NULL;
END $$""")
