"""The partnership service's read tables (projections of its event streams, written in the command's own
transaction) and the erasable contact persons; the kit's tables live in `kit_metadata`."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

metadata = MetaData()

partners = Table(
    "partners", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", Text, nullable=False),
    Column("name_key", Text, nullable=False, unique=True),  # lower-cased name + strand: no duplicate partner
    Column("strand", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("region_code", Text, nullable=False),
    Column("province_code", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("state", JSONB, nullable=False),
    Column("published_version", Integer, nullable=False, server_default="0"),
    Column("registered_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("partners_strand_region", "strand", "region_code"),
)

#: Contact persons are personal data: kept here only (never in events, which are forever), erasable.
partner_contacts = Table(
    "partner_contacts", metadata,
    Column("partner_id", UUID(as_uuid=True), primary_key=True),
    Column("contact", JSONB, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

agreements = Table(
    "agreements", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("kind", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("partner_ids", ARRAY(UUID(as_uuid=True)), nullable=False),
    Column("state", JSONB, nullable=False),
    Column("published_version", Integer, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("agreements_partner_ids", "partner_ids", postgresql_using="gin"),
)

projects = Table(
    "projects", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("title", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("region_code", Text, nullable=False),
    Column("province_code", Text, nullable=False),
    Column("budget", BigInteger, nullable=False),
    Column("partner_ids", ARRAY(UUID(as_uuid=True)), nullable=False),
    Column("agreement_ids", ARRAY(UUID(as_uuid=True)), nullable=False),
    Column("helix_complete", Boolean, nullable=False, server_default="false"),  # as of the last publication
    Column("state", JSONB, nullable=False),
    Column("published_version", Integer, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("projects_partner_ids", "partner_ids", postgresql_using="gin"),
    Index("projects_agreement_ids", "agreement_ids", postgresql_using="gin"),
)

milestones = Table(
    "milestones", metadata,
    Column("project_id", UUID(as_uuid=True), primary_key=True),
    Column("milestone_id", Text, primary_key=True),
    Column("title", Text, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("done_on", Date),
    Column("flagged_overdue", Boolean, nullable=False, server_default="false"),
    Index("milestones_open", "due_on", postgresql_where="done_on IS NULL AND NOT flagged_overdue"),
)
