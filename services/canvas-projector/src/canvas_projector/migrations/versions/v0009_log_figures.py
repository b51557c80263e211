"""Each leaf of the log once more as typed columns for the payment figures (`tlog_figures`): household (from the
private table, or the record for records sealed before households left it), program, region, desil, period,
when, and the net amount (paid +, returned -, else 0). Kept by triggers in the transaction that appends the
leaves (and that learns a payment's household), so the portal no longer parses a million JSON records per
request. Existing leaves are copied once here.

And a change counter per replica that changes in place (`proj_change_counters`; the register's households for
now), bumped by a statement trigger in the writing transaction: the portal remembers figures over it until it
changes.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_FROM_LEAVES = """
    INSERT INTO tlog_figures (idx, household_ref, program_code, region_code, province, regency, desil, period,
                              occurred_at, net)
    SELECT n.idx, coalesce(h.household_ref, n.r->>'household_ref'), n.r->>'program_code', n.r->>'region_code',
           split_part(n.r->>'region_code', '.', 1),
           split_part(n.r->>'region_code', '.', 1) || '.' || split_part(n.r->>'region_code', '.', 2),
           n.r->>'desil', n.r->>'period', (n.r->>'occurred_at')::timestamptz,
           CASE n.r->>'status' WHEN 'paid' THEN (n.r->>'amount')::bigint
                               WHEN 'returned' THEN -(n.r->>'amount')::bigint ELSE 0 END
    FROM (SELECT idx, payment_id, convert_from(leaf, 'UTF8')::jsonb AS r FROM {source}) n
    LEFT JOIN tlog_payment_households h ON h.payment_id = n.payment_id"""


def upgrade() -> None:
    op.create_table(
        "tlog_figures",
        sa.Column("idx", sa.BigInteger(), nullable=False),
        sa.Column("household_ref", sa.Text(), nullable=True),
        sa.Column("program_code", sa.Text(), nullable=True),
        sa.Column("region_code", sa.Text(), nullable=True),
        sa.Column("province", sa.Text(), nullable=True),
        sa.Column("regency", sa.Text(), nullable=True),
        sa.Column("desil", sa.Text(), nullable=True),
        sa.Column("period", sa.Text(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("net", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("idx"),
    )
    # a province's drill-down and a program's page read their rows only
    op.create_index("ix_tlog_figures_province", "tlog_figures", ["province"])
    op.create_index("ix_tlog_figures_program_code", "tlog_figures", ["program_code"])
    op.execute(f"""
CREATE FUNCTION tlog_figures_append() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{_FROM_LEAVES.format(source="appended")};
    RETURN NULL;
END $$""")
    op.execute("""
CREATE FUNCTION tlog_figures_remove() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE tlog_figures;
    ELSE
        DELETE FROM tlog_figures f USING removed WHERE f.idx = removed.idx;
    END IF;
    RETURN NULL;
END $$""")
    # a household learnt after its payment's leaves were sealed (not the projector's order, but never wrong)
    op.execute("""
CREATE FUNCTION tlog_figures_household() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tlog_figures f SET household_ref = learnt.household_ref
    FROM learnt JOIN tlog_leaves l ON l.payment_id = learnt.payment_id
    WHERE f.idx = l.idx AND f.household_ref IS DISTINCT FROM learnt.household_ref;
    RETURN NULL;
END $$""")
    op.execute("CREATE TRIGGER tlog_figures_append AFTER INSERT ON tlog_leaves REFERENCING NEW TABLE AS appended "
               "FOR EACH STATEMENT EXECUTE FUNCTION tlog_figures_append()")
    op.execute("CREATE TRIGGER tlog_figures_delete AFTER DELETE ON tlog_leaves REFERENCING OLD TABLE AS removed "
               "FOR EACH STATEMENT EXECUTE FUNCTION tlog_figures_remove()")
    op.execute("CREATE TRIGGER tlog_figures_truncate AFTER TRUNCATE ON tlog_leaves "
               "FOR EACH STATEMENT EXECUTE FUNCTION tlog_figures_remove()")
    op.execute("CREATE TRIGGER tlog_figures_household AFTER INSERT ON tlog_payment_households "
               "REFERENCING NEW TABLE AS learnt FOR EACH STATEMENT EXECUTE FUNCTION tlog_figures_household()")
    op.execute(_FROM_LEAVES.format(source="tlog_leaves"))
    op.create_table(
        "proj_change_counters",
        sa.Column("table_name", sa.Text(), nullable=False),
        sa.Column("changes", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("table_name"),
    )
    op.execute("INSERT INTO proj_change_counters (table_name) VALUES ('proj_registry_households')")
    op.execute("""
CREATE FUNCTION proj_count_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE proj_change_counters SET changes = changes + 1 WHERE table_name = TG_TABLE_NAME;
    RETURN NULL;
END $$""")
    op.execute("CREATE TRIGGER proj_registry_households_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
               "ON proj_registry_households FOR EACH STATEMENT EXECUTE FUNCTION proj_count_change()")


def downgrade() -> None:
    op.execute("DROP TRIGGER proj_registry_households_changed ON proj_registry_households")
    op.execute("DROP FUNCTION proj_count_change()")
    op.drop_table("proj_change_counters")
    op.execute("DROP TRIGGER tlog_figures_household ON tlog_payment_households")
    for trigger in ("tlog_figures_append", "tlog_figures_delete", "tlog_figures_truncate"):
        op.execute(f"DROP TRIGGER {trigger} ON tlog_leaves")
    for function in ("tlog_figures_append", "tlog_figures_remove", "tlog_figures_household"):
        op.execute(f"DROP FUNCTION {function}()")
    op.drop_table("tlog_figures")
