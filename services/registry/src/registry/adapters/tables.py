"""The registry service's own tables (read models, indexes, keys); the kit's tables live in `kit_metadata`.

Personal data appears here only sealed (`households.pii`, AES-GCM under the household's key in
`household_keys`) or as blind indexes (keyed hashes). Deleting a `household_keys` row shreds the household.
"""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

metadata = MetaData()

household_keys = Table(
    "household_keys", metadata,
    Column("household_id", UUID(as_uuid=True), primary_key=True),
    Column("wrapped_dek", LargeBinary, nullable=False),
    Column("key_id", Text, nullable=False),
)

households = Table(
    "households", metadata,
    Column("household_id", UUID(as_uuid=True), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("village_code", Text, nullable=False),
    Column("district_code", Text, nullable=False),
    Column("regency_code", Text, nullable=False),
    Column("province_code", Text, nullable=False),
    Column("verification", Text, nullable=False),
    Column("members", JSONB, nullable=False, comment="non-personal member facts"),
    Column("attributes", JSONB, nullable=False),
    Column("pii", Text, comment="sealed personal data; NULL once erased"),
    Column("score", Float),
    Column("desil", SmallInteger),
    Column("desil_province", SmallInteger),
    Column("rule_version", Text),
    Column("status", Text, nullable=False, server_default="active", comment="active | merged | erased"),
    Column("registered_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("households_village", "village_code"),
    Index("households_province_desil", "province_code", "desil"),
)

kk_index = Table(
    "kk_index", metadata,
    Column("kk_hash", LargeBinary, primary_key=True),
    Column("household_id", UUID(as_uuid=True), primary_key=True),
    Index("kk_index_household", "household_id"),
)

person_index = Table(
    "person_index", metadata,
    Column("nik_hash", LargeBinary, nullable=False),
    Column("household_id", UUID(as_uuid=True), nullable=False),
    Column("member_ref", Text, nullable=False),
    Column("active", Boolean, nullable=False, server_default="true"),
    Column("name_check", LargeBinary, comment="blind(NIK | normalised name): the public NIK + name check"),
    UniqueConstraint("nik_hash", "household_id", name="person_index_once_per_household"),
    Index("person_index_household", "household_id"),
    Index("person_index_name_check", "name_check"),
)

name_index = Table(
    "name_index", metadata,
    Column("match_hash", LargeBinary, nullable=False, comment="blind(district | birth date | phonetic name)"),
    Column("name_hash", LargeBinary, nullable=False, comment="blind(village | normalised full name)"),
    Column("household_id", UUID(as_uuid=True), nullable=False),
    Column("member_ref", Text, nullable=False),
    Index("name_index_match", "match_hash"),
    Index("name_index_name", "name_hash"),
    Index("name_index_household", "household_id"),
)

review_queue = Table(
    "review_queue", metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("household_id", UUID(as_uuid=True), nullable=False, index=True),
    Column("reasons", JSONB, nullable=False),
    Column("status", Text, nullable=False, server_default="open", comment="open | proposed | decided"),
    Column("proposed_by", Text),
    Column("proposal", Text),
    Column("proposal_note", Text),
    Column("decided_by", Text),
    Column("opened_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("decided_at", DateTime(timezone=True)),
)

review_counts = Table(
    "review_counts", metadata,
    Column("status", Text, primary_key=True),
    Column("reason", Text, primary_key=True, comment="a reason code, or '' for every review"),
    Column("slot", SmallInteger, primary_key=True, comment="the writing connection's pid modulo 16"),
    Column("n", BigInteger, nullable=False),
)

pii_access_log = Table(
    "pii_access_log", metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("actor", Text, nullable=False),
    Column("client_id", Text),
    Column("household_id", UUID(as_uuid=True), nullable=False),
    Column("purpose", Text, nullable=False),
    Column("channel", Text, nullable=False, comment="ops-api | dci | cli"),
    Index("pii_access_household", "household_id", "at"),
    Index("pii_access_actor", "actor", "at"),
)

ranking_runs = Table(
    "ranking_runs", metadata,
    Column("snapshot", Text, primary_key=True, comment="e.g. 2026-Q4"),
    Column("rule_version", Text, nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("households", Integer, nullable=False),
    Column("changed", Integer, nullable=False),
    Column("computed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

ranking_proposals = Table(
    "ranking_proposals", metadata,
    Column("run_id", UUID(as_uuid=True), primary_key=True),
    Column("on_date", Date, nullable=False, comment="the day whose quarter is ranked"),
    Column("snapshot", Text, nullable=False, comment="e.g. 2026-Q4"),
    Column("rule_version", Text, nullable=False),
    Column("status", Text, nullable=False, comment="proposed | approved | rejected"),
    Column("proposed_by", Text, nullable=False),
    Column("proposed_at", DateTime(timezone=True), nullable=False),
    Column("decided_by", Text),
    Column("decided_at", DateTime(timezone=True)),
    Column("reason", Text, comment="why it was rejected"),
    Column("households", Integer, comment="ranked, once approved"),
    Column("changed", Integer, comment="whose desil changed, once approved"),
    Index("ranking_proposals_proposed_at", "proposed_at"),
)

desil_snapshots = Table(
    "desil_snapshots", metadata,
    Column("snapshot", Text, primary_key=True),
    Column("household_id", UUID(as_uuid=True), primary_key=True),
    Column("score", Float, nullable=False),
    Column("desil", SmallInteger, nullable=False),
    Column("desil_province", SmallInteger, nullable=False),
)

recipients = Table(
    "recipients", metadata,
    Column("household_id", UUID(as_uuid=True), primary_key=True),
    Column("program_code", Text, primary_key=True),
    Column("period", Text, primary_key=True),
    Column("status", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("amount", BigInteger, comment="rupiah of the payment's latest attempt"),
    Column("payment_id", Text, comment="the payment's receipt reference in the transparency log"),
)

import_runs = Table(
    "import_runs", metadata,
    Column("file_sha256", Text, primary_key=True),
    Column("file_name", Text, nullable=False),
    Column("next_line", Integer, nullable=False, server_default="1"),
    Column("imported", Integer, nullable=False, server_default="0"),
    Column("rejected", Integer, nullable=False, server_default="0"),
    Column("done", Boolean, nullable=False, server_default="false"),
    Column("started_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("finished_at", DateTime(timezone=True)),
)

import_rejects = Table(
    "import_rejects", metadata,
    Column("file_sha256", Text, primary_key=True),
    Column("line", Integer, primary_key=True),
    Column("field", Text),
    Column("reason", Text, nullable=False),
)
