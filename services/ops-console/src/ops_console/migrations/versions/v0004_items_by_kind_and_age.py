"""A kind's items in (since, item_id) order with their state and reason: the allocation list's keyset pages and
the review queue's count by reason and age read the index alone.

Frozen: explicit ops for the tables as they were when this revision was written. Never edit it; add a
revision instead.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("console_items_kind_since", "console_items", ["kind", "since", "item_id"],
                    postgresql_include=["state", "reason"])


def downgrade() -> None:
    op.drop_index("console_items_kind_since", table_name="console_items")
