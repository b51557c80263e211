"""Reads on the projections: the enterprise list, one enterprise, report history, figures and trends,
household links, CSR grants and a portfolio summary."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg

from enterprise.application.regions import region_name
from enterprise.domain import figures
from enterprise.domain.reports import parse_period
from gotong.domain.errors import NotFound

_ENTERPRISE_COLUMNS = ("id, nib, name, legal_form, mission, sdgs, region_code, province_code, regency_code, "
                       "groups_served, groups_employed, status, suspension_reason, registered_at, updated_at")


def _plain(row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in dict(row).items():
        if isinstance(v, UUID):
            v = str(v)
        elif isinstance(v, datetime | date):
            v = v.isoformat()
        elif isinstance(v, Decimal):
            v = int(v)
        out[k] = v
    return out


async def list_enterprises(driver: asyncpg.Connection, limit: int, after: list[str] | None = None, *,
                           region: str | None = None, status: str | None = None,
                           legal_form: str | None = None, name: str | None = None) -> list[dict[str, Any]]:
    """Ordered by name then id; `after` is the (name, id) of the last row of the previous page."""
    where, args = [], []

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if region:
        where.append(f"(region_code = {arg(region)} OR region_code LIKE {arg(region + '.%')})")
    if status:
        where.append(f"status = {arg(status)}")
    if legal_form:
        where.append(f"legal_form = {arg(legal_form)}")
    if name:
        escaped = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(f"name ILIKE {arg('%' + escaped + '%')}")
    if after:
        where.append(f"(name, id) > ({arg(after[0])}, {arg(UUID(after[1]))}::uuid)")
    sql = (f"SELECT {_ENTERPRISE_COLUMNS} FROM enterprises {'WHERE ' + ' AND '.join(where) if where else ''} "
           f"ORDER BY name, id LIMIT {arg(limit)}")
    rows = [_plain(r) for r in await driver.fetch(sql, *args)]
    for r in rows:
        r["region_name"] = region_name(r["region_code"])
    return rows


async def _accepted(driver: asyncpg.Connection, enterprise_id: UUID) -> list[dict[str, Any]]:
    return [dict(r) for r in await driver.fetch(
        "SELECT period, period_kind, period_start, version, metrics, employees_by_group FROM impact_reports "
        "WHERE enterprise_id = $1 AND status = 'accepted' ORDER BY period_start, period_kind", enterprise_id)]


def _series(accepted: list[dict[str, Any]], kind: str) -> list[tuple[str, dict[str, Any]]]:
    by_period = {r["period"]: dict(r["metrics"]) for r in accepted if r["period_kind"] == kind}
    out = []
    for r in accepted:
        if r["period_kind"] != kind:
            continue
        previous = by_period.get(parse_period(r["period"]).previous().label)
        out.append((r["period"], figures.derive(r["metrics"], previous)))
    return out


async def enterprise_figures(driver: asyncpg.Connection, enterprise_id: UUID) -> dict[str, Any]:
    """Derived figures per period from the latest accepted version, computed now (a later correction of an
    earlier period updates the growth of the next one), with a trend per kind of period."""
    await _exists(driver, enterprise_id)
    accepted = await _accepted(driver, enterprise_id)
    quarterly, annual = _series(accepted, "quarter"), _series(accepted, "year")
    metrics = {r["period"]: {**dict(r["metrics"]), "version": r["version"]} for r in accepted}
    grants = await csr_grants(driver, enterprise_id)
    return {
        "enterprise_id": str(enterprise_id),
        "definitions": {
            "self_sufficiency": "earned revenue / total expenses",
            "grant_dependency": "grants received / (earned revenue + grants received)",
            "cost_per_beneficiary": "total expenses / beneficiaries served (rupiah, half up)",
            "revenue_growth": "earned revenue vs the previous period of the same kind (IRIS+ FP4761)",
        },
        "quarterly": figures.trend(quarterly),
        "annual": figures.trend(annual),
        "metrics": metrics,
        "csr_grants_approved": sum(g["amount"] for g in grants if g["status"] == "approved"),
        "grants_reported": sum(int(dict(r["metrics"])["grants_received"]) for r in accepted
                               if r["period_kind"] == "quarter"),
    }


async def _exists(driver: asyncpg.Connection, enterprise_id: UUID) -> asyncpg.Record:
    row = await driver.fetchrow(f"SELECT {_ENTERPRISE_COLUMNS} FROM enterprises WHERE id = $1", enterprise_id)
    if row is None:
        raise NotFound(f"enterprise {enterprise_id} is not registered", field="enterprise_id")
    return row


async def csr_grants(driver: asyncpg.Connection, enterprise_id: UUID) -> list[dict[str, Any]]:
    """CSR allocations whose target is this enterprise: by its id, or by its NIB."""
    rows = await driver.fetch(
        "SELECT g.allocation_id, g.company_id, g.target_name, g.amount, g.status, g.region, g.sdgs, g.decided_at "
        "FROM csr_grants g JOIN enterprises e ON g.target_id IN (e.id::text, e.nib) WHERE e.id = $1 "
        "ORDER BY g.decided_at", enterprise_id)
    return [_plain(r) for r in rows]


async def enterprise_detail(driver: asyncpg.Connection, enterprise_id: UUID) -> dict[str, Any]:
    out = _plain(await _exists(driver, enterprise_id))
    out["region_name"] = region_name(out["region_code"])
    links = await driver.fetch(
        "SELECT relation, count(*) FILTER (WHERE ended_on IS NULL) AS current, count(*) AS ever "
        "FROM household_links WHERE enterprise_id = $1 GROUP BY relation", enterprise_id)
    out["households"] = {r["relation"]: {"current": r["current"], "ever": r["ever"]} for r in links}
    reports = await driver.fetch(
        "SELECT DISTINCT ON (period) period, version, status FROM impact_reports WHERE enterprise_id = $1 "
        "ORDER BY period, version DESC", enterprise_id)
    out["reports"] = [dict(r) for r in reports]
    out["csr_grants"] = await csr_grants(driver, enterprise_id)
    latest = _series(await _accepted(driver, enterprise_id), "quarter")
    out["latest_figures"] = ({"period": latest[-1][0], **figures.as_json(latest[-1][1])} if latest else None)
    return out


async def report_history(driver: asyncpg.Connection, enterprise_id: UUID, period: str | None = None
                         ) -> list[dict[str, Any]]:
    await _exists(driver, enterprise_id)
    rows = await driver.fetch(
        "SELECT period, period_kind, version, status, metrics, employees_by_group, derived, note, submitted_at, "
        "reviewed_at, return_reason FROM impact_reports WHERE enterprise_id = $1 AND ($2::text IS NULL OR "
        "period = $2) ORDER BY period_start, period_kind, version", enterprise_id, period)
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        entry = out.setdefault(r["period"], {"period": r["period"], "kind": r["period_kind"], "versions": []})
        entry["versions"].append({k: v for k, v in _plain(r).items() if k not in ("period", "period_kind")})
    if period and not out:
        raise NotFound(f"no report for {period} from this enterprise", field="period")
    return list(out.values())


async def household_links(driver: asyncpg.Connection, enterprise_id: UUID, limit: int, after: list[str] | None
                          ) -> list[dict[str, Any]]:
    await _exists(driver, enterprise_id)
    rows = await driver.fetch(
        "SELECT l.household_ref, l.relation, l.groups, l.started_on, l.ended_on, "
        "coalesce(h.status, 'unknown') AS registry_status, h.desil FROM household_links l "
        "LEFT JOIN registry_households h USING (household_ref) WHERE l.enterprise_id = $1 "
        "AND ($2::text IS NULL OR (l.household_ref, l.relation) > ($2, $3)) ORDER BY l.household_ref, l.relation "
        "LIMIT $4", enterprise_id, after[0] if after else None, after[1] if after else "", limit)
    return [_plain(r) for r in rows]


async def portfolio(driver: asyncpg.Connection, region: str | None = None) -> dict[str, Any]:
    """Across enterprises (optionally in one region): counts by status, jobs and jobs for vulnerable people
    from each enterprise's latest accepted quarter, households graduated (all, and those the registry ranks in
    desil 1-4), and the median self-sufficiency."""
    scope = "($1::text IS NULL OR e.region_code = $1 OR e.region_code LIKE $1 || '.%')"
    by_status = await driver.fetch(f"SELECT status, count(*) AS n FROM enterprises e WHERE {scope} GROUP BY status",
                                   region)
    latest = await driver.fetch(
        f"""SELECT DISTINCT ON (r.enterprise_id) r.enterprise_id, r.period, r.metrics
            FROM impact_reports r JOIN enterprises e ON e.id = r.enterprise_id
            WHERE r.status = 'accepted' AND r.period_kind = 'quarter' AND {scope}
            ORDER BY r.enterprise_id, r.period_start DESC""", region)
    graduated = await driver.fetchrow(
        f"SELECT count(DISTINCT l.household_ref) AS total, count(DISTINCT l.household_ref) FILTER (WHERE h.desil <= 4) "
        f"AS poorest FROM household_links l JOIN enterprises e ON e.id = l.enterprise_id "
        f"LEFT JOIN registry_households h USING (household_ref) WHERE l.relation = 'employee' AND {scope}", region)
    ratios = sorted(r for r in (figures.ratio(m["metrics"]["earned_revenue"], m["metrics"]["total_expenses"])
                                for m in latest) if r is not None)
    median = None
    if ratios:
        mid = len(ratios) // 2
        median = ratios[mid] if len(ratios) % 2 else figures.ratio(
            int((ratios[mid - 1] + ratios[mid]) * 10**figures.PLACES), 2 * 10**figures.PLACES)
    return {
        "region": region,
        "enterprises_by_status": {r["status"]: r["n"] for r in by_status},
        "employees": sum(int(m["metrics"]["employees"]) for m in latest),
        "employees_vulnerable": sum(int(m["metrics"]["employees_vulnerable"]) for m in latest),
        "beneficiaries_served": sum(int(m["metrics"]["beneficiaries_served"]) for m in latest),
        "households_graduated": graduated["total"],
        "households_graduated_desil_1_4": graduated["poorest"],
        "median_self_sufficiency": str(median) if median is not None else None,
        "enterprises_reporting": len(latest),
    }
