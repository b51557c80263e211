"""Read-side queries over the transparency log's leaves and the replicas: the canvas's facts, the portal's
aggregates and the open-data downloads. Amounts are net of returned payments; a household counts where its
net amount is positive."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from canvas_projector.adapters import log_figures
from canvas_projector.adapters.grievance_cases import GrievanceCases
from canvas_projector.adapters.reached import Reached
from canvas_projector.domain.canvas import Facts
from canvas_projector.domain.figures import Group
from gotong.adapters.sql import Sql

Row = dict[str, Any]

#: Over `tlog_figures`: each leaf as typed columns (net = paid +, returned -, else 0; the household from the
#: private table), kept with the leaves, so no figure parses a record.
_AGGREGATE = """
WITH net AS (SELECT household_ref AS hh, {group} AS g, sum(net) AS amount FROM tlog_figures GROUP BY 1, 2)
SELECT g, count(DISTINCT hh) FILTER (WHERE amount > 0) AS households, sum(amount)::bigint AS amount
FROM net GROUP BY g ORDER BY amount DESC
"""

_NET = """
WITH net AS (SELECT household_ref AS hh, {key} AS g, sum(net) AS amount FROM tlog_figures WHERE {where} GROUP BY 1, 2)
SELECT g, count(*) FILTER (WHERE amount > 0) AS households, sum(amount)::bigint AS amount FROM net GROUP BY g
"""

_BY_PROVINCE = """
WITH net AS (SELECT province, household_ref AS hh, sum(net) AS amount FROM tlog_figures GROUP BY 1, 2)
SELECT province, count(*) FILTER (WHERE amount > 0) AS households, sum(amount)::bigint AS amount FROM net GROUP BY 1
"""

_BY_PROGRAM_PERIOD = """
SELECT program_code AS code, period, max(occurred_at) AS last_at, min(occurred_at) AS first_at,
       sum(net)::bigint AS amount
FROM tlog_figures GROUP BY 1, 2 ORDER BY 1, 2
"""


class PaymentFigures:
    """Households reached and rupiah paid, grouped, from the log's leaves."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def by_field(self, field: str) -> list[Group]:
        """Per value of a record field (`program_code`, `region_code`), largest amount first."""
        if field not in ("program_code", "region_code"):
            raise ValueError(f"not a grouping field: {field}")
        rows = await log_figures.fetch(self.sql, _AGGREGATE.replace("{group}", field))
        return [(r["g"], r["households"], r["amount"] or 0) for r in rows]

    async def records(self) -> int:
        # leaves are dense from 0: the primary key's end is their number (count(*) would read every leaf)
        return int(await self.sql.fetchval("SELECT coalesce(max(idx) + 1, 0) FROM tlog_leaves"))

    async def _groups(self, key: str, where: str, *args: Any) -> list[Group]:
        rows = await log_figures.fetch(self.sql, _NET.format(key=key, where=where), *args)
        return [(r["g"] or "-", r["households"], r["amount"] or 0) for r in rows]

    async def program_by_desil(self, code: str) -> list[Group]:
        return await self._groups("coalesce(desil, '-')", "program_code = $1", code)

    async def program_by_province(self, code: str) -> list[Group]:
        return await self._groups("province", "program_code = $1", code)

    async def by_province(self) -> list[Group]:
        return await self._groups("province", "true")

    async def province_by_regency(self, province: str) -> list[Group]:
        return await self._groups("regency", "province = $1", province)

    async def per_province(self) -> list[Row]:
        """Open data: province, households, amount (unpooled)."""
        return [dict(r) for r in await log_figures.fetch(self.sql, _BY_PROVINCE)]

    async def per_program_period(self) -> list[Row]:
        """Open data: code, period, first_at, last_at, amount."""
        return [dict(r) for r in await log_figures.fetch(self.sql, _BY_PROGRAM_PERIOD)]


