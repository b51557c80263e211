"""The kit's shared rate limits: `rate_limits` (unlogged; per-client GCRA state under a keyed MAC of the
address, never the address) and `used_challenges` (proof-of-work challenges redeemed once), so that the public
channel's limits hold across replicas.

Frozen: the kit's frozen ops (`create_shared_limit_tables`). Never edit it; add a revision instead.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

from gotong.api.shared_limits import create_shared_limit_tables, drop_shared_limit_tables

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_shared_limit_tables(op)


def downgrade() -> None:
    drop_shared_limit_tables(op)
