"""What the kit's tables gained after their first revision: relay watermarks and the broker epoch.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from gotong.migrations import downgrade_kit_since_first_release, upgrade_kit_since_first_release

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_kit_since_first_release(op)


def downgrade() -> None:
    downgrade_kit_since_first_release(op)
