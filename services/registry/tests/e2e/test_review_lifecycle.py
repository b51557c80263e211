"""A review's every state has a way out, named in the API answer: a household two officers rejected is not a dead
end — its review can be reopened (appeal, new evidence) or any change to it opens a new one; checks alone never
verify what a review rejected."""

from .conftest import APPROVER, OPS, VERIFIER
from .test_households import register, sample


async def _flagged(client, seed: int) -> tuple[dict, dict, dict]:
    first, second = sample(seed=seed, n=2)
    await register(client, first)
    second["kk"] = first["kk"]
    out = await register(client, second)
    assert out["verification"] == "flagged"
    review = next(r for r in (await client.get("/v1/reviews", params={"status": "open"}, headers=OPS)).json()["items"]
                  if r["household_ref"] == out["household_ref"])
    return second, out, review


async def _decide(client, review_id: int, decision: str) -> dict:
    proposed = await client.post(f"/v1/reviews/{review_id}/proposal", headers=VERIFIER,
                                 json={"decision": decision, "note": "dicek lapangan"})
    assert proposed.status_code == 200, proposed.text
    assert [s["action"] for s in proposed.json()["next"]] == ["approve", "send back"]
    approved = await client.post(f"/v1/reviews/{review_id}/approval", headers=APPROVER)
    assert approved.status_code == 200, approved.text
    return approved.json()


async def test_a_rejected_household_is_reopened_and_verified_by_a_new_review(client):
    _, out, review = await _flagged(client, seed=31)
    href = f"/v1/households/{out['household_ref']}"
    decided = await _decide(client, review["id"], "rejected")
    assert decided["household"]["verification"] == "rejected"
    assert {(s["action"], s["method"], s["href"]) for s in decided["next"]} == {
        ("reopen review", "POST", f"{href}/review"), ("correct the household", "POST", f"{href}/corrections")}
    queue = (await client.get("/v1/reviews", params={"status": "decided"}, headers=OPS)).json()["items"]
    mine = next(r for r in queue if r["id"] == review["id"])
    assert mine["household_verification"] == "rejected"
    assert [s["action"] for s in mine["next"]] == ["reopen review", "correct the household"]

    bad = await client.post(f"{href}/review", headers=VERIFIER, json={"reason": "karena saya mau"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "body.reason"
    reopened = await client.post(f"{href}/review", headers=VERIFIER, json={"reason": "appeal"})
    assert reopened.status_code == 200, reopened.text
    body = reopened.json()
    assert body["household"]["verification"] == "flagged"
    assert body["review"]["status"] == "open"
    assert body["review"]["id"] != review["id"]
    assert [s["action"] for s in body["next"]] == ["propose"]
    again = await client.post(f"{href}/review", headers=VERIFIER, json={"reason": "appeal"})
    assert again.status_code == 409, "only a rejected household's review is reopened"
    queue = (await client.get("/v1/reviews", headers=OPS)).json()["items"]
    assert next(r for r in queue if r["id"] == review["id"])["next"] == [], "the older review has a successor"

    verified = await _decide(client, body["review"]["id"], "verified")
    assert verified["household"]["verification"] == "verified"
    assert verified["next"] == []


async def test_a_change_to_a_rejected_household_opens_a_new_review_not_an_automatic_pass(client):
    _, out, review = await _flagged(client, seed=32)
    await _decide(client, review["id"], "rejected")
    href = f"/v1/households/{out['household_ref']}"
    corrected = await client.post(f"{href}/corrections", headers=OPS,
                                  json={"reason": "alamat diperbaiki", "address": "Jl. Melati 3"})
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["verification"] == "flagged", "checks alone never verify what a review rejected"
    queue = (await client.get("/v1/reviews", params={"status": "open"}, headers=OPS)).json()["items"]
    assert any(r["household_ref"] == out["household_ref"] for r in queue), "a new review is open"


async def test_a_rejected_household_cannot_be_decided_without_a_new_review(client):
    _, out, review = await _flagged(client, seed=33)
    await _decide(client, review["id"], "rejected")
    r = await client.post(f"/v1/reviews/{review['id']}/proposal", headers=VERIFIER,
                          json={"decision": "verified", "note": "langsung saja"})
    assert r.status_code == 409
    assert "decided" in r.json()["detail"]
