"""The csr-ledger service's own tables: the ledger (accounts, transfers) and the CSR read models."""

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import UUID

metadata = MetaData()

ledger_accounts = Table(
    "ledger_accounts", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("code", Text, nullable=False),
    Column("flags", SmallInteger, nullable=False),
    Column("name", Text, nullable=False),
    Column("company_id", UUID(as_uuid=True)),
    Column("debits_pending", BigInteger, nullable=False, server_default="0"),
    Column("debits_posted", BigInteger, nullable=False, server_default="0"),
    Column("credits_pending", BigInteger, nullable=False, server_default="0"),
    Column("credits_posted", BigInteger, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("debits_pending >= 0 AND debits_posted >= 0 AND credits_pending >= 0 AND credits_posted >= 0",
                    name="ledger_amounts_not_negative"),
    # The database refuses an overdraft even if application code ever got it wrong.
    CheckConstraint("flags & 2 = 0 OR debits_pending + debits_posted <= credits_posted",
                    name="ledger_debits_must_not_exceed_credits"),
    CheckConstraint("flags & 4 = 0 OR credits_pending + credits_posted <= debits_posted",
                    name="ledger_credits_must_not_exceed_debits"),
)

ledger_transfers = Table(
    "ledger_transfers", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("seq", BigInteger, Identity(), nullable=False),
    Column("debit_account_id", UUID(as_uuid=True), nullable=False),
    Column("credit_account_id", UUID(as_uuid=True), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("code", Text, nullable=False),
    Column("reference", Text, nullable=False),
    Column("flags", SmallInteger, nullable=False),
    Column("pending_id", UUID(as_uuid=True)),
    Column("timeout", Integer, nullable=False),
    Column("timestamp", DateTime(timezone=True), nullable=False),
    Column("pending_state", Text),  # for pending transfers: pending | posted | voided | expired
    CheckConstraint("amount > 0", name="ledger_transfer_amount_positive"),
    Index("ledger_transfers_debit", "debit_account_id", "seq"),
    Index("ledger_transfers_credit", "credit_account_id", "seq"),
    Index("ledger_transfers_open_pending", "timestamp", postgresql_where="pending_state = 'pending'"),
)

companies = Table(
    "companies", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", Text, nullable=False),
    Column("nib", Text, nullable=False, unique=True),
    Column("npwp", Text, nullable=False),
    Column("sector", Text, nullable=False),
    Column("tjsl_mandatory", Boolean, nullable=False),
    Column("fund_account_id", UUID(as_uuid=True), nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False),
)

pledges = Table(
    "pledges", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("company_id", UUID(as_uuid=True), nullable=False, index=True),
    Column("year", SmallInteger, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("themes", ARRAY(Text), nullable=False),
    Column("sdgs", ARRAY(SmallInteger), nullable=False),
    Column("regions", ARRAY(Text), nullable=False),
    Column("pledged_at", DateTime(timezone=True), nullable=False),
)

allocations = Table(
    "allocations", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("company_id", UUID(as_uuid=True), nullable=False, index=True),
    Column("target_kind", Text, nullable=False),  # program | enterprise | project
    Column("target_id", Text, nullable=False),
    Column("target_name", Text, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("sdgs", ARRAY(SmallInteger), nullable=False),
    Column("region", Text),
    Column("status", Text, nullable=False),  # pending_approval | approved | rejected | expired
    Column("account_id", UUID(as_uuid=True), nullable=False),
    Column("transfer_id", UUID(as_uuid=True), nullable=False),
    Column("maker", Text, nullable=False),
    Column("checker", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("decided_at", DateTime(timezone=True)),
)

spending = Table(
    "spending", metadata,
    Column("payment_id", Text, primary_key=True),
    Column("attempt", Integer, primary_key=True, server_default="1"),  # 1, then +1 per reissue
    Column("part", SmallInteger, primary_key=True, server_default="0"),  # 1+: the next funder's share
    Column("allocation_id", UUID(as_uuid=True), nullable=False, index=True),
    Column("company_id", UUID(as_uuid=True), nullable=False),
    Column("account_id", UUID(as_uuid=True), nullable=False),
    Column("program_id", Text, nullable=False),
    Column("province_code", Text, nullable=False),
    Column("regency_code", Text, nullable=False),
    Column("household_ref", Text, nullable=False),  # pseudonymous; never published per person
    Column("amount", BigInteger, nullable=False),
    Column("status", Text, nullable=False),  # paid | returned (that attempt's money came back)
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

programs = Table(
    "programs", metadata,  # disbursement's programs (from ProgramDefined): what an allocation may target
    Column("code", Text, primary_key=True),
    Column("program_id", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("funding_source", Text, nullable=False),
    Column("defined_at", DateTime(timezone=True), nullable=False),
)
