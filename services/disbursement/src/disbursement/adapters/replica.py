"""The eligibility replica: the newest state of each household from `registry.events`, kept by
`household_version`; erased households are shredded here too, merged ones folded into the survivor. Its tables
are a replica of another service's facts, not projections of this service's events (a rebuild leaves them).

Also the reads of the replica: one household, or the candidates of a program in keyset-paged batches."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
from gotong_contracts.registry import HouseholdChanged, HouseholdErased, HouseholdRanked, HouseholdsMerged

from disbursement.domain.eligibility import Household, Ranking, present_until
from disbursement.domain.programs import ProgramDefinition
from gotong.adapters.sql import Sql
from gotong.domain.errors import NotFound

# A stale or repeated event (version not newer) changes nothing; an erased household never comes back.
_UPSERT = """
INSERT INTO households (household_ref, household_version, village_code, district_code, regency_code,
                        province_code, verification, desil, desil_rule_version, members, present_until, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, now())
ON CONFLICT (household_ref) DO UPDATE SET
    household_version = excluded.household_version, village_code = excluded.village_code,
    district_code = excluded.district_code, regency_code = excluded.regency_code,
    province_code = excluded.province_code, verification = excluded.verification,
    desil = coalesce(excluded.desil, households.desil),
    desil_rule_version = coalesce(excluded.desil_rule_version, households.desil_rule_version),
    members = excluded.members, present_until = excluded.present_until, updated_at = now()
WHERE households.household_version < excluded.household_version AND NOT households.erased
RETURNING household_ref
"""

# Held entitlements are paid once the household is cleared (`cycles.pay_released` instructs them).
_RELEASE_HELD = """
UPDATE entitlements e SET status = 'eligible', released_at = now()
FROM cycles c
WHERE e.household_ref = $1 AND e.status = 'held' AND c.cycle_id = e.cycle_id
  AND c.status IN ('open', 'computed', 'reviewed', 'approved', 'paying')
"""

_CANCEL_UNPAID = """
UPDATE entitlements e SET status = 'cancelled'
WHERE e.household_ref = ANY($1::text[]) AND e.status IN ('eligible', 'held')
  AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.program_id = e.program_id AND p.cycle_id = e.cycle_id
                  AND p.household_ref = e.household_ref)
"""


async def apply_changed(sql: Sql, e: HouseholdChanged) -> bool:
    members = [m.model_dump(mode="json") for m in e.members]
    row = await sql.fetchval(_UPSERT, e.household_ref, e.household_version, e.village_code, e.district_code,
                                e.regency_code, e.province_code, e.verification, e.desil, e.desil_rule_version,
                                orjson.dumps(members).decode(), present_until(members))
    if row is not None and e.verification == "verified":
        await sql.execute(_RELEASE_HELD, e.household_ref)
    return row is not None


# Every snapshot is kept (a snapshot ranked again replaces its entry): a cycle takes the one in force at its
# cut-off (`eligibility.ranking_in_force`). The row's own desil is the registry's latest word, for reports.
_RANKED = """
UPDATE households SET desil = $2, desil_rule_version = $3, desil_snapshot = $4, updated_at = now(),
    rankings = (SELECT coalesce(jsonb_agg(x), '[]'::jsonb) FROM jsonb_array_elements(rankings) x
                WHERE x->>'snapshot' IS DISTINCT FROM $4)
               || jsonb_build_array(jsonb_build_object('snapshot', $4::text, 'desil', $2::smallint,
                                                       'rule_version', $3::text))
