"""The disbursement service's own tables: the eligibility replica, programs, cycles, entitlements, payments and
reconciliation exceptions (the kit's tables live in `kit_metadata`)."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

metadata = MetaData()

# The newest non-personal state of each household, from `registry.events` (never from the registry's tables).
households = Table(
    "households", metadata,
    Column("household_ref", Text, primary_key=True),
    Column("household_version", Integer, nullable=False),
    Column("village_code", Text, nullable=False),
    Column("district_code", Text, nullable=False),
    Column("regency_code", Text, nullable=False),
    Column("province_code", Text, nullable=False),
    Column("verification", Text, nullable=False),
    Column("desil", SmallInteger),
    Column("desil_rule_version", Text),
    Column("desil_snapshot", Text),
    # Every ranking snapshot received ([{snapshot, desil, rule_version}]): a cycle uses the one in force at its
    # cut-off (`eligibility.ranking_in_force`), never the greatest label.
    Column("rankings", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("members", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    # The last day anyone is in the household (9999-12-31: someone still is), from the members at ingest.
    Column("present_until", Date),
    Column("erased", Boolean, nullable=False, server_default=text("false")),
    Column("merged_into", Text),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("households_eligible_desil", "desil", postgresql_where=text("NOT erased AND merged_into IS NULL")),
    Index("households_merged_into", "merged_into", postgresql_where=text("merged_into IS NOT NULL")),
)

programs = Table(
    "programs", metadata,
    Column("program_id", UUID(as_uuid=True), primary_key=True),
    Column("code", Text, nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("funding_source", Text, nullable=False),
    Column("csr_allocation_id", Text),
    Column("rule_version", Text, nullable=False),
    Column("budget", BigInteger, nullable=False),
    Column("definition", JSONB, nullable=False),
    Column("defined_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("budget >= 0", name="program_budget_not_negative"),
)

# Definitions proposed over the API and not yet approved by a second officer: not in force, not published.
program_drafts = Table(
    "program_drafts", metadata,
    Column("program_id", UUID(as_uuid=True), primary_key=True),
    Column("code", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("rule_version", Text, nullable=False),
    Column("definition", JSONB, nullable=False),
    Column("proposed_by", ARRAY(Text), nullable=False),
    Column("proposed_at", DateTime(timezone=True), nullable=False),
)

cycles = Table(
    "cycles", metadata,
    Column("cycle_id", UUID(as_uuid=True), primary_key=True),
    Column("program_id", UUID(as_uuid=True), nullable=False),
    Column("period", Text, nullable=False),
    Column("cutoff", Date, nullable=False),
    Column("status", Text, nullable=False),
    Column("rule_version", Text, nullable=False),
    Column("households", Integer, nullable=False, server_default="0"),
    Column("held", Integer, nullable=False, server_default="0"),
    Column("total_amount", BigInteger, nullable=False, server_default="0"),
    Column("opened_by", Text, nullable=False),
    Column("computed_by", Text),
    Column("reviewed_by", Text),
    Column("approved_by", Text),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("approved_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
    # One cycle per program and period: a period is never paid twice.
    UniqueConstraint("program_id", "period", name="cycles_one_per_period"),
)

entitlements = Table(
    "entitlements", metadata,
    Column("cycle_id", UUID(as_uuid=True), nullable=False),
    Column("program_id", UUID(as_uuid=True), nullable=False),
    Column("household_ref", Text, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("status", Text, nullable=False),  # eligible | held | cancelled
    Column("members_counted", SmallInteger, nullable=False, server_default="0"),
    Column("desil", SmallInteger),
    Column("desil_rule_version", Text),
    Column("desil_snapshot", Text),  # the registry ranking the decision used
    Column("household_version", Integer, nullable=False),
    Column("village_code", Text, nullable=False),
    Column("regency_code", Text, nullable=False),
    Column("province_code", Text, nullable=False),
    Column("computed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("released_at", DateTime(timezone=True)),  # a held entitlement the registry cleared
    UniqueConstraint("program_id", "cycle_id", "household_ref", name="entitlements_once"),
    Index("entitlements_released", "cycle_id", postgresql_where=text("released_at IS NOT NULL")),
    CheckConstraint("amount >= 0", name="entitlement_amount_not_negative"),
)

payments = Table(
    "payments", metadata,
    Column("payment_id", UUID(as_uuid=True), primary_key=True),
    Column("cycle_id", UUID(as_uuid=True), nullable=False),
    Column("program_id", UUID(as_uuid=True), nullable=False),
    Column("household_ref", Text, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("status", Text, nullable=False),  # instructed | reissued | paid | failed | returned
    # The channel knows an attempt as reference id `<payment_id>.<attempt>` (G2P Connect reference_id).
    Column("attempt", SmallInteger, nullable=False, server_default="1"),
    Column("version", Integer, nullable=False, server_default="1"),  # of the payment's event stream
    Column("transaction_id", Text),
    Column("village_code", Text, nullable=False),
    Column("regency_code", Text, nullable=False),
    Column("province_code", Text, nullable=False),
    Column("desil", SmallInteger),
    Column("confirmed_amount", BigInteger),
    Column("instructed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("sent_at", DateTime(timezone=True)),
    Column("status_checked_at", DateTime(timezone=True)),
    Column("confirmed_at", DateTime(timezone=True)),
    # The rule the whole service exists to keep: one payment per program, cycle and household. Its index also
    # serves every query of a cycle's payments (they name program and cycle).
    UniqueConstraint("program_id", "cycle_id", "household_ref", name="payments_once"),
    Index("payments_to_send", "instructed_at", postgresql_where=text("sent_at IS NULL")),
    Index("payments_by_household", "household_ref"),
)

reconciliation_exceptions = Table(
    "reconciliation_exceptions", metadata,
    Column("exception_id", UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")),
    Column("payment_id", UUID(as_uuid=True), nullable=False),
    Column("cycle_id", UUID(as_uuid=True), nullable=False),
    Column("attempt", SmallInteger, nullable=False),
    Column("kind", Text, nullable=False),  # failed | returned | amount_mismatch | unknown_reference
    Column("instructed_amount", BigInteger, nullable=False),
    Column("confirmed_amount", BigInteger),
    Column("reason", Text),
    Column("status", Text, nullable=False, server_default="open"),  # open | resolved
    Column("resolution", Text),
    Column("resolved_by", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("resolved_at", DateTime(timezone=True)),
    UniqueConstraint("payment_id", "attempt", "kind", name="exception_once"),
    Index("exceptions_open", "cycle_id", postgresql_where=text("status = 'open'")),
)

# The replay guard of the channel's callbacks: a signed message is accepted once, in the transaction that applies it.
g2p_callbacks = Table(
    "g2p_callbacks", metadata,
    Column("sender_id", Text, primary_key=True),
    Column("message_id", Text, primary_key=True),
    Column("action", Text, nullable=False),
    Column("digest", Text, nullable=False, comment="BLAKE-512 of the signed header+message"),
    Column("expires_at", DateTime(timezone=True), nullable=False, comment="the signature's expires"),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("g2p_callbacks_expiry", "expires_at"),
    comment="every accepted G2P callback once: a replayed (sender_id, message_id) is refused",
)

__all__ = ["metadata"]
