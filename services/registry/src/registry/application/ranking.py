"""The welfare ranking run: score every active household, desil nationally and per province, keep the
quarter's snapshot, and append `HouseholdRanked` only to households whose desil changed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from uuid6 import uuid7

from gotong.domain.errors import ValidationFailed
from gotong.eventstore.model import AppendRequest, EventData, EventMetadata
from gotong.eventstore.port import EventStoreTx
from gotong.eventstore.postgres import driver_connection
from registry.application.queries import json_value
from registry.domain.household import HouseholdRanked
from registry.domain.model import Attributes, MemberFact
from registry.domain.pmt import deciles, load_rule

#: DTSEN, the register this service keeps, exists from 2025 (Inpres 4/2025): no ranking of an earlier quarter.
FIRST_RANKING_DAY = date(2025, 1, 1)


def check_ranking_day(on: date, today: date | None = None) -> date:
    """A ranking is of a quarter that has begun and that the register existed in; any other label would outrank
    every real quarter (a future one) or rewrite history (an earlier one)."""
    today = today or date.today()
    if on > today:
        raise ValidationFailed(f"{on.isoformat()} has not come yet: a ranking is of a quarter that has begun",
                               field="on")
    if on < FIRST_RANKING_DAY:
        raise ValidationFailed(f"{on.isoformat()} is before the register existed "
                               f"(first quarter {quarter_of(FIRST_RANKING_DAY)[0]})", field="on")
    return on


def quarter_of(on: date) -> tuple[str, date]:
    q = (on.month - 1) // 3
    return f"{on.year}-Q{q + 1}", date(on.year, q * 3 + 1, 1)


@dataclass
class RankingResult:
    snapshot: str
    rule_version: str
    households: int
    changed: int

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


async def run_ranking(tx: EventStoreTx, *, on: date, rule_version: str | None = None, meta: EventMetadata,
                      progress: Callable[[int, int], None] | None = None) -> RankingResult:
    check_ranking_day(on)
    rule = load_rule(rule_version) if rule_version else load_rule()
    snapshot, effective_from = quarter_of(on)
    driver = await driver_connection(tx.connection)
    rows = await driver.fetch("SELECT household_id, version, province_code, regency_code, attributes, members, "
                              "desil FROM households WHERE status = 'active' FOR UPDATE")
    scores: list[tuple[UUID, float]] = []
    by_province: dict[str, list[tuple[UUID, float]]] = defaultdict(list)
    current: dict[UUID, Any] = {}
    for i, r in enumerate(rows):
        attributes = Attributes.model_validate(json_value(r["attributes"]))
        members = [MemberFact.model_validate(m) for m in json_value(r["members"])]
        score = rule.score(attributes, members, on)
        scores.append((r["household_id"], score))
        by_province[r["province_code"]].append((r["household_id"], score))
        current[r["household_id"]] = r
        if progress and i % 5000 == 0:
            progress(i, len(rows))
    national = deciles(scores)
    provincial: dict[UUID, int] = {}
    for group in by_province.values():
        provincial.update(deciles(group))
    score_of = dict(scores)

    now = datetime.now(UTC)
    requests: list[AppendRequest] = []
    updates: list[tuple[Any, ...]] = []
    for hid, desil in national.items():
        r = current[hid]
        if r["desil"] == desil:
            continue
        event = HouseholdRanked(desil=desil, desil_province=provincial[hid], previous_desil=r["desil"],
                                score=score_of[hid], rule_version=rule.version, snapshot=snapshot,
                                state={"province_code": r["province_code"], "regency_code": r["regency_code"]})
        requests.append(AppendRequest(hid, "household", r["version"], [EventData(
            event.event_type, event.to_data(), event.schema_version, uuid7(), now, meta)]))
        updates.append((hid, r["version"] + 1, desil, provincial[hid], score_of[hid]))
    if requests:
        await tx.append_batch(requests)
    await driver.execute("CREATE TEMP TABLE ranked (household_id uuid, version int, desil smallint, "
                         "desil_province smallint, score float8) ON COMMIT DROP")
    await driver.copy_records_to_table("ranked", records=[
        (hid, None, national[hid], provincial[hid], score_of[hid]) for hid in national])
    await driver.execute("UPDATE households h SET score = r.score, desil_province = r.desil_province, "
                         "rule_version = $1 FROM ranked r WHERE h.household_id = r.household_id", rule.version)
    await driver.execute("DELETE FROM ranked")
    await driver.copy_records_to_table("ranked", records=updates)
    await driver.execute("UPDATE households h SET desil = r.desil, version = r.version, updated_at = now() "
                         "FROM ranked r WHERE h.household_id = r.household_id")
    await driver.execute("DELETE FROM desil_snapshots WHERE snapshot = $1", snapshot)
    await driver.copy_records_to_table("desil_snapshots", records=[
        (snapshot, hid, score_of[hid], national[hid], provincial[hid]) for hid in national],
        columns=["snapshot", "household_id", "score", "desil", "desil_province"])
    await driver.execute(
        "INSERT INTO ranking_runs (snapshot, rule_version, effective_from, households, changed) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (snapshot) DO UPDATE SET rule_version = EXCLUDED.rule_version, "
        "households = EXCLUDED.households, changed = EXCLUDED.changed, computed_at = now()",
        snapshot, rule.version, effective_from, len(national), len(requests))
    if progress:
        progress(len(rows), len(rows))
    return RankingResult(snapshot, rule.version, len(national), len(requests))
