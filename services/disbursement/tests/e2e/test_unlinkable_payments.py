"""Receipts are unlinkable: a payment id is not a function of anything a public receipt shows (cycle, household,
program, period, amount, region), so one receipt gives no way to compute the same household's other payment ids;
paying a cycle again still makes no second id. Who received what needs a login."""

from __future__ import annotations

import hashlib
from uuid import NAMESPACE_URL, UUID, uuid5

from disbursement.adapters.tables import EntitlementTable
from disbursement.domain.program import program_id
from disbursement.fixtures import changed
from gotong.api.app import runtime

REFS = ("HH-A", "HH-B", "HH-C")


async def _staged(env, cycle_id: str) -> dict[str, UUID]:
    """The ids `pay` would give the cycle's households, in a transaction that writes nothing lasting."""
    async with runtime(env.app).database.transaction() as sql:
        staged = await EntitlementTable(sql).stage_unpaid(UUID(cycle_id), program_id("BPNT"))
    return {i.household_ref: i.payment_id for i in staged}


async def test_a_payment_id_is_not_a_function_of_what_a_receipt_shows(env):
    await env.households(*(changed(ref, 1) for ref in REFS))
    cid = await env.cycle(until="approved")
    # The same cycle, households, amounts and regions, staged twice: every public value is equal, the ids are
    # not, so no function of public values (md5, uuid5, a hash of the receipt) gives them.
    first, second = await _staged(env, cid), await _staged(env, cid)
    assert set(first) == set(second) == set(REFS)
    assert all(first[ref] != second[ref] for ref in REFS)

    r = await env.post(f"/v1/cycles/{cid}/pay")
    assert r.status_code == 200, r.text
    later = await env.cycle(period="2027-Q1", cutoff="2027-01-01", until="paying")
    rows = await env.sql("SELECT payment_id, cycle_id, household_ref FROM payments ORDER BY household_ref, cycle_id")
    assert len(rows) == 6
    for row in rows:
        pid, cycle, ref = row["payment_id"], row["cycle_id"], row["household_ref"]
        assert pid.version == 4  # random, not a name-based (v3/v5) or hashed id
        assert pid != UUID(hashlib.md5(f"{cycle}:{ref}".encode()).hexdigest())  # the old derivation
        assert pid != uuid5(NAMESPACE_URL, f"{cycle}:{ref}")
    by_household = {}
    for row in rows:
        by_household.setdefault(row["household_ref"], set()).add(row["payment_id"])
    assert all(len(ids) == 2 for ids in by_household.values())
    assert {str(c) for c in {row["cycle_id"] for row in rows}} == {cid, later}

    # Idempotent all the same: paying the cycle again instructs nobody twice and keeps every id.
    again = await env.post(f"/v1/cycles/{cid}/pay")
    assert again.status_code == 200, again.text
    assert again.json()["instructed_now"] == 0
    assert await env.sql("SELECT payment_id, cycle_id, household_ref FROM payments "
                         "ORDER BY household_ref, cycle_id") == rows


async def test_a_households_programs_need_a_login_with_the_read_scope(env):
    await env.households(changed("HH-A", 1))
    r = await env.client.get("/v1/recipients/HH-A/programs")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    r = await env.client.get("/v1/recipients/HH-A/programs", headers=env.token("portal", "public:read"))
    assert r.status_code == 403
    r = await env.client.get("/v1/recipients/HH-A/programs", headers=env.ops)
    assert r.status_code == 200
    assert r.json() == {"household_ref": "HH-A", "programs": []}
