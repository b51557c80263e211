"""The welfare ranking run: score every active household, desil nationally and per province, keep the
quarter's snapshot, and append `HouseholdRanked` only to households whose desil changed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from uuid6 import uuid7

from gotong.application.uow import UnitOfWork
from gotong.eventstore.model import AppendRequest, EventData
from registry.adapters.ranking import RankingTables
from registry.adapters.reference import load_rule
from registry.domain.household import Household, HouseholdRanked
from registry.domain.model import Attributes, MemberFact
from registry.domain.pmt import PmtRule, deciles
from registry.domain.ranking import check_ranking_day, quarter_of


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
