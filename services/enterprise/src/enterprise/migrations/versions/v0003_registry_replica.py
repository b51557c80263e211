"""The registry households replica (references, region, desil, erased/merged).

Revision ID: 0003
Revises: 0002
"""

from alembic import op

from enterprise.tables import registry_households

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    registry_households.create(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    registry_households.drop(op.get_bind(), checkfirst=True)
