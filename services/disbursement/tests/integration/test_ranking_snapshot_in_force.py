"""The replica keeps every ranking snapshot, and a cycle uses for each household the one in force at its
cut-off: a ranking run dated in the future (`2563-Q3`, whose label beats every real quarter) never counts —
not in the entitlements, not in their explanation."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from gotong_contracts.registry import HouseholdRanked

from disbursement.adapters import replica
from disbursement.fixtures import changed
from gotong.api.app import runtime


def ranked(ref: str, desil: int, snapshot: str) -> HouseholdRanked:
    return HouseholdRanked(household_ref=ref, desil=desil, desil_province=desil, rule_version="DTSEN-2026.1",
                           snapshot=snapshot, province_code="32", regency_code="32.73",
                           occurred_at=datetime.now(UTC).isoformat())


async def test_a_future_snapshot_never_counts_at_the_cutoff(env):
    await env.households(changed("HH-POOR", 1, desil=9), changed("HH-RICH", 1, desil=2),
                         changed("HH-FUTURE-ONLY", 1, desil=2))
    async with runtime(env.app).database.transaction() as sql:
        for e in (ranked("HH-POOR", 3, "2026-Q3"), ranked("HH-POOR", 9, "2563-Q3"),   # poisoned run
                  ranked("HH-RICH", 8, "2026-Q3"), ranked("HH-RICH", 1, "2563-Q3"),
                  ranked("HH-FUTURE-ONLY", 2, "2563-Q3"), ranked("HH-POOR", 3, "2026-Q3")):  # redelivered
            await replica.apply_ranked(sql, e)
    kept = await env.sql("SELECT jsonb_array_length(rankings) AS n FROM households WHERE household_ref = 'HH-POOR'")
    assert kept[0]["n"] == 2  # each snapshot once, the redelivered one too
    cid = await env.cycle(until="computed")  # BPNT 2026-Q4, cut-off 2026-10-01, desil 1-4
    rows = await env.sql("SELECT household_ref, desil, desil_snapshot FROM entitlements WHERE cycle_id = $1 "
                         "ORDER BY 1", UUID(cid))
    assert [(r["household_ref"], r["desil"], r["desil_snapshot"]) for r in rows] == [("HH-POOR", 3, "2026-Q3")]
    why = (await env.client.get(f"/v1/cycles/{cid}/entitlements/HH-RICH", headers=env.ops)).json()
    assert why["computed"] is None
    assert why["explanation_now"]["desil"] == {"value": 8, "rule_version": "DTSEN-2026.1", "snapshot": "2026-Q3"}
    why = (await env.client.get(f"/v1/cycles/{cid}/entitlements/HH-FUTURE-ONLY", headers=env.ops)).json()
    assert why["explanation_now"]["outcome"] == "not_eligible"
    assert why["explanation_now"]["desil"]["value"] is None
