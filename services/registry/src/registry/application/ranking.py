"""The welfare ranking run: proposed by one officer, approved (or rejected) by another; on approval, score every
active household, desil nationally and per province, keep the quarter's snapshot, and append `HouseholdRanked`
only to households whose desil changed — in the approval's transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from uuid6 import uuid7

from gotong.application.repository import Repository
from gotong.application.uow import UnitOfWork
from gotong.domain.errors import NotFound
from gotong.eventstore.model import AppendRequest, EventData
from registry.adapters.ranking import RankingProposals, RankingTables
from registry.adapters.reference import load_rule
from registry.domain.household import Household, HouseholdRanked, events
from registry.domain.model import Attributes, MemberFact
from registry.domain.pmt import PmtRule, deciles
from registry.domain.ranking import RankingRun, check_ranking_day, quarter_of

runs = Repository(RankingRun, events)


@dataclass
class RankingResult:
    snapshot: str
    rule_version: str
    households: int
    changed: int

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


async def run_ranking(uow: UnitOfWork, *, on: date | None = None, rule_version: str | None = None,
                      rule: PmtRule | None = None,
                      progress: Callable[[int, int], None] | None = None) -> RankingResult:
    """Rank every active household for the quarter of `on` (default today). The bulk path: scores from the read
    rows, `HouseholdRanked` built here and appended with the store's batch call, read rows updated by COPY."""
    on = check_ranking_day(on or uow.clock.today(), uow.clock.today())
    rule = rule or (load_rule(rule_version) if rule_version else load_rule())
    snapshot, effective_from = quarter_of(on)
    tables = uow.adapter(RankingTables)
    rows = await tables.active_households()
    scores: list[tuple[UUID, float]] = []
    by_province: dict[str, list[tuple[UUID, float]]] = defaultdict(list)
    for i, r in enumerate(rows):
        score = rule.score(Attributes.model_validate(r.attributes),
                           [MemberFact.model_validate(m) for m in r.members], on)
        scores.append((r.household_id, score))
        by_province[r.province_code].append((r.household_id, score))
        if progress and i % 5000 == 0:
            progress(i, len(rows))
    national = deciles(scores)
    provincial: dict[UUID, int] = {}
    for group in by_province.values():
        provincial.update(deciles(group))
    score_of = dict(scores)

    now = uow.clock.now()
    requests: list[AppendRequest] = []
    changed: list[tuple[UUID, int, int]] = []
    for r in rows:
        desil = national[r.household_id]
        if r.desil == desil:
            continue
        hid = r.household_id
        event = HouseholdRanked(desil=desil, desil_province=provincial[hid], previous_desil=r.desil,
                                score=score_of[hid], rule_version=rule.version, snapshot=snapshot,
                                state={"province_code": r.province_code, "regency_code": r.regency_code})
        requests.append(AppendRequest(hid, Household.stream_type, r.version, [EventData(
            event.event_type, event.to_data(), event.schema_version, uuid7(), now, uow.metadata)]))
        changed.append((hid, r.version + 1, desil))
    if requests:
        await uow.append_batch(requests)
    await tables.write_run(snapshot=snapshot, rule_version=rule.version, effective_from=effective_from,
                           scores=[(hid, national[hid], provincial[hid], score_of[hid]) for hid in national],
                           changed=changed)
    if progress:
        progress(len(rows), len(rows))
    return RankingResult(snapshot, rule.version, len(national), len(requests))


# --- maker–checker: a run is proposed, then approved (computed and applied) or rejected by another officer ----
class RejectRanking(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=3, max_length=500,
                        description="why the run is not applied (about the run: no personal data)")


def _next(run_id: UUID, status: str) -> list[dict[str, str]]:
    """The ways out of a run's state, as the API answers them (none once decided)."""
    if status != "proposed":
        return []
    href = f"/v1/rankings/{run_id}"
    return [{"action": "approve", "method": "POST", "href": f"{href}/approve"},
            {"action": "reject", "method": "POST", "href": f"{href}/reject"}]


def _run_view(run: RankingRun) -> dict[str, Any]:
    return {"run_id": str(run.id), "status": run.status, "on": run.on.isoformat() if run.on else None,
            "snapshot": run.snapshot, "rule_version": run.rule_version, "proposed_by": run.proposed_by,
            "next": _next(run.id, run.status)}


async def _load_run(uow: UnitOfWork, run_id: UUID) -> RankingRun:
    found = await uow.find(runs, run_id)
    if found is None:
        raise NotFound(f"ranking run {run_id} does not exist", field="run_id")
    return found


async def propose_ranking(uow: UnitOfWork, officer: str, *, on: date | None = None,
                          rule_version: str | None = None) -> dict[str, Any]:
    """Maker: propose ranking the quarter of `on` (default today) under a rule version (default the newest).
    The day and the rule version are checked now; nothing is ranked until another officer approves."""
    rule = load_rule(rule_version) if rule_version else load_rule()
    today = uow.clock.today()
    run = RankingRun.propose(uuid7(), on=on or today, today=today, rule_version=rule.version, proposed_by=officer)
    await uow.save(run)
    return _run_view(run)


async def approve_ranking(uow: UnitOfWork, run_id: UUID, officer: str) -> dict[str, Any]:
    """Checker: another officer approves; the ranking is computed and applied in this transaction (the same
    events and snapshot a direct run writes) and the approval records what it did."""
    run = await _load_run(uow, run_id)
    run.check_approval(officer)  # before the work: a refused approval ranks nobody
    assert run.on is not None
    result = await run_ranking(uow, on=run.on, rule_version=run.rule_version)
    run.approve(officer, households=result.households, changed=result.changed)
    await uow.save(run)
    return {**result.as_dict(), **_run_view(run), "approved_by": officer}


async def reject_ranking(uow: UnitOfWork, run_id: UUID, officer: str, body: RejectRanking) -> dict[str, Any]:
    """Checker: another officer rejects the proposal; the run never ranks anyone."""
    run = await _load_run(uow, run_id)
    run.reject(officer, body.reason)
    await uow.save(run)
    return {**_run_view(run), "rejected_by": officer, "reason": body.reason}


def _row_view(r: dict[str, Any]) -> dict[str, Any]:
    return {"run_id": str(r["run_id"]), "status": r["status"], "on": r["on_date"].isoformat(),
            "snapshot": r["snapshot"], "rule_version": r["rule_version"], "proposed_by": r["proposed_by"],
            "proposed_at": r["proposed_at"].isoformat(), "decided_by": r["decided_by"],
            "decided_at": r["decided_at"].isoformat() if r["decided_at"] else None, "reason": r["reason"],
            "households": r["households"], "changed": r["changed"], "next": _next(r["run_id"], r["status"])}


async def ranking_runs(table: RankingProposals, status: str | None, limit: int, offset: int) -> dict[str, Any]:
    total, rows = await table.page(status, limit, offset)
    return {"total": total, "items": [_row_view(r) for r in rows]}


async def ranking_run(table: RankingProposals, run_id: UUID) -> dict[str, Any]:
    row = await table.one(run_id)
    if row is None:
        raise NotFound(f"ranking run {run_id} does not exist", field="run_id")
    return _row_view(row)
