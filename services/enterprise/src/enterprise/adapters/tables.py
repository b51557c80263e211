"""The enterprise service's own tables and their projectors. `enterprises`, `impact_reports` and
`household_links` are projections of its events, written by `uow.save` in the writing transaction (read-your-writes
for the ops API) and by `gotong enterprise rebuild`. The replicas of other services' events (`csr_grants`,
`registry_households`) are filled by the consumers: not projections of this store, a rebuild leaves them.
The kit's tables live in `kit_metadata`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import ARRAY, BigInteger, Column, Date, DateTime, Index, Integer, MetaData, Table, Text, func
from sqlalchemy.dialects.postgresql import JSONB, UUID

from enterprise.domain.enterprise import Enterprise
from enterprise.domain.events import HouseholdLinked, HouseholdLinkEnded, events
from enterprise.domain.regions import province_and_regency
from enterprise.domain.reports import ImpactReport, parse_period
from gotong.adapters.sql import Sql
from gotong.application.uow import EventContext, Projectors

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


# -- projectors ------------------------------------------------------------------------------------------------

projectors = Projectors(tables=["enterprises", "impact_reports", "household_links"])


def _ts(iso: str | None) -> datetime | None:
    return datetime.fromisoformat(iso) if iso else None


@projectors.state(Enterprise)
async def save_enterprise(sql: Sql, e: Enterprise) -> None:
    province, regency = province_and_regency(e.region_code)
    await sql.execute(
        """
        INSERT INTO enterprises (id, nib, name, legal_form, mission, sdgs, region_code, province_code, regency_code,
                                 groups_served, groups_employed, status, suspension_reason, registered_at,
                                 updated_at, version)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
        ON CONFLICT (id) DO UPDATE SET name = excluded.name, legal_form = excluded.legal_form,
            mission = excluded.mission, sdgs = excluded.sdgs, region_code = excluded.region_code,
            province_code = excluded.province_code, regency_code = excluded.regency_code,
            groups_served = excluded.groups_served, groups_employed = excluded.groups_employed,
            status = excluded.status, suspension_reason = excluded.suspension_reason,
            updated_at = excluded.updated_at, version = excluded.version
        """, e.id, e.nib, e.name, e.legal_form, e.mission, e.sdgs, e.region_code, province, regency,
        e.groups_served, e.groups_employed, e.status, e.suspension_reason, _ts(e.registered_at),
        _ts(e.updated_at or e.registered_at), e.version)


@projectors.state(ImpactReport)
async def save_report(sql: Sql, r: ImpactReport) -> None:
    period = parse_period(r.period)
    rows: list[tuple[Any, ...]] = [
        (r.id, v.version, r.enterprise_id, r.period, period.kind, period.start, v.status,
         orjson.dumps(v.metrics).decode(), orjson.dumps(v.employees_by_group).decode(),
         orjson.dumps(v.derived).decode() if v.derived else None, v.note, v.submitted_by, _ts(v.submitted_at),
         v.reviewed_by, _ts(v.reviewed_at), v.return_reason)
        for v in r.versions.values()]
    await sql.executemany(
        """
        INSERT INTO impact_reports (report_id, version, enterprise_id, period, period_kind, period_start, status,
                                    metrics, employees_by_group, derived, note, submitted_by, submitted_at,
                                    reviewed_by, reviewed_at, return_reason)
        VALUES ($1, $2, $3::uuid, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10::jsonb, $11, $12, $13, $14, $15, $16)
        ON CONFLICT (report_id, version) DO UPDATE SET status = excluded.status, derived = excluded.derived,
            reviewed_by = excluded.reviewed_by, reviewed_at = excluded.reviewed_at,
            return_reason = excluded.return_reason
        """, rows)


@projectors.on(events, HouseholdLinked)
async def link_started(sql: Sql, e: HouseholdLinked, context: EventContext) -> None:
    await sql.execute(
        """
        INSERT INTO household_links (enterprise_id, household_ref, relation, groups, started_on, ended_on)
        VALUES ($1, $2, $3, $4, $5, NULL)
        ON CONFLICT (enterprise_id, household_ref, relation) DO UPDATE SET groups = excluded.groups,
            started_on = excluded.started_on, ended_on = NULL
        """, context.stream_id, e.household_ref, e.relation, list(e.groups), date.fromisoformat(e.started_on))


@projectors.on(events, HouseholdLinkEnded)
async def link_ended(sql: Sql, e: HouseholdLinkEnded, context: EventContext) -> None:
    await sql.execute(
        "UPDATE household_links SET ended_on = $4 WHERE enterprise_id = $1 AND household_ref = $2 AND relation = $3",
        context.stream_id, e.household_ref, e.relation, date.fromisoformat(e.ended_on))