class Replicas:
    """The replicas of other services' facts, as the portal and open data show them."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def program(self, code: str) -> Row | None:
        row = await self.sql.fetchrow("SELECT * FROM proj_programs WHERE code = $1", code)
        return None if row is None else dict(row)

    async def programs(self) -> list[Row]:
        return [dict(r) for r in await self.sql.fetch("SELECT * FROM proj_programs")]

    async def csr_by_company(self) -> list[Row]:
        """name, pledged, deposited, spent — most pledged first."""
        return [dict(r) for r in await self.sql.fetch(
            "SELECT c.name, coalesce(sum(f.amount) FILTER (WHERE f.kind = 'pledge'), 0)::bigint AS pledged, "
            "coalesce(sum(f.amount) FILTER (WHERE f.kind = 'deposit'), 0)::bigint AS deposited, "
            "coalesce(sum(f.amount) FILTER (WHERE f.kind = 'spending'), 0)::bigint AS spent "
            "FROM proj_companies c LEFT JOIN proj_csr_flows f ON f.company_id = c.company_id "
            "GROUP BY c.company_id, c.name ORDER BY pledged DESC")]

    async def csr_companies(self) -> list[Row]:
        """Open data: each company's CSR money, by name."""
        return [dict(r) for r in await self.sql.fetch("""
            SELECT c.name AS company, c.sector, c.tjsl_mandatory,
                   coalesce(sum(f.amount) FILTER (WHERE f.kind = 'pledge'), 0)::bigint AS pledged_idr,
                   coalesce(sum(f.amount) FILTER (WHERE f.kind = 'deposit'), 0)::bigint AS deposited_idr,
                   coalesce(sum(f.amount) FILTER (WHERE f.kind = 'allocation'), 0)::bigint AS allocated_idr,
                   coalesce(sum(f.amount) FILTER (WHERE f.kind = 'spending'), 0)::bigint AS spent_idr
            FROM proj_companies c LEFT JOIN proj_csr_flows f ON f.company_id = c.company_id
            GROUP BY c.company_id, c.name, c.sector, c.tjsl_mandatory ORDER BY c.name""")]

    async def csr_flows(self) -> list[Row]:
        """Every CSR flow with its company, by company name and time."""
        return [dict(r) for r in await self.sql.fetch(
            "SELECT c.company_id, c.name, c.registered_at, f.kind, f.amount, f.counterpart, "
            "f.occurred_at FROM proj_companies c JOIN proj_csr_flows f "
            "ON f.company_id = c.company_id ORDER BY c.name, f.occurred_at")]

    async def enterprises(self) -> list[Row]:
        """Verified and active enterprises with their latest accepted report, most earned revenue first."""
        return [dict(r) for r in await self.sql.fetch(
            "WITH latest AS (SELECT DISTINCT ON (enterprise_id) * FROM proj_enterprise_reports "
            "ORDER BY enterprise_id, period_end DESC) "
            "SELECT e.enterprise_id, e.name, e.legal_form, e.province_code, l.period, l.earned_revenue, "
            "l.total_expenses, l.employees, l.employees_vulnerable FROM proj_enterprises e "
            "LEFT JOIN latest l USING (enterprise_id) WHERE e.status IN ('verified', 'active') "
            "ORDER BY l.earned_revenue DESC NULLS LAST, e.name")]

    async def graduated(self) -> int:
        return int(await self.sql.fetchval("SELECT count(DISTINCT household_ref) FROM proj_graduations"))

    async def projects(self) -> list[Row]:
        return [dict(r) for r in await self.sql.fetch(
            "SELECT * FROM proj_projects WHERE status <> 'cancelled' ORDER BY budget DESC")]

    async def active_partners_per_strand(self) -> list[tuple[str, int]]:
        rows = await self.sql.fetch("SELECT strand, count(*) AS n FROM proj_partners WHERE active = 'true' "
                                    "GROUP BY strand ORDER BY strand")
        return [(r["strand"], r["n"]) for r in rows]


