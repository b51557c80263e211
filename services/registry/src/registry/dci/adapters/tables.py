"""Tables of the DCI API, on the registry's metadata: received messages (replay guard), transactions,
subscriptions, the callback outbox and the notifier's checkpoint.

No personal data is stored in the clear: transactions keep statuses and counts, never records; a queued
callback body is sealed (AES-GCM under a key derived from the master secret) and dropped once delivered.
"""

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, Table, Text, func
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

DCI_TABLES = [dci_messages, dci_transactions, dci_subscriptions, dci_outbox, dci_checkpoints]
