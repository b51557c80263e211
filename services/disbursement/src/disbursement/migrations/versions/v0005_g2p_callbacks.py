"""The replay guard of the payment channel's signed callbacks (`g2p_callbacks`): each accepted message once.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "g2p_callbacks",
        sa.Column("sender_id", sa.Text(), nullable=False),
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("digest", sa.Text(), nullable=False, comment="BLAKE-512 of the signed header+message"),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, comment="the signature's expires"),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.PrimaryKeyConstraint("sender_id", "message_id"),
        comment="every accepted G2P callback once: a replayed (sender_id, message_id) is refused",
    )
    op.create_index("g2p_callbacks_expiry", "g2p_callbacks", ["expires_at"])


def downgrade() -> None:
    op.drop_index("g2p_callbacks_expiry", table_name="g2p_callbacks")
    op.drop_table("g2p_callbacks")
