"""The canvas-projector's own tables: the transparency log (staged records, leaves, tree nodes, checkpoints)."""

from sqlalchemy import BigInteger, Column, DateTime, Index, LargeBinary, MetaData, SmallInteger, Table, Text, func

metadata = MetaData()

tlog_staged = Table(
    "tlog_staged", metadata,
    Column("record_key", Text, primary_key=True),  # payment id + status: one leaf per record however often sent
    Column("source_tx_id", BigInteger, nullable=False),
    Column("source_position", BigInteger, nullable=False),
    Column("payment_id", Text, nullable=False),
    Column("leaf", LargeBinary, nullable=False),  # canonical JSON of the record, exactly as it will be hashed
    Column("staged_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("tlog_staged_order", "source_tx_id", "source_position"),
)

tlog_leaves = Table(
    "tlog_leaves", metadata,
    Column("idx", BigInteger, primary_key=True),
    Column("record_key", Text, nullable=False, unique=True),
    Column("payment_id", Text, nullable=False, index=True),
    Column("leaf", LargeBinary, nullable=False),  # the exact bytes hashed: canonical JSON of the record
    Column("appended_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

tlog_nodes = Table(
    "tlog_nodes", metadata,
    Column("level", SmallInteger, primary_key=True),
    Column("idx", BigInteger, primary_key=True),
    Column("hash", LargeBinary, nullable=False),
)

tlog_checkpoints = Table(
    "tlog_checkpoints", metadata,
    Column("size", BigInteger, primary_key=True),
    Column("root", LargeBinary, nullable=False),
    Column("note", Text, nullable=False),
    Column("signed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# -- replicas of other services' published facts (for the portal, open data and IATI) -------------------------
programs = Table(
    "proj_programs", metadata,
    Column("program_id", Text, primary_key=True),
    Column("code", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("funding_source", Text, nullable=False),
    Column("eligibility_summary", Text, nullable=False),
    Column("defined_at", DateTime(timezone=True), nullable=False),
)

companies = Table(
    "proj_companies", metadata,
    Column("company_id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("sector", Text, nullable=False),
    Column("tjsl_mandatory", Text, nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False),
)

csr_flows = Table(
    "proj_csr_flows", metadata,
    Column("flow_key", Text, primary_key=True),  # event kind + id (+ status): a redelivery changes nothing
    Column("kind", Text, nullable=False),  # pledge | deposit | allocation | spending
    Column("company_id", Text, nullable=False, index=True),
    Column("amount", BigInteger, nullable=False),  # signed: a returned payment is negative spending
    Column("counterpart", Text),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
)
