"""Programs: define (or redefine with a new rule version) from configuration, explain, dry run."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime
from importlib.resources import files
from typing import Any
from uuid import UUID, uuid5

import orjson

from disbursement.application.households import iter_candidates, load_household
from disbursement.domain.eligibility import evaluate
from disbursement.domain.programs import ProgramDefinition
from gotong.contracts.disbursement import ProgramDefined
from gotong.domain.errors import NotFound
from gotong.eventstore import EventData, EventMetadata, EventStoreTx
from gotong.eventstore.postgres import driver_connection

NAMESPACE = UUID("6f1d2c1e-3b7a-5e47-9a43-0b1f5d6c7a21")
#: A CSR program shipped as configuration names no allocation yet; the CSR ledger's approval links one.
UNLINKED_ALLOCATION = "00000000-0000-0000-0000-000000000000"


def program_id(code: str) -> UUID:
    return uuid5(NAMESPACE, f"program:{code}")


def shipped_programs() -> list[ProgramDefinition]:
    """The programs that ship as configuration in `disbursement/programs/*.json`."""
    folder = files("disbursement") / "programs"
    return [ProgramDefinition.model_validate_json(f.read_text()) for f in sorted(folder.iterdir(),
                                                                                    key=lambda f: f.name)
            if f.name.endswith(".json")]


def _jsonable(definition: ProgramDefinition) -> dict[str, Any]:
    return definition.model_dump(mode="json")


async def define_program(tx: EventStoreTx, definition: ProgramDefinition, meta: EventMetadata) -> dict[str, Any]:
    """Create the program, or record a new version of its rules; the same definition again changes nothing."""
    driver = await driver_connection(tx.connection, begin=False)
    pid = program_id(definition.code)
    row = await driver.fetchrow("SELECT definition FROM programs WHERE program_id = $1 FOR UPDATE", pid)
    if row is not None and definition.csr_allocation_id == UNLINKED_ALLOCATION:
        stored = _as_obj(row["definition"])
        if stored.get("csr_allocation_id") not in (None, UNLINKED_ALLOCATION):  # keep the ledger's link
            definition = definition.model_copy(update={
                "csr_allocation_id": stored["csr_allocation_id"], "budget": stored["budget"],
                "csr_more_allocation_ids": stored.get("csr_more_allocation_ids", [])})
    body = _jsonable(definition)
    if row is not None and _as_obj(row["definition"]) == body:
        return _public(pid, definition, changed=False)
    now = datetime.now(UTC)
    await driver.execute(
        "INSERT INTO programs (program_id, code, name, funding_source, csr_allocation_id, rule_version, budget, "
        "definition, defined_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9) ON CONFLICT (program_id) DO "
        "UPDATE SET name = excluded.name, funding_source = excluded.funding_source, "
        "csr_allocation_id = excluded.csr_allocation_id, rule_version = excluded.rule_version, "
        "budget = excluded.budget, definition = excluded.definition, defined_at = excluded.defined_at",
        pid, definition.code, definition.name, definition.funding_source, definition.csr_allocation_id,
        definition.rule_version, definition.budget, orjson.dumps(body).decode(), now)
    version = await driver.fetchval("SELECT coalesce(max(version), 0) FROM events WHERE stream_id = $1", pid)
    event = ProgramDefined(program_id=str(pid), code=definition.code, name=definition.name,
                           funding_source=definition.funding_source, csr_allocation_id=definition.csr_allocation_id,
                           eligibility_summary=definition.eligibility_summary, rule_version=definition.rule_version,
                           occurred_at=now.isoformat())
    await tx.append(pid, "program", version, [EventData(event.event_type, event.model_dump(mode="json"),
                                                        event.schema_version, metadata=meta)])
    return _public(pid, definition, changed=True)


def _as_obj(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _public(pid: UUID, d: ProgramDefinition, *, changed: bool) -> dict[str, Any]:
    return {"program_id": str(pid), "code": d.code, "name": d.name, "funding_source": d.funding_source,
            "csr_allocation_id": d.csr_allocation_id, "csr_more_allocation_ids": d.csr_more_allocation_ids,
            "rule_version": d.rule_version, "budget": d.budget, "changed": changed}


async def get_program(driver: Any, code_or_id: str) -> tuple[UUID, ProgramDefinition]:
    row = await driver.fetchrow("SELECT program_id, definition FROM programs WHERE code = $1 OR "
                                "program_id::text = $1", code_or_id)
    if row is None:
        raise NotFound(f"program {code_or_id} is not defined", field="program")
    return row["program_id"], ProgramDefinition.model_validate(_as_obj(row["definition"]))


_COMMITTED = """
SELECT coalesce(sum(CASE WHEN c.status IN ('closed', 'reconciled') THEN coalesce(p.paid, 0)
                         ELSE c.total_amount - coalesce(p.returned, 0) END), 0)
