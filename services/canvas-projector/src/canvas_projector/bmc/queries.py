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
    return facts


