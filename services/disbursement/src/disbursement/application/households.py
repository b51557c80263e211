"""Reads of the eligibility replica: one household, or the candidates of a program in keyset-paged batches."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson

from disbursement.domain.eligibility import Household
from disbursement.domain.programs import ProgramDefinition
from gotong.domain.errors import NotFound

_COLUMNS = ("household_ref, household_version, village_code, district_code, regency_code, province_code, "
            "verification, desil, desil_rule_version, desil_snapshot, present_until")


def _members(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    return orjson.loads(value) if isinstance(value, str | bytes) else list(value)


def _household(r: Any, with_members: bool) -> Household:
    return Household(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9],
                     _members(r[11]) if with_members else None, r[10])


async def load_household(driver: Any, household_ref: str) -> Household:
    r = await driver.fetchrow(f"SELECT {_COLUMNS}, members FROM households WHERE household_ref = $1 "
                              "AND NOT erased", household_ref)
    if r is None:
        raise NotFound(f"household {household_ref} is not in the eligibility replica", field="household_ref")
    return _household(r, True)


def prefilter(definition: ProgramDefinition, *, desil: bool = True) -> tuple[str, list[Any]]:
    """SQL narrowing the replica to households that can pass the desil (unless `desil` is off) and region rules
    (bind parameters only); the rules themselves are still evaluated in full on every candidate."""
    where = ["NOT erased", "merged_into IS NULL"]
    params: list[Any] = []
    band = definition.desil_band() if desil else None
    if band is not None:
        params.extend(band)
        where.append(f"desil BETWEEN ${len(params) - 1} AND ${len(params)}")
    prefixes = definition.region_prefixes()
    if prefixes:
        params.append(prefixes)
        where.append(f"(province_code = ANY(${len(params)}::text[]) OR regency_code = ANY(${len(params)}::text[]) "
                     f"OR village_code = ANY(${len(params)}::text[]))")
    return " AND ".join(where), params


async def iter_candidates(driver: Any, definition: ProgramDefinition, refs: list[str] | None,
                          batch: int = 20_000) -> AsyncIterator[list[Household]]:
    where, params = prefilter(definition)
    with_members = definition.needs_members()
    cols = _COLUMNS + (", members" if with_members else "")
    if refs is not None:
        params = [*params, refs]
        where += f" AND household_ref = ANY(${len(params)}::text[])"
    after = ""
    while True:
        rows = await driver.fetch(
            f"SELECT {cols} FROM households WHERE {where} AND household_ref > ${len(params) + 1} "
            f"ORDER BY household_ref LIMIT {batch}", *params, after)
        if not rows:
            return
        yield [_household(r, with_members) for r in rows]
        after = rows[-1][0]
        if len(rows) < batch:
            return
