"""Tables of the DCI API, on the registry's metadata: received messages (replay guard), transactions,
subscriptions, the callback outbox, the notifier's checkpoint, and the clients (keys, audit, sandbox records).

No personal data is stored in the clear: transactions keep statuses and counts, never records; a queued
callback body is sealed (AES-GCM under a key derived from the master secret) and dropped once delivered.
"""

from sqlalchemy import UUID as SqlUUID
from sqlalchemy import BigInteger, Boolean, Column, DateTime, ForeignKey, Index, Integer, Table, Text, func
from sqlalchemy.dialects.postgresql import JSONB

from registry.tables import metadata

dci_messages = Table(
    "dci_messages", metadata,
    Column("sender_id", Text, primary_key=True),
    Column("message_id", Text, primary_key=True),
    Column("action", Text, nullable=False),
    Column("correlation_id", Text, nullable=False),
    Column("digest", Text, nullable=False, comment="BLAKE-512 of the signed header+message"),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    comment="every accepted DCI message once: a replayed (sender_id, message_id) is refused",
)

dci_transactions = Table(
    "dci_transactions", metadata,
    Column("correlation_id", Text, primary_key=True),
    Column("sender_id", Text, nullable=False),
    Column("client_id", Text, nullable=False),
    Column("transaction_id", Text, nullable=False),
    Column("action", Text, nullable=False, comment="search | subscribe | unsubscribe"),
    Column("status", Text, nullable=False, comment="rcvd -> pdng -> succ | rjct"),
    Column("request", Text, comment="the message, sealed (queries may hold a NIK); NULL once processed"),
    Column("scopes", JSONB, nullable=False),
    Column("callback_url", Text),
    Column("summary", JSONB, comment="per reference_id: status, reason, counts (never records)"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("encrypted", Boolean, nullable=False, server_default="false",
           comment="asked encrypted: its answer and callback are encrypted to the client's key"),
    Index("dci_transactions_sender_txn", "sender_id", "transaction_id"),
    Index("dci_transactions_pending", "status", "created_at"),
)

dci_subscriptions = Table(
    "dci_subscriptions", metadata,
    Column("code", Text, primary_key=True),
    Column("sender_id", Text, nullable=False),
    Column("client_id", Text, nullable=False),
    Column("reference_id", Text, nullable=False),
    Column("transaction_id", Text, nullable=False),
    Column("reg_event_type", Text, nullable=False, comment="REGISTER | UPDATE | NewHouseHoldMember | DEATH | ..."),
    Column("filter_type", Text, nullable=False),
    Column("filter", Text, nullable=False, comment="sealed: an idtype-value filter holds a NIK or KK"),
    Column("notify_record_type", Text, nullable=False),
    Column("scopes", JSONB, nullable=False),
    Column("purpose", Text, nullable=False),
    Column("status", Text, nullable=False, server_default="subscribe", comment="subscribe | unsubscribe"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("ended_at", DateTime(timezone=True)),
    Column("frequency", JSONB, comment="EventFrequency: start_time, end_time, frequency (NULL: from created_at on)"),
    Column("encrypted", Boolean, nullable=False, server_default="false",
           comment="subscribed encrypted: its notifies are encrypted to the client's key"),
    Index("dci_subscriptions_active", "status", "reg_event_type"),
)

dci_outbox = Table(
    "dci_outbox", metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("client_id", Text, nullable=False),
    Column("action", Text, nullable=False, comment="on-search | on-subscribe | on-unsubscribe | notify"),
    Column("url", Text, nullable=False),
    Column("body", Text, comment="sealed signed message; NULL once delivered or given up"),
    Column("correlation_id", Text),
    Column("status", Text, nullable=False, server_default="pending", comment="pending | delivered | failed"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("delivered_at", DateTime(timezone=True)),
    Index("dci_outbox_due", "status", "next_attempt_at"),
)

dci_checkpoints = Table(
    "dci_checkpoints", metadata,
    Column("name", Text, primary_key=True),
    Column("tx_id", BigInteger, nullable=False),
    Column("position", BigInteger, nullable=False),
)

dci_clients = Table(
    "dci_clients", metadata,
    Column("client_id", Text, primary_key=True, comment="the OAuth2 client id of the bearer token"),
    Column("sender_id", Text, nullable=False, unique=True, comment="header.sender_id of its messages"),
    Column("name", Text),
    Column("jwks_url", Text, comment="where its public keys are published (besides inline keys)"),
    Column("callback_base", Text),
    Column("callback_origins", JSONB, nullable=False),
    Column("scopes", JSONB, comment="cap on the token's scopes; NULL: the token alone"),
    Column("sandbox", Boolean, nullable=False, server_default="false",
           comment="searches and notifies see only dci_sandbox_households"),
    Column("status", Text, nullable=False, server_default="active", comment="active | revoked"),
    Column("revoked_reason", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("encryption_jwk", JSONB,
           comment="public X25519/RSA JWK answers are encrypted to; NULL: it cannot send encrypted messages"),
    comment="ministry clients of the DCI API, managed without a restart (gotong registry dci client ...)",
)

dci_client_keys = Table(
    "dci_client_keys", metadata,
    Column("client_id", Text, ForeignKey("dci_clients.client_id"), primary_key=True),
    Column("key_id", Text, primary_key=True, comment="the unique_key_id of kidId"),
    Column("public_jwk", JSONB, nullable=False, comment="OKP/Ed25519 public JWK"),
    Column("valid_until", DateTime(timezone=True), comment="NULL: until rotated; set on rotation (overlap)"),
    Column("added_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

dci_client_audit = Table(
    "dci_client_audit", metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("client_id", Text, nullable=False),
    Column("action", Text, nullable=False, comment="add | rotate-key | revoke | seed"),
    Column("actor", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("details", JSONB, nullable=False, comment="what changed (key ids, origins, scopes; never secrets)"),
    Index("dci_client_audit_client", "client_id", "id"),
)

dci_sandbox_households = Table(
    "dci_sandbox_households", metadata,
    Column("household_id", SqlUUID(as_uuid=True), primary_key=True),
    Column("added_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    comment="synthetic/test households: the only ones a sandbox client's searches and notifies see",
)

DCI_TABLES = [dci_messages, dci_transactions, dci_subscriptions, dci_outbox, dci_checkpoints, dci_clients,
              dci_client_keys, dci_client_audit, dci_sandbox_households]
