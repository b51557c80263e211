"""DCI clients managed without a restart: `dci_clients`, their keys (with an overlap window on rotation), the
audit of every change, the synthetic/test households a sandbox client is limited to; and the `frequency` of a
subscription.

Frozen: explicit ops for the tables as they were when this revision was written. Never edit it; add a revision
instead.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("dci_subscriptions", sa.Column(
        "frequency", postgresql.JSONB(astext_type=sa.Text()), nullable=True,
        comment="EventFrequency: start_time, end_time, frequency (NULL: from created_at on)"))
    op.create_table(
        "dci_clients",
        sa.Column("client_id", sa.Text(), nullable=False, comment="the OAuth2 client id of the bearer token"),
        sa.Column("sender_id", sa.Text(), nullable=False, comment="header.sender_id of its messages"),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("jwks_url", sa.Text(), nullable=True,
                  comment="where its public keys are published (besides inline keys)"),
        sa.Column("callback_base", sa.Text(), nullable=True),
        sa.Column("callback_origins", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("scopes", postgresql.JSONB(astext_type=sa.Text()), nullable=True,
                  comment="cap on the token's scopes; NULL: the token alone"),
        sa.Column("sandbox", sa.Boolean(), server_default="false", nullable=False,
                  comment="searches and notifies see only dci_sandbox_households"),
        sa.Column("status", sa.Text(), server_default="active", nullable=False, comment="active | revoked"),
        sa.Column("revoked_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("client_id"),
        sa.UniqueConstraint("sender_id"),
        comment="ministry clients of the DCI API, managed without a restart (gotong registry dci client ...)",
    )
    op.create_table(
        "dci_client_keys",
        sa.Column("client_id", sa.Text(), nullable=False),
        sa.Column("key_id", sa.Text(), nullable=False, comment="the unique_key_id of kidId"),
        sa.Column("public_jwk", postgresql.JSONB(astext_type=sa.Text()), nullable=False,
                  comment="OKP/Ed25519 public JWK"),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True,
                  comment="NULL: until rotated; set on rotation (overlap)"),
        sa.Column("added_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["dci_clients.client_id"]),
        sa.PrimaryKeyConstraint("client_id", "key_id"),
    )
    op.create_table(
        "dci_client_audit",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("client_id", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False, comment="add | rotate-key | revoke | seed"),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=False,
                  comment="what changed (key ids, origins, scopes; never secrets)"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("dci_client_audit_client", "dci_client_audit", ["client_id", "id"])
    op.create_table(
        "dci_sandbox_households",
        sa.Column("household_id", sa.UUID(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("household_id"),
        comment="synthetic/test households: the only ones a sandbox client's searches and notifies see",
    )


def downgrade() -> None:
    op.drop_table("dci_sandbox_households")
    op.drop_index("dci_client_audit_client", table_name="dci_client_audit")
    op.drop_table("dci_client_audit")
    op.drop_table("dci_client_keys")
    op.drop_table("dci_clients")
    op.drop_column("dci_subscriptions", "frequency")
