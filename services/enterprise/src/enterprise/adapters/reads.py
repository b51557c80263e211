"""Read-side SQL on the projections and the replicas: rows out, as plain JSON-ready values."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from gotong.adapters.sql import Sql, jsonb

_ENTERPRISE_COLUMNS = ("id, nib, name, legal_form, mission, sdgs, region_code, province_code, regency_code, "
                       "groups_served, groups_employed, status, suspension_reason, registered_at, updated_at")


def plain(row: Any) -> dict[str, Any]:
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


def _metrics(row: Any) -> dict[str, Any]:
    out = dict(row)
    for key in ("metrics", "employees_by_group", "derived"):
        if key in out and out[key] is not None:
            out[key] = jsonb(out[key])
    return out


class EnterpriseReads:
    """Queries on `enterprises`, `impact_reports`, `household_links` and the replicas."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def enterprises(self, limit: int, after: list[str] | None = None, *, region: str | None = None,
                          status: str | None = None, legal_form: str | None = None,
                          name: str | None = None) -> list[dict[str, Any]]:
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
        query = (f"SELECT {_ENTERPRISE_COLUMNS} FROM enterprises {'WHERE ' + ' AND '.join(where) if where else ''} "
                 f"ORDER BY name, id LIMIT {arg(limit)}")
        return [plain(r) for r in await self.sql.fetch(query, *args)]

    async def enterprise(self, enterprise_id: UUID) -> dict[str, Any] | None:
        row = await self.sql.fetchrow(f"SELECT {_ENTERPRISE_COLUMNS} FROM enterprises WHERE id = $1", enterprise_id)
        return plain(row) if row is not None else None

    async def accepted(self, enterprise_id: UUID) -> list[dict[str, Any]]:
        """The accepted version of each period, oldest first."""
        return [_metrics(r) for r in await self.sql.fetch(
            "SELECT period, period_kind, period_start, version, metrics, employees_by_group FROM impact_reports "
            "WHERE enterprise_id = $1 AND status = 'accepted' ORDER BY period_start, period_kind", enterprise_id)]

    async def csr_grants(self, enterprise_id: UUID) -> list[dict[str, Any]]:
        """CSR allocations whose target is this enterprise: by its id, or by its NIB."""
        rows = await self.sql.fetch(
            "SELECT g.allocation_id, g.company_id, g.target_name, g.amount, g.status, g.region, g.sdgs, "
            "g.decided_at FROM csr_grants g JOIN enterprises e ON g.target_id IN (e.id::text, e.nib) WHERE e.id = $1 "
            "ORDER BY g.decided_at", enterprise_id)
        return [plain(r) for r in rows]

    async def link_counts(self, enterprise_id: UUID) -> dict[str, dict[str, int]]:
        links = await self.sql.fetch(
            "SELECT relation, count(*) FILTER (WHERE ended_on IS NULL) AS current, count(*) AS ever "
            "FROM household_links WHERE enterprise_id = $1 GROUP BY relation", enterprise_id)
        return {r["relation"]: {"current": r["current"], "ever": r["ever"]} for r in links}

    async def latest_versions(self, enterprise_id: UUID) -> list[dict[str, Any]]:
        rows = await self.sql.fetch(
            "SELECT DISTINCT ON (period) period, version, status FROM impact_reports WHERE enterprise_id = $1 "
            "ORDER BY period, version DESC", enterprise_id)
        return [dict(r) for r in rows]

    async def report_versions(self, enterprise_id: UUID, period: str | None) -> list[dict[str, Any]]:
        rows = await self.sql.fetch(
            "SELECT period, period_kind, version, status, metrics, employees_by_group, derived, note, submitted_at, "
            "reviewed_at, return_reason FROM impact_reports WHERE enterprise_id = $1 AND ($2::text IS NULL OR "
            "period = $2) ORDER BY period_start, period_kind, version", enterprise_id, period)
        return [plain(_metrics(r)) for r in rows]

    async def report_queue(self, limit: int, after: tuple[datetime, UUID, int] | None = None, *,
                           status: str | None = None, region: str | None = None,
                           enterprise_id: UUID | None = None, period: str | None = None) -> list[dict[str, Any]]:
        """Report versions across every enterprise, oldest submission first (a review queue works from its
        front); `after` is the (submitted_at, report_id, version) of the previous page's last row."""
        rows = await self.sql.fetch(
            "SELECT r.report_id, r.version, r.enterprise_id, e.name AS enterprise_name, e.region_code, r.period, "
            "r.period_kind, r.status, r.submitted_by, r.submitted_at, r.reviewed_by, r.reviewed_at "
            "FROM impact_reports r JOIN enterprises e ON e.id = r.enterprise_id "
            "WHERE ($1::text IS NULL OR r.status = $1) "
            "AND ($2::text IS NULL OR e.region_code = $2 OR e.region_code LIKE $2 || '.%') "
            "AND ($3::uuid IS NULL OR r.enterprise_id = $3) AND ($4::text IS NULL OR r.period = $4) "
            "AND ($5::timestamptz IS NULL OR (r.submitted_at, r.report_id, r.version) > ($5, $6::uuid, $7::int)) "
            "ORDER BY r.submitted_at, r.report_id, r.version LIMIT $8",
            status, region, enterprise_id, period, after[0] if after else None, after[1] if after else None,
            after[2] if after else None, limit)
        return [plain(r) for r in rows]

    async def household_links(self, enterprise_id: UUID, limit: int, after: list[str] | None
                              ) -> list[dict[str, Any]]:
        rows = await self.sql.fetch(
            "SELECT l.household_ref, l.relation, l.groups, l.started_on, l.ended_on, "
            "coalesce(h.status, 'unknown') AS registry_status, h.desil FROM household_links l "
            "LEFT JOIN registry_households h USING (household_ref) WHERE l.enterprise_id = $1 "
            "AND ($2::text IS NULL OR (l.household_ref, l.relation) > ($2, $3)) ORDER BY l.household_ref, "
            "l.relation LIMIT $4", enterprise_id, after[0] if after else None, after[1] if after else "", limit)
        return [plain(r) for r in rows]

    # -- the portfolio (optionally in one region) ------------------------------------------------------------
    _SCOPE = "($1::text IS NULL OR e.region_code = $1 OR e.region_code LIKE $1 || '.%')"

    async def status_counts(self, region: str | None) -> dict[str, int]:
        rows = await self.sql.fetch(
            f"SELECT status, count(*) AS n FROM enterprises e WHERE {self._SCOPE} GROUP BY status", region)
        return {r["status"]: r["n"] for r in rows}

    async def latest_accepted_quarters(self, region: str | None) -> list[dict[str, Any]]:
        """Each enterprise's latest accepted quarter: (enterprise_id, period, metrics)."""
        rows = await self.sql.fetch(
            f"""SELECT DISTINCT ON (r.enterprise_id) r.enterprise_id, r.period, r.metrics
                FROM impact_reports r JOIN enterprises e ON e.id = r.enterprise_id
                WHERE r.status = 'accepted' AND r.period_kind = 'quarter' AND {self._SCOPE}
                ORDER BY r.enterprise_id, r.period_start DESC""", region)
        return [_metrics(r) for r in rows]

    async def graduations(self, region: str | None) -> tuple[int, int]:
        """Households employed: (all, those the registry ranks in desil 1-4)."""
        row = await self.sql.fetchrow(
            f"SELECT count(DISTINCT l.household_ref) AS total, count(DISTINCT l.household_ref) FILTER "
            f"(WHERE h.desil <= 4) AS poorest FROM household_links l JOIN enterprises e ON e.id = l.enterprise_id "
            f"LEFT JOIN registry_households h USING (household_ref) WHERE l.relation = 'employee' AND {self._SCOPE}",
            region)
        assert row is not None
        return int(row["total"]), int(row["poorest"])
