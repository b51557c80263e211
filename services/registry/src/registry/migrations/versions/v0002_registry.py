"""Registry read models, blind indexes, household keys, review queue, ranking snapshots, audit, imports.

Frozen: explicit ops for the tables as they were at 384f94b, when this revision was written. Never edit it;
add a revision instead.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "desil_snapshots",
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.Column("household_id", sa.UUID(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("desil", sa.SmallInteger(), nullable=False),
        sa.Column("desil_province", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("snapshot", "household_id"),
    )
    op.create_table(
        "household_keys",
        sa.Column("household_id", sa.UUID(), nullable=False),
        sa.Column("wrapped_dek", sa.LargeBinary(), nullable=False),
        sa.Column("key_id", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("household_id"),
    )
    op.create_table(
        "households",
        sa.Column("household_id", sa.UUID(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("village_code", sa.Text(), nullable=False),
        sa.Column("district_code", sa.Text(), nullable=False),
        sa.Column("regency_code", sa.Text(), nullable=False),
        sa.Column("province_code", sa.Text(), nullable=False),
        sa.Column("verification", sa.Text(), nullable=False),
        sa.Column("members", postgresql.JSONB(), nullable=False, comment="non-personal member facts"),
        sa.Column("attributes", postgresql.JSONB(), nullable=False),
        sa.Column("pii", sa.Text(), nullable=True, comment="sealed personal data; NULL once erased"),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("desil", sa.SmallInteger(), nullable=True),
        sa.Column("desil_province", sa.SmallInteger(), nullable=True),
        sa.Column("rule_version", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), server_default="active", nullable=False, comment="active | merged | erased"),
        sa.Column("registered_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("household_id"),
    )
    op.create_index("households_province_desil", "households", ["province_code", "desil"])
    op.create_index("households_village", "households", ["village_code"])
    op.create_table(
        "import_rejects",
        sa.Column("file_sha256", sa.Text(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("field", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("file_sha256", "line"),
    )
    op.create_table(
        "import_runs",
        sa.Column("file_sha256", sa.Text(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("next_line", sa.Integer(), server_default="1", nullable=False),
        sa.Column("imported", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rejected", sa.Integer(), server_default="0", nullable=False),
        sa.Column("done", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("file_sha256"),
    )
    op.create_table(
        "kk_index",
        sa.Column("kk_hash", sa.LargeBinary(), nullable=False),
        sa.Column("household_id", sa.UUID(), nullable=False),
        sa.PrimaryKeyConstraint("kk_hash", "household_id"),
    )
    op.create_index("kk_index_household", "kk_index", ["household_id"])
    op.create_table(
        "name_index",
        sa.Column("match_hash", sa.LargeBinary(), nullable=False,
            comment="blind(district | birth date | phonetic name)"),
        sa.Column("name_hash", sa.LargeBinary(), nullable=False, comment="blind(village | normalised full name)"),
        sa.Column("household_id", sa.UUID(), nullable=False),
        sa.Column("member_ref", sa.Text(), nullable=False),
    )
    op.create_index("name_index_household", "name_index", ["household_id"])
    op.create_index("name_index_match", "name_index", ["match_hash"])
    op.create_index("name_index_name", "name_index", ["name_hash"])
    op.create_table(
        "person_index",
        sa.Column("nik_hash", sa.LargeBinary(), nullable=False),
        sa.Column("household_id", sa.UUID(), nullable=False),
        sa.Column("member_ref", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.UniqueConstraint("nik_hash", "household_id", name="person_index_once_per_household"),
    )
    op.create_index("person_index_household", "person_index", ["household_id"])
    op.create_index("person_index_nik", "person_index", ["nik_hash"])
    op.create_table(
        "pii_access_log",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("client_id", sa.Text(), nullable=True),
        sa.Column("household_id", sa.UUID(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False, comment="ops-api | dci | cli"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("pii_access_actor", "pii_access_log", ["actor", "at"])
    op.create_index("pii_access_household", "pii_access_log", ["household_id", "at"])
    op.create_table(
        "ranking_runs",
        sa.Column("snapshot", sa.Text(), nullable=False, comment="e.g. 2026-Q4"),
        sa.Column("rule_version", sa.Text(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("snapshot"),
    )
    op.create_table(
        "recipients",
        sa.Column("household_id", sa.UUID(), nullable=False),
        sa.Column("program_code", sa.Text(), nullable=False),
        sa.Column("period", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("household_id", "program_code", "period"),
    )
    op.create_table(
        "review_queue",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("household_id", sa.UUID(), nullable=False),
        sa.Column("reasons", postgresql.JSONB(), nullable=False),
        sa.Column("status", sa.Text(), server_default="open", nullable=False, comment="open | proposed | decided"),
        sa.Column("proposed_by", sa.Text(), nullable=True),
        sa.Column("proposal", sa.Text(), nullable=True),
        sa.Column("proposal_note", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_review_queue_household_id", "review_queue", ["household_id"])


def downgrade() -> None:
    op.drop_table("review_queue")
    op.drop_table("recipients")
    op.drop_table("ranking_runs")
    op.drop_table("pii_access_log")
    op.drop_table("person_index")
    op.drop_table("name_index")
    op.drop_table("kk_index")
    op.drop_table("import_runs")
    op.drop_table("import_rejects")
    op.drop_table("households")
    op.drop_table("household_keys")
    op.drop_table("desil_snapshots")
