"""The console's own tables: the operational read model the dashboard counts (`console_items`,
`console_paid_minutes`, kept by the consumer from the published facts) and the officers' sessions
(`console_sessions`, `console_sign_ins`: server-side, the browser holds only a random id). The kit's tables
live in `kit_metadata`."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, MetaData, Table, Text, text

metadata = MetaData()

console_items = Table(
    "console_items", metadata,
    Column("kind", Text, primary_key=True),
    Column("item_id", Text, primary_key=True),
    Column("state", Text, nullable=False),
    Column("reason", Text, nullable=False, server_default=text("''")),
    Column("since", DateTime(timezone=True), nullable=False),
    Column("amount", BigInteger, nullable=False, server_default=text("0")),
    Column("version", BigInteger, nullable=False, server_default=text("0")),
)
Index("console_items_kind_state", console_items.c.kind, console_items.c.state)
# A kind's list in keyset order and the review queue counted by reason and age, both from the index alone.
Index("console_items_kind_since", console_items.c.kind, console_items.c.since, console_items.c.item_id,
      postgresql_include=["state", "reason"])

# Kept by the trigger `console_items_count` (migration 0005) in the transaction that changes an item: per kind,
# state and reason (reviews also per hour opened), how many items and their amount. Rows may fall to n = 0.
console_counts = Table(
    "console_counts", metadata,
    Column("kind", Text, primary_key=True),
    Column("state", Text, primary_key=True),
    Column("reason", Text, primary_key=True),
    Column("hour", DateTime(timezone=True), primary_key=True),
    Column("n", BigInteger, nullable=False),
    Column("amount", BigInteger, nullable=False),
)

console_paid_minutes = Table(
    "console_paid_minutes", metadata,
    Column("minute", DateTime(timezone=True), primary_key=True),
    Column("payments", Integer, nullable=False),
)

console_sessions = Table(
    "console_sessions", metadata,
    # SHA-256 of the cookie's random id: a leaked table does not hand out live sessions.
    Column("id_hash", Text, primary_key=True),
    Column("username", Text, nullable=False),
    Column("display_name", Text, nullable=False),
    Column("roles", Text, nullable=False),
    Column("scopes", Text, nullable=False),
    Column("access_token", Text, nullable=False),
    Column("csrf", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("token_expires_at", DateTime(timezone=True), nullable=False),
)

console_sign_ins = Table(
    "console_sign_ins", metadata,
    Column("state_hash", Text, primary_key=True),
    Column("verifier", Text, nullable=False),
    Column("nonce", Text, nullable=False),
    Column("return_to", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