class CanvasFacts:
    """What the canvas is built from, as it stood at a moment."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def until(self, until: datetime) -> Facts:
        d = self.sql
        facts = Facts()
        facts.programs = [dict(r) for r in await d.fetch(
            "SELECT code, name, funding_source FROM proj_programs WHERE defined_at <= $1 ORDER BY code", until)]
        facts.platform, facts.paid = await Reached(d).reach(until)
        facts.grievances = await GrievanceCases(d).figures(min(until, datetime.now(UTC)))
        facts.log_size = await PaymentFigures(d).records()
        facts.checkpoint_size = int(await d.fetchval("SELECT coalesce(max(size), 0) FROM tlog_checkpoints"))
        flows = await d.fetch("SELECT kind, flow_key, amount FROM proj_csr_flows WHERE occurred_at <= $1", until)
        for f in flows:
            facts.csr[f["kind"]] = facts.csr.get(f["kind"], 0) + f["amount"]
            facts.csr_keys.setdefault(f["kind"], []).append(f["flow_key"])
        facts.companies = int(await d.fetchval(
            "SELECT count(*) FROM proj_companies WHERE registered_at <= $1", until))
        facts.pledging_companies = int(await d.fetchval(
            "SELECT count(DISTINCT company_id) FROM proj_csr_flows WHERE kind = 'pledge' AND occurred_at <= $1",
            until))
        facts.deposits_without_pledge = int(await d.fetchval(
            "SELECT coalesce(sum(amount), 0) FROM proj_csr_flows f WHERE kind = 'deposit' AND occurred_at <= $1 AND "
            "NOT EXISTS (SELECT 1 FROM proj_csr_flows p WHERE p.kind = 'pledge' AND p.company_id = f.company_id)",
            until))
        ent = await d.fetch("SELECT enterprise_id, groups_served FROM proj_enterprises "
                            "WHERE registered_at <= $1 AND status IN ('verified', 'active')", until)
        facts.enterprises = len(ent)
        facts.enterprise_keys = [r["enterprise_id"] for r in ent]
        for r in ent:
            for g in filter(None, r["groups_served"].split(",")):
                facts.enterprise_groups[g] = facts.enterprise_groups.get(g, 0) + 1
        latest = await d.fetchrow(
            "WITH latest AS (SELECT DISTINCT ON (enterprise_id) * FROM proj_enterprise_reports "
            "WHERE accepted_at <= $1 ORDER BY enterprise_id, period_end DESC) "
            "SELECT coalesce(sum(earned_revenue), 0)::bigint AS revenue, "
            "coalesce(sum(total_expenses), 0)::bigint AS expenses, coalesce(sum(employees), 0)::bigint AS jobs, "
            "coalesce(sum(employees_vulnerable), 0)::bigint AS vulnerable FROM latest", until)
        assert latest is not None  # an aggregate always answers one row
        facts.earned_revenue, facts.enterprise_expenses = latest["revenue"], latest["expenses"]
        facts.jobs, facts.jobs_vulnerable = latest["jobs"], latest["vulnerable"]
        facts.enterprise_grants = int(await d.fetchval(
            "SELECT coalesce(sum(grants_received), 0) FROM proj_enterprise_reports WHERE accepted_at <= $1", until))
        facts.graduations = int(await d.fetchval("SELECT count(DISTINCT household_ref) FROM proj_graduations "
                                                 "WHERE occurred_at <= $1", until))
        facts.partners_by_strand = {r["strand"]: r["n"] for r in await d.fetch(
            "SELECT strand, count(*) AS n FROM proj_partners WHERE registered_at <= $1 AND active = 'true' "
            "GROUP BY strand", until)}
        projects = await d.fetch("SELECT project_id, helix_complete, budget, delivered FROM proj_projects "
                                 "WHERE changed_at <= $1 AND status <> 'cancelled'", until)
        facts.projects = len(projects)
        facts.projects_complete = sum(r["helix_complete"] == "true" for r in projects)
        facts.project_budget = sum(r["budget"] for r in projects)
        facts.contributions_delivered = sum(r["delivered"] for r in projects)
        facts.project_keys = [r["project_id"] for r in projects]
        reg = (await log_figures.fetch(
            d, "SELECT count(*) AS n, count(*) FILTER (WHERE verification = 'verified') AS verified, "
            "count(*) FILTER (WHERE verification IN ('flagged', 'rejected', 'under_review')) AS flagged "
            "FROM proj_registry_households WHERE erased = 'false' AND changed_at <= $1", until, register=True))[0]
        facts.registered, facts.verified, facts.flagged = reg["n"], reg["verified"], reg["flagged"]
        return facts
