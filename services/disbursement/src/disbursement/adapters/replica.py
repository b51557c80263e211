"""The eligibility replica: the newest state of each household from `registry.events`, kept by
`household_version`; erased households are shredded here too, merged ones folded into the survivor."""

from __future__ import annotations

from typing import Any

import orjson

from disbursement.domain.eligibility import present_until
from gotong.contracts.registry import HouseholdChanged, HouseholdErased, HouseholdRanked, HouseholdsMerged

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


async def apply_changed(driver: Any, e: HouseholdChanged) -> bool:
    members = [m.model_dump(mode="json") for m in e.members]
    row = await driver.fetchval(_UPSERT, e.household_ref, e.household_version, e.village_code, e.district_code,
                                e.regency_code, e.province_code, e.verification, e.desil, e.desil_rule_version,
                                orjson.dumps(members).decode(), present_until(members))
    if row is not None and e.verification == "verified":
        await driver.execute(_RELEASE_HELD, e.household_ref)
    return row is not None


async def apply_ranked(driver: Any, e: HouseholdRanked) -> None:
    await driver.execute(
        "UPDATE households SET desil = $2, desil_rule_version = $3, desil_snapshot = $4, updated_at = now() "
        "WHERE household_ref = $1 AND NOT erased AND (desil_snapshot IS NULL OR desil_snapshot <= $4)",
        e.household_ref, e.desil, e.rule_version, e.snapshot)


async def apply_erased(driver: Any, e: HouseholdErased) -> None:
    # A tombstone with the highest version: no later or replayed HouseholdChanged can bring it back.
    await driver.execute(
        "INSERT INTO households (household_ref, household_version, village_code, district_code, regency_code, "
        "province_code, verification, erased, members) VALUES ($1, 2147483647, '', '', '', '', 'erased', true, "
        "'[]'::jsonb) ON CONFLICT (household_ref) DO UPDATE SET erased = true, members = '[]'::jsonb, "
        "desil = NULL, household_version = 2147483647, verification = 'erased', updated_at = now()",
        e.household_ref)
    await driver.execute(_CANCEL_UNPAID, [e.household_ref])


async def apply_merged(driver: Any, e: HouseholdsMerged) -> None:
    merged = [r for r in e.merged_refs if r != e.surviving_ref]
    if not merged:
        return
    await driver.execute("UPDATE households SET merged_into = $1, updated_at = now() "
                         "WHERE household_ref = ANY($2::text[])", e.surviving_ref, merged)
    await driver.execute(_CANCEL_UNPAID, merged)