FROM cycles c
LEFT JOIN (SELECT cycle_id, sum(confirmed_amount) FILTER (WHERE status = 'paid') AS paid,
                  sum(amount) FILTER (WHERE status = 'returned') AS returned
           FROM payments WHERE program_id = $1 GROUP BY cycle_id) p USING (cycle_id)
WHERE c.program_id = $1 AND c.approved_at IS NOT NULL AND c.cycle_id IS DISTINCT FROM $2
"""


async def budget_remaining(driver: Any, program_id: UUID, budget: int, *, excluding: UUID | None = None) -> int:
    """The budget less what approved cycles hold: their whole approved amount while they pay (less what came
    back, returned and not reissued), and only what was paid once they are closed — money for failed payments
    and households still held goes back to the program when the cycle closes."""
    return budget - int(await driver.fetchval(_COMMITTED, program_id, excluding))


async def list_programs(driver: Any) -> list[dict[str, Any]]:
    rows = await driver.fetch(
        "SELECT p.*, coalesce(s.committed, 0) AS committed, coalesce(r.returned, 0) AS returned FROM programs p "
        "LEFT JOIN (SELECT program_id, sum(total_amount) AS committed FROM cycles WHERE approved_at IS NOT NULL "
        "GROUP BY program_id) s USING (program_id) LEFT JOIN (SELECT program_id, sum(amount) AS returned "
        "FROM payments WHERE status = 'returned' GROUP BY program_id) r USING (program_id) ORDER BY code")
    out = []
    for r in rows:
        d = ProgramDefinition.model_validate(_as_obj(r["definition"]))
        out.append({**_public(r["program_id"], d, changed=False), "eligibility_summary": d.eligibility_summary,
                    "committed": int(r["committed"]), "returned": int(r["returned"]),
                    "remaining": await budget_remaining(driver, r["program_id"], d.budget),
                    "rules": [x.model_dump() for x in d.rules], "benefit": d.benefit.model_dump()})
    for o in out:
        o.pop("changed")
    return out


async def explain(driver: Any, code: str, household_ref: str, cutoff: date, period: str | None) -> dict[str, Any]:
    """Why this household does or does not qualify, by rule, with the facts and desil snapshot used."""
    _, definition = await get_program(driver, code)
    household = await load_household(driver, household_ref)
    others = await other_programs(driver, household_ref, period) if period else frozenset()
    decision = evaluate(definition, household, cutoff, other_programs=others)
    return {**decision.as_dict(), "cutoff": cutoff.isoformat(), "period": period}


async def other_programs(driver: Any, household_ref: str, period: str | None) -> frozenset[str]:
    rows = await driver.fetch(
        "SELECT DISTINCT p.code FROM entitlements e JOIN cycles c USING (cycle_id) JOIN programs p "
        "ON p.program_id = e.program_id WHERE e.household_ref = $1 AND c.period = $2 AND e.status <> 'cancelled'",
        household_ref, period)
    return frozenset(r["code"] for r in rows)


async def dry_run(driver: Any, code: str, cutoff: date, *, limit: int = 50) -> dict[str, Any]:
    """Who would qualify now and why: counts per outcome and per region, and the first decisions explained."""
    _, definition = await get_program(driver, code)
    outcomes: Counter[str] = Counter()
    per_region: dict[str, Counter[str]] = {}
    total = 0
    sample: list[dict[str, Any]] = []
    async for batch in iter_candidates(driver, definition, None):
        for h in batch:
            d = evaluate(definition, h, cutoff)
            outcomes[d.outcome] += 1
            per_region.setdefault(h.regency_code, Counter())[d.outcome] += 1
            total += d.amount
            if len(sample) < limit and d.outcome != "not_eligible":
                sample.append(d.as_dict())
    return {"program": code, "rule_version": definition.rule_version, "cutoff": cutoff.isoformat(),
            "households_considered": sum(outcomes.values()), "outcomes": dict(outcomes), "total_amount": total,
            "note": "exclusions against other programs apply when a cycle is computed",
            "per_region": [{"regency_code": k, **dict(v)} for k, v in sorted(per_region.items())],
            "decisions": sample}


async def explain_entitlement(driver: Any, cycle_id: UUID, household_ref: str) -> dict[str, Any]:
    """A cycle's decision for one household: what was computed (amount, desil and rule version, the household
    version it was computed from) and the rules evaluated again at the cycle's cut-off on today's replica."""
    cycle = await driver.fetchrow("SELECT c.*, p.code FROM cycles c JOIN programs p USING (program_id) "
                                  "WHERE c.cycle_id = $1", cycle_id)
    if cycle is None:
        raise NotFound(f"cycle {cycle_id} does not exist", field="cycle_id")
    row = await driver.fetchrow("SELECT * FROM entitlements WHERE cycle_id = $1 AND household_ref = $2", cycle_id,
                                household_ref)
    computed = None if row is None else {
        "amount": row["amount"], "status": row["status"], "members_counted": row["members_counted"],
        "desil": row["desil"], "desil_rule_version": row["desil_rule_version"],
        "desil_snapshot": row["desil_snapshot"],
        "household_version": row["household_version"], "rule_version": cycle["rule_version"]}
    try:
        now = await explain(driver, cycle["code"], household_ref, cycle["cutoff"], cycle["period"])
    except NotFound:
        now = None  # erased from the replica since
    return {"cycle_id": str(cycle_id), "program_code": cycle["code"], "period": cycle["period"],
            "cutoff": cycle["cutoff"].isoformat(), "computed": computed, "explanation_now": now}


async def link_allocation(tx: EventStoreTx, target_id: str, allocation_id: str, amount: int,
                          meta: EventMetadata) -> bool:
    """An approved CSR allocation to a CSR-funded program funds it: the first links the program (until then it
    cannot open a cycle), each further one — another company's, or the same company's top-up — adds its amount
    to the budget. The budget is thus exactly what the companies gave; the ledger charges each payment to the
    oldest allocation with money left (see csr-ledger's README). A redelivered allocation changes nothing."""
    driver = await driver_connection(tx.connection, begin=False)
    row = await driver.fetchrow("SELECT definition FROM programs WHERE lower(code) = lower($1) AND "
                                "funding_source = 'csr'", target_id)
    if row is None:
        return False
    definition = ProgramDefinition.model_validate(_as_obj(row["definition"]))
    if definition.csr_allocation_id == UNLINKED_ALLOCATION:
        update: dict[str, Any] = {"csr_allocation_id": allocation_id, "budget": amount}
    elif allocation_id == definition.csr_allocation_id or allocation_id in definition.csr_more_allocation_ids:
        return False
    else:
        update = {"csr_more_allocation_ids": [*definition.csr_more_allocation_ids, allocation_id],
                  "budget": definition.budget + amount}
    await define_program(tx, definition.model_copy(update=update), meta)
    return True
