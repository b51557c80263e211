"""DCI API: received messages (replay guard), transactions, subscriptions, callback outbox, notifier checkpoint.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

from registry.entrypoints.dci.tables import DCI_TABLES
from registry.tables import metadata

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # checkfirst: 0002 creates the whole metadata, which holds these tables once this module is imported
    metadata.create_all(op.get_bind(), tables=DCI_TABLES, checkfirst=True)


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=DCI_TABLES, checkfirst=True)
