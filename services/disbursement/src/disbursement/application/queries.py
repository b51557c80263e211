"""Queries: what the read side answers (cycles, programs, entitlements, exceptions, reports), and the
eligibility explanations and dry runs (the program's rules evaluated on the replica, without writing)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any, Protocol, TypeVar
from uuid import UUID

from disbursement.adapters.replica import HouseholdReplica
from disbursement.adapters.reports import Reports
from disbursement.adapters.tables import CycleTable, EntitlementTable, PaymentTable, ProgramTable
from disbursement.application.programs import public
from disbursement.domain.eligibility import evaluate
from disbursement.domain.programs import ProgramDefinition
from gotong.adapters.sql import jsonb
from gotong.domain.errors import NotFound

T = TypeVar("T")


class Adapters(Protocol):
    """A unit of work or a read snapshot: hands out adapters bound to its transaction."""

    def adapter(self, cls: type[T]) -> T: ...


async def cycle_view(on: Adapters, cycle_id: UUID) -> dict[str, Any]:
    return await on.adapter(CycleTable).view(cycle_id)


async def list_cycles(on: Adapters, program: str | None, status: str | None) -> list[dict[str, Any]]:
    table = on.adapter(CycleTable)
    return [await table.view(cid) for cid in await table.ids(program, status)]


async def entitlements(on: Adapters, cycle_id: UUID, after: str, limit: int) -> list[dict[str, Any]]:
    await on.adapter(CycleTable).row(cycle_id)  # 404 for an unknown cycle
    return await on.adapter(EntitlementTable).page(cycle_id, after, limit)


async def list_programs(on: Adapters) -> list[dict[str, Any]]:
    table = on.adapter(ProgramTable)
    out = []
    for r in await table.all():
        d = ProgramDefinition.model_validate(jsonb(r["definition"]))
        item = {**public(r["program_id"], d, changed=False), "eligibility_summary": d.eligibility_summary,
                "committed": int(r["committed"]), "returned": int(r["returned"]),
                "remaining": d.budget - await table.committed(r["program_id"]),
                "rules": [x.model_dump() for x in d.rules], "benefit": d.benefit.model_dump()}
        item.pop("changed")
        out.append(item)
    return out


async def program_drafts(on: Adapters) -> list[dict[str, Any]]:
    """Definitions awaiting a second officer's approval: what would change, and who proposed it."""
    out = []
    for r in await on.adapter(ProgramTable).drafts():
        d = ProgramDefinition.model_validate(jsonb(r["definition"]))
        item = {**public(r["program_id"], d, changed=False), "status": "draft",
                "rule_version_in_force": r["rule_version_in_force"], "proposed_by": list(r["proposed_by"]),
                "proposed_at": r["proposed_at"].isoformat(), "eligibility_summary": d.eligibility_summary,
                "rules": [x.model_dump() for x in d.rules], "benefit": d.benefit.model_dump()}
        item.pop("changed")
        out.append(item)
    return out


async def explain(on: Adapters, code: str, household_ref: str, cutoff: date, period: str | None) -> dict[str, Any]:
    """Why this household does or does not qualify, by rule, with the facts and desil snapshot used."""
    _, definition = await on.adapter(ProgramTable).get(code)
    household = await on.adapter(HouseholdReplica).get(household_ref)
    others = await on.adapter(EntitlementTable).programs_of(household_ref, period) if period else frozenset()
    decision = evaluate(definition, household, cutoff, other_programs=others)
    return {**decision.as_dict(), "cutoff": cutoff.isoformat(), "period": period}


async def dry_run(on: Adapters, code: str, cutoff: date, *, limit: int = 50) -> dict[str, Any]:
    """Who would qualify now and why: counts per outcome and per region, and the first decisions explained."""
    _, definition = await on.adapter(ProgramTable).get(code)
    outcomes: Counter[str] = Counter()
    per_region: dict[str, Counter[str]] = {}
    total = 0
    sample: list[dict[str, Any]] = []
    async for batch in on.adapter(HouseholdReplica).candidates(definition):
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


async def explain_entitlement(on: Adapters, cycle_id: UUID, household_ref: str) -> dict[str, Any]:
    """A cycle's decision for one household: what was computed (amount, desil and rule version, the household
    version it was computed from) and the rules evaluated again at the cycle's cut-off on today's replica."""
    cycle = await on.adapter(CycleTable).row(cycle_id)
    row = await on.adapter(EntitlementTable).one(cycle_id, household_ref)
    computed = None if row is None else {
        "amount": row["amount"], "status": row["status"], "members_counted": row["members_counted"],
        "desil": row["desil"], "desil_rule_version": row["desil_rule_version"],
        "desil_snapshot": row["desil_snapshot"],
        "household_version": row["household_version"], "rule_version": cycle["rule_version"]}
    try:
        now = await explain(on, cycle["code"], household_ref, cycle["cutoff"], cycle["period"])
    except NotFound:
        now = None  # erased from the replica since
    return {"cycle_id": str(cycle_id), "program_code": cycle["code"], "period": cycle["period"],
            "cutoff": cycle["cutoff"].isoformat(), "computed": computed, "explanation_now": now}


async def exceptions(on: Adapters, cycle_id: UUID | None, status: str | None) -> list[dict[str, Any]]:
    return await on.adapter(PaymentTable).exceptions(cycle_id, status)


async def targeting(on: Adapters, cycle_id: UUID) -> dict[str, Any]:
    return await on.adapter(Reports).targeting(cycle_id)


async def coverage(on: Adapters, cycle_id: UUID, level: str) -> dict[str, Any]:
    return await on.adapter(Reports).coverage(cycle_id, level)


async def paid(on: Adapters, level: str, program: str | None) -> list[dict[str, Any]]:
    return await on.adapter(Reports).paid(level, program)


async def approval_to_payment(on: Adapters) -> list[dict[str, Any]]:
    return await on.adapter(Reports).approval_to_payment()


async def recipient_programs(on: Adapters, household_ref: str) -> dict[str, Any]:
    """The public status check: programs received and their period — nothing else."""
    return await on.adapter(Reports).recipient_programs(household_ref)
