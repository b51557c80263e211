"""The trigger that fills a payment's household into figures already sealed (0009) looks the learnt payments up
by the leaves' payment id index. As a join of the statement's new rows with `tlog_leaves` the planner scanned
every leaf and every figure row for each batch the projector remembers, most of which have no leaves yet: about
0.1 s a batch at 100,000 leaves, growing with the log (a replay, and the live lag, paid it on every poll). First
it asks, by the index, whether any learnt payment has a leaf at all; the update runs only then, by the index too.

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE OR REPLACE FUNCTION tlog_figures_household() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM learnt n WHERE EXISTS (SELECT 1 FROM tlog_leaves l WHERE l.payment_id = n.payment_id))
    THEN
        UPDATE tlog_figures f SET household_ref = m.household_ref
        FROM (SELECT l.idx, n.household_ref FROM learnt n
              CROSS JOIN LATERAL (SELECT idx FROM tlog_leaves x WHERE x.payment_id = n.payment_id OFFSET 0) l) m
        WHERE f.idx = m.idx AND f.household_ref IS DISTINCT FROM m.household_ref;
    END IF;
    RETURN NULL;
END $$""")


def downgrade() -> None:
    op.execute("""
CREATE OR REPLACE FUNCTION tlog_figures_household() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tlog_figures f SET household_ref = learnt.household_ref
    FROM learnt JOIN tlog_leaves l ON l.payment_id = learnt.payment_id
    WHERE f.idx = l.idx AND f.household_ref IS DISTINCT FROM learnt.household_ref;
    RETURN NULL;
END $$""")
