"""The canvas-projector's own tables: the transparency log (staged records, leaves, tree nodes, checkpoints)."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    LargeBinary,
    MetaData,
    SmallInteger,
    Table,
    Text,
    false,
    func,
)

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

#: Which household each payment reached, for counting households: private, keyed by payment id, never served. The
#: log's records leave the household out (since 2026-12), so no receipt leads to the same household's others.
tlog_payment_households = Table(
    "tlog_payment_households", metadata,
    Column("payment_id", Text, primary_key=True),
    Column("household_ref", Text, nullable=False),  # pseudonymous; only counted
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

# -- enterprise, partnership and registry facts (for the canvas, the portal and sustainability indicators) ---
enterprises = Table(
    "proj_enterprises", metadata,
    Column("enterprise_id", Text, primary_key=True),
    Column("name", Text),  # None for a PT perorangan (often its owner's name)
    Column("legal_form", Text, nullable=False),
    Column("province_code", Text, nullable=False),
    Column("regency_code", Text, nullable=False),
    Column("groups_served", Text, nullable=False),  # comma-separated
    Column("groups_employed", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False),
)

enterprise_reports = Table(
    "proj_enterprise_reports", metadata,
    Column("enterprise_id", Text, primary_key=True),
    Column("period", Text, primary_key=True),
    Column("version", BigInteger, nullable=False),  # the newest accepted version wins
    Column("period_end", Text, nullable=False),
    Column("earned_revenue", BigInteger, nullable=False),
    Column("total_expenses", BigInteger, nullable=False),
    Column("grants_received", BigInteger, nullable=False),
    Column("employees", BigInteger, nullable=False),
    Column("employees_vulnerable", BigInteger, nullable=False),
    Column("beneficiaries", BigInteger, nullable=False),
    Column("accepted_at", DateTime(timezone=True), nullable=False),
)

graduations = Table(
    "proj_graduations", metadata,
    Column("household_ref", Text, primary_key=True),  # pseudonymous; counted, never published
    Column("enterprise_id", Text, primary_key=True),
    Column("province_code", Text, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
)

partners = Table(
    "proj_partners", metadata,
    Column("partner_id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("strand", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("province_code", Text, nullable=False),
    Column("active", Text, nullable=False, server_default="true"),
    Column("registered_at", DateTime(timezone=True), nullable=False),
)

projects = Table(
    "proj_projects", metadata,
    Column("project_id", Text, primary_key=True),
    Column("version", BigInteger, nullable=False),  # event-carried state: the highest version wins
    Column("title", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("province_code", Text, nullable=False),
    Column("budget", BigInteger, nullable=False),
    Column("partner_ids", Text, nullable=False),
    Column("strands_present", Text, nullable=False),
    Column("helix_complete", Text, nullable=False),
    Column("committed", BigInteger, nullable=False),
    Column("delivered", BigInteger, nullable=False),
    Column("milestones_overdue", BigInteger, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

registry_households = Table(
    "proj_registry_households", metadata,
    Column("household_ref", Text, primary_key=True),  # pseudonymous; only counted
    Column("version", BigInteger, nullable=False),
    Column("province_code", Text, nullable=False),
    Column("verification", Text, nullable=False),
    Column("desil", SmallInteger),
    Column("erased", Text, nullable=False, server_default="false"),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("regency_code", Text),  # for the maps' denominator; None on rows written before revision 0006
)

#: Grievance cases from `grievance.events`, for the public accountability figures (codes and times only).
grievance_cases = Table(
    "proj_grievance_cases", metadata,
    Column("case_id", Text, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("category", Text, nullable=False),
    Column("region_code", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("decided_at", DateTime(timezone=True)),  # the first decision: time to decision is measured to it
    Column("outcome", Text),  # the latest decision's (an appeal may overturn the first)
    Column("breached", Boolean, nullable=False, server_default=false()),
)

#: Each leaf once more as typed columns for the payment figures (net: paid +, returned -, else 0), kept by
#: triggers on `tlog_leaves` and `tlog_payment_households` (migration 0009): no figure parses the leaves' JSON.
tlog_figures = Table(
    "tlog_figures", metadata,
    Column("idx", BigInteger, primary_key=True),
    Column("household_ref", Text),
    Column("program_code", Text, index=True),
    Column("region_code", Text),
    Column("province", Text, index=True),
    Column("regency", Text),
    Column("desil", Text),
    Column("period", Text),
    Column("occurred_at", DateTime(timezone=True)),
    Column("net", BigInteger, nullable=False),
)

#: How often each replica that changes in place has changed (a statement trigger counts; migration 0009): the
#: portal remembers figures over it until its count moves.
change_counters = Table(
    "proj_change_counters", metadata,
    Column("table_name", Text, primary_key=True),
    Column("changes", BigInteger, nullable=False, server_default="0"),
)
