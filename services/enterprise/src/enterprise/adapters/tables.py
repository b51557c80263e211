"""The enterprise service's own tables (projections of its events, and the CSR grants replica); the kit's
tables live in `kit_metadata`."""

from sqlalchemy import ARRAY, BigInteger, Column, Date, DateTime, Index, Integer, MetaData, Table, Text, func
from sqlalchemy.dialects.postgresql import JSONB, UUID

metadata = MetaData()

enterprises = Table(
    "enterprises", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("nib", Text, nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("legal_form", Text, nullable=False),
    Column("mission", Text, nullable=False),
    Column("sdgs", ARRAY(Integer), nullable=False),
    Column("region_code", Text, nullable=False),
    Column("province_code", Text, nullable=False),
    Column("regency_code", Text, nullable=False),
    Column("groups_served", ARRAY(Text), nullable=False),
    Column("groups_employed", ARRAY(Text), nullable=False),
    Column("status", Text, nullable=False),
    Column("suspension_reason", Text),
    Column("registered_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("version", Integer, nullable=False),
    Index("enterprises_region", "province_code", "regency_code"),
    Index("enterprises_status", "status"),
)

impact_reports = Table(
    "impact_reports", metadata,
    Column("report_id", UUID(as_uuid=True), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("enterprise_id", UUID(as_uuid=True), nullable=False),
    Column("period", Text, nullable=False),
    Column("period_kind", Text, nullable=False),
    Column("period_start", Date, nullable=False),
    Column("status", Text, nullable=False),
    Column("metrics", JSONB, nullable=False),
    Column("employees_by_group", JSONB, nullable=False),
    Column("derived", JSONB),
    Column("note", Text),
    Column("submitted_by", Text, nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("reviewed_by", Text),
    Column("reviewed_at", DateTime(timezone=True)),
    Column("return_reason", Text),
    Index("impact_reports_enterprise", "enterprise_id", "period_start"),
)

household_links = Table(
    "household_links", metadata,
    Column("enterprise_id", UUID(as_uuid=True), primary_key=True),
    Column("household_ref", Text, primary_key=True),
    Column("relation", Text, primary_key=True),
    Column("groups", ARRAY(Text), nullable=False),
    Column("started_on", Date, nullable=False),
    Column("ended_on", Date),
)

#: Replica of csr-ledger's AllocationDecided events whose target is an enterprise (by id or NIB).
csr_grants = Table(
    "csr_grants", metadata,
    Column("allocation_id", Text, primary_key=True),
    Column("company_id", Text, nullable=False),
    Column("target_id", Text, nullable=False),
    Column("target_name", Text, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("status", Text, nullable=False),
    Column("region", Text),
    Column("sdgs", ARRAY(Integer), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    Index("csr_grants_target", "target_id"),
)

#: Replica of `registry.events`: the registry's household references and non-personal facts only.
registry_households = Table(
    "registry_households", metadata,
    Column("household_ref", Text, primary_key=True),
    Column("household_version", Integer, nullable=False),
    Column("province_code", Text),
    Column("regency_code", Text),
    Column("desil", Integer),
    Column("status", Text, nullable=False),  # registered, erased, merged
    Column("merged_into", Text),
)
