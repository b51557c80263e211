"""Read tables written in the same transaction as the events (read-your-writes for the ops API)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
import orjson

from enterprise.application.regions import check_region
from enterprise.domain.enterprise import Enterprise
from enterprise.domain.reports import ImpactReport, parse_period


def _ts(iso: str | None) -> datetime | None:
    return datetime.fromisoformat(iso) if iso else None


async def save_enterprise(driver: asyncpg.Connection, e: Enterprise) -> None:
    _, province, regency = check_region(e.region_code)
    await driver.execute(
        """
        INSERT INTO enterprises (id, nib, name, legal_form, mission, sdgs, region_code, province_code, regency_code,
                                 groups_served, groups_employed, status, suspension_reason, registered_at,
                                 updated_at, version)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, now(), $15)
        ON CONFLICT (id) DO UPDATE SET name = excluded.name, legal_form = excluded.legal_form,
            mission = excluded.mission, sdgs = excluded.sdgs, region_code = excluded.region_code,
            province_code = excluded.province_code, regency_code = excluded.regency_code,
            groups_served = excluded.groups_served, groups_employed = excluded.groups_employed,
            status = excluded.status, suspension_reason = excluded.suspension_reason, updated_at = now(),
            version = excluded.version
        """, e.id, e.nib, e.name, e.legal_form, e.mission, e.sdgs, e.region_code, province, regency,
        e.groups_served, e.groups_employed, e.status, e.suspension_reason, _ts(e.registered_at), e.version)


async def save_report(driver: asyncpg.Connection, r: ImpactReport) -> None:
    period = parse_period(r.period)
    rows: list[tuple[Any, ...]] = [
        (r.id, v.version, r.enterprise_id, r.period, period.kind, period.start, v.status,
         orjson.dumps(v.metrics).decode(), orjson.dumps(v.employees_by_group).decode(),
         orjson.dumps(v.derived).decode() if v.derived else None, v.note, v.submitted_by, _ts(v.submitted_at),
         v.reviewed_by, _ts(v.reviewed_at), v.return_reason)
        for v in r.versions.values()]
    await driver.executemany(
        """
        INSERT INTO impact_reports (report_id, version, enterprise_id, period, period_kind, period_start, status,
                                    metrics, employees_by_group, derived, note, submitted_by, submitted_at,
                                    reviewed_by, reviewed_at, return_reason)
        VALUES ($1, $2, $3::uuid, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10::jsonb, $11, $12, $13, $14, $15, $16)
        ON CONFLICT (report_id, version) DO UPDATE SET status = excluded.status, derived = excluded.derived,
            reviewed_by = excluded.reviewed_by, reviewed_at = excluded.reviewed_at,
            return_reason = excluded.return_reason
        """, rows)


async def save_link(driver: asyncpg.Connection, e: Enterprise, household_ref: str, relation: str) -> None:
    link = e.links[(household_ref, relation)]
    await driver.execute(
        """
        INSERT INTO household_links (enterprise_id, household_ref, relation, groups, started_on, ended_on)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (enterprise_id, household_ref, relation) DO UPDATE SET groups = excluded.groups,
            started_on = excluded.started_on, ended_on = excluded.ended_on
        """, e.id, household_ref, relation, link.groups, link.started_on, link.ended_on)
