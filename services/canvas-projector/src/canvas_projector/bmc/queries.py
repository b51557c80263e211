"""Facts for the canvas from the projector's tables, as of a date."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import asyncpg

from canvas_projector.bmc.model import Facts

UTC_ = UTC


async def load_facts(d: asyncpg.Connection, as_of: date | None) -> Facts:
    until = datetime.combine(as_of, time.max, tzinfo=UTC_) if as_of else datetime.max.replace(tzinfo=UTC_)
    facts = Facts()
    facts.programs = [dict(r) for r in await d.fetch(
        "SELECT code, name, funding_source FROM proj_programs WHERE defined_at <= $1 ORDER BY code", until)]
    rows = await d.fetch("""
        WITH r AS (SELECT convert_from(leaf, 'UTF8')::jsonb AS r FROM tlog_leaves),
        net AS (SELECT r->>'program_code' AS code, r->>'household_ref' AS hh,
                       split_part(r->>'region_code', '.', 1) AS province,
                       sum(CASE r->>'status' WHEN 'paid' THEN (r->>'amount')::bigint
                                             WHEN 'returned' THEN -(r->>'amount')::bigint ELSE 0 END) AS amount
                FROM r WHERE (r->>'occurred_at')::timestamptz <= $1 GROUP BY 1, 2, 3)
        SELECT code, count(DISTINCT hh) FILTER (WHERE amount > 0) AS households, sum(amount)::bigint AS amount,
               count(DISTINCT province) AS provinces FROM net GROUP BY code""", until)
    facts.paid = {r["code"]: (r["households"], r["amount"] or 0) for r in rows}
    facts.provinces_reached = max((r["provinces"] for r in rows), default=0)
    facts.log_size = int(await d.fetchval("SELECT count(*) FROM tlog_leaves"))
    facts.checkpoint_size = int(await d.fetchval("SELECT coalesce(max(size), 0) FROM tlog_checkpoints"))
    flows = await d.fetch("SELECT kind, flow_key, amount FROM proj_csr_flows WHERE occurred_at <= $1", until)
    for f in flows:
        facts.csr[f["kind"]] = facts.csr.get(f["kind"], 0) + f["amount"]
        facts.csr_keys.setdefault(f["kind"], []).append(f["flow_key"])
    facts.companies = int(await d.fetchval("SELECT count(*) FROM proj_companies WHERE registered_at <= $1", until))
    facts.pledging_companies = int(await d.fetchval(
        "SELECT count(DISTINCT company_id) FROM proj_csr_flows WHERE kind = 'pledge' AND occurred_at <= $1", until))
    facts.deposits_without_pledge = int(await d.fetchval(
        "SELECT coalesce(sum(amount), 0) FROM proj_csr_flows f WHERE kind = 'deposit' AND occurred_at <= $1 AND "
        "NOT EXISTS (SELECT 1 FROM proj_csr_flows p WHERE p.kind = 'pledge' AND p.company_id = f.company_id)", until))
    ent = await d.fetch("SELECT enterprise_id, groups_served FROM proj_enterprises "
                        "WHERE registered_at <= $1 AND status IN ('verified', 'active')", until)
    facts.enterprises = len(ent)
    facts.enterprise_keys = [r["enterprise_id"] for r in ent]
    for r in ent:
        for g in filter(None, r["groups_served"].split(",")):
            facts.enterprise_groups[g] = facts.enterprise_groups.get(g, 0) + 1
    latest = await d.fetchrow(
        "WITH latest AS (SELECT DISTINCT ON (enterprise_id) * FROM proj_enterprise_reports WHERE accepted_at <= $1 "
        "ORDER BY enterprise_id, period_end DESC) SELECT coalesce(sum(earned_revenue), 0)::bigint AS revenue, "
        "coalesce(sum(total_expenses), 0)::bigint AS expenses, coalesce(sum(employees), 0)::bigint AS jobs, "
        "coalesce(sum(employees_vulnerable), 0)::bigint AS vulnerable FROM latest", until)
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
    reg = await d.fetchrow(
        "SELECT count(*) AS n, count(*) FILTER (WHERE verification = 'verified') AS verified, "
        "count(*) FILTER (WHERE verification IN ('flagged', 'rejected', 'under_review')) AS flagged "
        "FROM proj_registry_households WHERE erased = 'false' AND changed_at <= $1", until)
    facts.registered, facts.verified, facts.flagged = reg["n"], reg["verified"], reg["flagged"]
    return facts


