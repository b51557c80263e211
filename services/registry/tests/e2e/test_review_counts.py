"""The review queue's totals are kept as reviews change (migration 0010), not counted on every page: after reviews
open, are proposed, sent back, decided and reopened, and after a rebuild, every status and reason total the API
gives equals the reviews counted one by one; filtered by region or age the total is counted only so far and then
says "at least" (`total_relation: gte`)."""

from typing import Any

import pytest

from gotong.api.app import runtime
from registry.adapters import reviews as review_queue
from registry.application.projections import rebuild_read_tables
from registry.synthetic import households

from .conftest import APPROVER, OPS, VERIFIER
from .test_households import register

STATUSES = (None, "open", "proposed", "decided")


async def ok(response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def counted_one_by_one(client) -> dict[tuple[str | None, str | None], int]:
    """Every (status, reason) total as the reviews themselves say, read through the API's items."""
    items = (await ok(await client.get("/v1/reviews", params={"limit": 200}, headers=OPS)))["items"]
    codes = {x["code"] for r in items for x in r["reasons"]}
    return {(s, c): sum(1 for r in items if s in (None, r["status"]) and c in (None, *(x["code"] for x in
                                                                                          r["reasons"])))
            for s in STATUSES for c in (None, *codes)}


async def totals(client, combos) -> dict[tuple[str | None, str | None], int]:
    out = {}
    for status, reason in combos:
        params = {k: v for k, v in (("status", status), ("reason", reason)) if v} | {"limit": 1}
        page = await ok(await client.get("/v1/reviews", params=params, headers=OPS))
        assert page["total_relation"] == "eq", (status, reason)
        out[(status, reason)] = page["total"]
    return out


async def assert_kept(client) -> dict[tuple[str | None, str | None], int]:
    expected = await counted_one_by_one(client)
    assert await totals(client, expected) == expected
    return expected


async def review_of(client, household_ref: str) -> dict[str, Any]:
    queue = (await ok(await client.get("/v1/reviews", params={"limit": 200}, headers=OPS)))["items"]
    return next(r for r in reversed(queue) if r["household_ref"] == household_ref)


async def test_totals_follow_reviews_as_they_open_move_and_close(client):
    empty = await ok(await client.get("/v1/reviews", params={"status": "open"}, headers=OPS))
    assert (empty["total"], empty["total_relation"]) == (0, "eq")
    a, b, c, d, e = list(households(5, seed=83))
    b["kk"] = a["kk"]  # a KK another household holds
    d["members"].append({**c["members"][0], "relation": "famili"})  # a NIK another household holds
    e["kk"] = a["kk"]
    for body in (a, b, c, d, e):
        await register(client, body)
    opened = await assert_kept(client)
    assert opened[("open", None)] >= 3
    assert opened[("open", "duplicate_kk")] >= 2
    assert opened[("open", "duplicate_nik")] >= 1

    first = await review_of(client, (await ok(await client.get("/v1/reviews", headers=OPS)))["items"][0][
        "household_ref"])
    proposal, approval = f"/v1/reviews/{first['id']}/proposal", f"/v1/reviews/{first['id']}/approval"
    await ok(await client.post(proposal, headers=VERIFIER, json={"decision": "rejected", "note": "KK ganda"}))
    proposed = await assert_kept(client)
    assert (proposed[("open", None)], proposed[("proposed", None)]) == (opened[("open", None)] - 1, 1)
    await ok(await client.post(approval, headers=APPROVER, params={"approve": "false"}))
    assert await assert_kept(client) == opened, "sent back: open again"
    await ok(await client.post(proposal, headers=VERIFIER, json={"decision": "rejected", "note": "KK ganda"}))
    await ok(await client.post(approval, headers=APPROVER))
    decided = await assert_kept(client)
    assert (decided[("open", None)], decided[("decided", None)]) == (opened[("open", None)] - 1, 1)

    href = f"/v1/households/{first['household_ref']}"
    await ok(await client.post(f"{href}/review", headers=VERIFIER, json={"reason": "appeal"}))
    reopened = await assert_kept(client)
    assert reopened[("open", None)] == opened[("open", None)]
    assert reopened[(None, None)] == opened[(None, None)] + 1
    assert reopened[("open", "review_reopened")] == 1

    async with runtime(client.app).database.read() as sql:
        before = await sql.fetch("SELECT status, reason, sum(n) AS n FROM review_counts GROUP BY 1, 2 ORDER BY 1, 2")
    await rebuild_read_tables(runtime(client.app).database, runtime(client.app).projectors)
    assert await assert_kept(client) == reopened, "a rebuild empties the counts with the queue and replays both"
    async with runtime(client.app).database.read() as sql:
        after = await sql.fetch("SELECT status, reason, sum(n) AS n FROM review_counts GROUP BY 1, 2 ORDER BY 1, 2")
    assert [dict(r) for r in after] == [dict(r) for r in before]


async def test_a_total_filtered_by_region_or_age_is_counted_so_far_then_at_least(client, monkeypatch):
    rows = list(households(6, seed=84))
    for row in rows[1:]:
        row["kk"] = rows[0]["kk"]
    for row in rows:
        await register(client, row)
    everything = await ok(await client.get("/v1/reviews", headers=OPS))
    assert everything["total"] == len(everything["items"]) >= 5
    province = everything["items"][0]["village_code"][:2]
    inside = sum(1 for r in everything["items"] if r["village_code"].startswith(province + "."))

    exact = await ok(await client.get("/v1/reviews", params={"region": province}, headers=OPS))
    assert (exact["total"], exact["total_relation"]) == (inside, "eq")
    monkeypatch.setattr(review_queue, "COUNTED_UP_TO", 2)
    first = await ok(await client.get("/v1/reviews", params={"older_than_days": 0, "limit": 1}, headers=OPS))
    assert (first["total"], first["total_relation"], len(first["items"])) == (2, "gte", 1)
    later = await ok(await client.get("/v1/reviews", params={"older_than_days": 0, "limit": 1, "offset": 2},
                                      headers=OPS))
    assert (later["total"], later["total_relation"]) == (4, "gte"), "counted just past the page asked for"
    last = await ok(await client.get("/v1/reviews", params={"older_than_days": 0, "limit": 50, "offset": 1},
                                     headers=OPS))
    assert (last["total"], last["total_relation"]) == (everything["total"], "eq")


@pytest.mark.parametrize("status", ["open", "proposed", "decided"])
async def test_an_empty_status_is_an_exact_zero(client, status):
    page = await ok(await client.get("/v1/reviews", params={"status": status, "reason": "duplicate_nik"},
                                     headers=OPS))
    assert page == {"total": 0, "total_relation": "eq", "items": []}
