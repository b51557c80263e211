"""Reads on the projections (through the read-side adapter): the enterprise list, one enterprise, report
history, figures and trends, household links, CSR grants and a portfolio summary."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from enterprise.adapters.reads import EnterpriseReads
from enterprise.application.regions import region_name
from enterprise.domain import figures
from enterprise.domain.reports import parse_period
from gotong.domain.bounds import INT32_MAX
from gotong.domain.errors import NotFound, ValidationFailed


async def list_enterprises(reads: EnterpriseReads, limit: int, after: list[str] | None = None, *,
                           region: str | None = None, status: str | None = None,
                           legal_form: str | None = None, name: str | None = None) -> list[dict[str, Any]]:
    """Ordered by name then id; `after` is the (name, id) of the last row of the previous page."""
    rows = await reads.enterprises(limit, after, region=region, status=status, legal_form=legal_form, name=name)
    for r in rows:
        r["region_name"] = region_name(r["region_code"])
    return rows


async def report_queue(reads: EnterpriseReads, limit: int, after: Any = None, *, period: str | None = None,
                       **filters: Any) -> list[dict[str, Any]]:
    """Impact report versions across enterprises, oldest submission first; `status="submitted"` is the review
    queue. `after` is the cursor's (submitted_at, report_id, version); another shape is refused naming `cursor`."""
    start = None
    if after is not None:
        try:
            start = (datetime.fromisoformat(after[0]), UUID(str(after[1])), int(after[2]))
            if not 1 <= start[2] <= INT32_MAX:
                raise ValueError("no such version")
        except (TypeError, ValueError, IndexError, KeyError) as err:
            raise ValidationFailed("cursor is not one this API issued", field="cursor") from err
    rows = await reads.report_queue(limit, start, period=parse_period(period).label if period else None, **filters)
    for r in rows:
        r["region_name"] = region_name(r["region_code"])
    return rows


def _series(accepted: list[dict[str, Any]], kind: str) -> list[tuple[str, dict[str, Any]]]:
    by_period = {r["period"]: dict(r["metrics"]) for r in accepted if r["period_kind"] == kind}
    out = []
    for r in accepted:
        if r["period_kind"] != kind:
            continue
        previous = by_period.get(parse_period(r["period"]).previous().label)
        out.append((r["period"], figures.derive(r["metrics"], previous)))
    return out


async def _exists(reads: EnterpriseReads, enterprise_id: UUID) -> dict[str, Any]:
    found = await reads.enterprise(enterprise_id)
    if found is None:
        raise NotFound(f"enterprise {enterprise_id} is not registered", field="enterprise_id")
    return found


async def enterprise_figures(reads: EnterpriseReads, enterprise_id: UUID) -> dict[str, Any]:
    """Derived figures per period from the latest accepted version, computed now (a later correction of an
    earlier period updates the growth of the next one), with a trend per kind of period."""
    await _exists(reads, enterprise_id)
    accepted = await reads.accepted(enterprise_id)
    quarterly, annual = _series(accepted, "quarter"), _series(accepted, "year")
    metrics = {r["period"]: {**dict(r["metrics"]), "version": r["version"]} for r in accepted}
    grants = await reads.csr_grants(enterprise_id)
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


async def csr_grants(reads: EnterpriseReads, enterprise_id: UUID) -> list[dict[str, Any]]:
    """CSR allocations whose target is this enterprise: by its id, or by its NIB."""
    return await reads.csr_grants(enterprise_id)


async def enterprise_detail(reads: EnterpriseReads, enterprise_id: UUID) -> dict[str, Any]:
    out = await _exists(reads, enterprise_id)
    out["region_name"] = region_name(out["region_code"])
    out["households"] = await reads.link_counts(enterprise_id)
    out["reports"] = await reads.latest_versions(enterprise_id)
    out["csr_grants"] = await reads.csr_grants(enterprise_id)
    latest = _series(await reads.accepted(enterprise_id), "quarter")
    out["latest_figures"] = ({"period": latest[-1][0], **figures.as_json(latest[-1][1])} if latest else None)
    return out


async def report_history(reads: EnterpriseReads, enterprise_id: UUID, period: str | None = None
                         ) -> list[dict[str, Any]]:
    await _exists(reads, enterprise_id)
    out: dict[str, dict[str, Any]] = {}
    for r in await reads.report_versions(enterprise_id, period):
        entry = out.setdefault(r["period"], {"period": r["period"], "kind": r["period_kind"], "versions": []})
        entry["versions"].append({k: v for k, v in r.items() if k not in ("period", "period_kind")})
    if period and not out:
        raise NotFound(f"no report for {period} from this enterprise", field="period")
    return list(out.values())


async def household_links(reads: EnterpriseReads, enterprise_id: UUID, limit: int, after: list[str] | None
                          ) -> list[dict[str, Any]]:
    await _exists(reads, enterprise_id)
    return await reads.household_links(enterprise_id, limit, after)


async def portfolio(reads: EnterpriseReads, region: str | None = None) -> dict[str, Any]:
    """Across enterprises (optionally in one region): counts by status, jobs and jobs for vulnerable people
    from each enterprise's latest accepted quarter, households graduated (all, and those the registry ranks in
    desil 1-4), and the median self-sufficiency."""
    by_status = await reads.status_counts(region)
    latest = await reads.latest_accepted_quarters(region)
    graduated, poorest = await reads.graduations(region)
    ratios = sorted(r for r in (figures.ratio(m["metrics"]["earned_revenue"], m["metrics"]["total_expenses"])
                                for m in latest) if r is not None)
    median = None
    if ratios:
        mid = len(ratios) // 2
        median = ratios[mid] if len(ratios) % 2 else figures.ratio(
            int((ratios[mid - 1] + ratios[mid]) * 10**figures.PLACES), 2 * 10**figures.PLACES)
    return {
        "region": region,
        "enterprises_by_status": by_status,
        "employees": sum(int(m["metrics"]["employees"]) for m in latest),
        "employees_vulnerable": sum(int(m["metrics"]["employees_vulnerable"]) for m in latest),
        "beneficiaries_served": sum(int(m["metrics"]["beneficiaries_served"]) for m in latest),
        "households_graduated": graduated,
        "households_graduated_desil_1_4": poorest,
        "median_self_sufficiency": str(median) if median is not None else None,
        "enterprises_reporting": len(latest),
    }
