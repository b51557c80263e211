"""Encrypted DCI messages: a client's public encryption key (X25519 or RSA JWK) beside its signing keys, and
whether a transaction or a subscription was asked for encrypted (its answers, callbacks and notifies then are).

Frozen: explicit ops for the tables as they were when this revision was written. Never edit it; add a revision
instead.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("dci_clients", sa.Column(
        "encryption_jwk", postgresql.JSONB(astext_type=sa.Text()), nullable=True,
        comment="public X25519/RSA JWK answers are encrypted to; NULL: it cannot send encrypted messages"))
    op.add_column("dci_transactions", sa.Column(
        "encrypted", sa.Boolean(), server_default="false", nullable=False,
        comment="asked encrypted: its answer and callback are encrypted to the client's key"))
    op.add_column("dci_subscriptions", sa.Column(
        "encrypted", sa.Boolean(), server_default="false", nullable=False,
        comment="subscribed encrypted: its notifies are encrypted to the client's key"))


def downgrade() -> None:
    op.drop_column("dci_subscriptions", "encrypted")
    op.drop_column("dci_transactions", "encrypted")
    op.drop_column("dci_clients", "encryption_jwk")