WHERE household_ref = $1 AND NOT erased
"""


async def apply_ranked(sql: Sql, e: HouseholdRanked) -> None:
    await sql.execute(_RANKED, e.household_ref, e.desil, e.rule_version, e.snapshot)


async def apply_erased(sql: Sql, e: HouseholdErased) -> None:
    # A tombstone with the highest version: no later or replayed HouseholdChanged can bring it back.
    await sql.execute(
        "INSERT INTO households (household_ref, household_version, village_code, district_code, regency_code, "
        "province_code, verification, erased, members) VALUES ($1, 2147483647, '', '', '', '', 'erased', true, "
        "'[]'::jsonb) ON CONFLICT (household_ref) DO UPDATE SET erased = true, members = '[]'::jsonb, "
        "desil = NULL, rankings = '[]'::jsonb, household_version = 2147483647, verification = 'erased', "
        "updated_at = now()",
        e.household_ref)
    await sql.execute(_CANCEL_UNPAID, [e.household_ref])


async def apply_merged(sql: Sql, e: HouseholdsMerged) -> None:
    merged = [r for r in e.merged_refs if r != e.surviving_ref]
    if not merged:
        return
    await sql.execute("UPDATE households SET merged_into = $1, updated_at = now() "
                         "WHERE household_ref = ANY($2::text[])", e.surviving_ref, merged)
    await sql.execute(_CANCEL_UNPAID, merged)


# -- reads ------------------------------------------------------------------------------------------------------
_COLUMNS = ("household_ref, household_version, village_code, district_code, regency_code, province_code, "
            "verification, desil, desil_rule_version, desil_snapshot, present_until, rankings")


def _members(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    return orjson.loads(value) if isinstance(value, str | bytes) else list(value)


def _rankings(value: Any) -> tuple[Ranking, ...]:
    if not value:
        return ()
    items = orjson.loads(value) if isinstance(value, str | bytes) else value
    return tuple(Ranking(str(x["snapshot"]), int(x["desil"]), x.get("rule_version")) for x in items)


def _household(r: Any, with_members: bool) -> Household:
    return Household(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9],
                     _members(r[12]) if with_members else None, r[10], _rankings(r[11]))


class HouseholdReplica:
    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def get(self, household_ref: str) -> Household:
        r = await self.sql.fetchrow(f"SELECT {_COLUMNS}, members FROM households WHERE household_ref = $1 "
                                    "AND NOT erased", household_ref)
        if r is None:
            raise NotFound(f"household {household_ref} is not in the eligibility replica", field="household_ref")
        return _household(r, True)

    def candidates(self, definition: ProgramDefinition, batch: int = 20_000) -> AsyncIterator[list[Household]]:
        return iter_candidates(self.sql, definition, None, batch)

    async def count(self) -> int:
        return int(await self.sql.fetchval("SELECT count(*) FROM households WHERE NOT erased"))

    async def ranked(self) -> int:
        """Households not erased with a desil (the demo waits for the registry's to arrive)."""
        return int(await self.sql.fetchval("SELECT count(*) FROM households WHERE NOT erased AND desil IS NOT NULL"))


def prefilter(definition: ProgramDefinition, *, desil: bool = True) -> tuple[str, list[Any]]:
    """SQL narrowing the replica to households that can pass the desil (unless `desil` is off) and region rules
    (bind parameters only); the rules themselves are still evaluated in full on every candidate."""
    where = ["NOT erased", "merged_into IS NULL"]
    params: list[Any] = []
    band = definition.desil_band() if desil else None
    if band is not None:  # the row's desil or any snapshot's (which one is in force is the rules' to decide)
        params.extend(band)
        lo, hi = f"${len(params) - 1}", f"${len(params)}"
        where.append(f"(desil BETWEEN {lo} AND {hi} OR (rankings <> '[]'::jsonb AND jsonb_path_exists(rankings, "
                     f"'$[*] ? (@.desil >= $lo && @.desil <= $hi)', jsonb_build_object('lo', {lo}::smallint, "
                     f"'hi', {hi}::smallint))))")
    prefixes = definition.region_prefixes()
    if prefixes:
        params.append(prefixes)
        where.append(f"(province_code = ANY(${len(params)}::text[]) OR regency_code = ANY(${len(params)}::text[]) "
                     f"OR village_code = ANY(${len(params)}::text[]))")
    return " AND ".join(where), params


async def iter_candidates(sql: Sql, definition: ProgramDefinition, refs: list[str] | None,
                          batch: int = 20_000) -> AsyncIterator[list[Household]]:
    where, params = prefilter(definition)
    with_members = definition.needs_members()
    cols = _COLUMNS + (", members" if with_members else "")
    if refs is not None:
        params = [*params, refs]
        where += f" AND household_ref = ANY(${len(params)}::text[])"
    after = ""
    while True:
        rows = await sql.fetch(
            f"SELECT {cols} FROM households WHERE {where} AND household_ref > ${len(params) + 1} "
            f"ORDER BY household_ref LIMIT {batch}", *params, after)
        if not rows:
            return
        yield [_household(r, with_members) for r in rows]
        after = rows[-1][0]
        if len(rows) < batch:
            return
