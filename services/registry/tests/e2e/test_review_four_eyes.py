"""Four eyes on a verification review over HTTP with three officers: the registering officer, a proposer who
also holds the approve scope, and an approver. The proposer can neither approve nor send back their own
proposal (403 naming the rule); another officer decides, and the household's history names both."""

from registry.synthetic import households

from .conftest import OPS, auth

PROPOSER = auth("verifier-a", "registry:read registry:verify registry:approve")
APPROVER = auth("approver-b", "registry:read registry:verify registry:approve")


async def flagged_review(client) -> tuple[dict, dict]:
    first, second = households(2, seed=21)
    assert (await client.post("/v1/households", headers=OPS, json=first)).status_code == 201
    second["kk"] = first["kk"]
    r = await client.post("/v1/households", headers=OPS, json=second)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["verification"] == "flagged"
    queue = (await client.get("/v1/reviews", params={"status": "open"}, headers=OPS)).json()
    [review] = [i for i in queue["items"] if i["household_ref"] == out["household_ref"]]
    return out, review


async def test_the_proposer_is_refused_and_another_officer_decides(client):
    household, review = await flagged_review(client)
    r = await client.post(f"/v1/reviews/{review['id']}/proposal", headers=PROPOSER,
                          json={"decision": "verified", "note": "KK ganda sudah diperbaiki"})
    assert r.status_code == 200, r.text
    for approve in ("true", "false"):
        r = await client.post(f"/v1/reviews/{review['id']}/approval", params={"approve": approve}, headers=PROPOSER)
        assert r.status_code == 403, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert "maker–checker: the officer who proposed cannot approve their own proposal" in r.json()["detail"]
    still = (await client.get("/v1/reviews", params={"status": "proposed"}, headers=OPS)).json()["items"]
    assert [(i["id"], i["proposed_by"]) for i in still] == [(review["id"], "verifier-a")]

    r = await client.post(f"/v1/reviews/{review['id']}/approval", headers=APPROVER)
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["household"]["verification"]) == ("decided", "verified")
    history = (await client.get(f"/v1/households/{household['household_ref']}/history", headers=OPS)).json()
    decided = [e["data"] for e in history if e["type"] == "ReviewDecided"]
    assert [(d["proposed_by"], d["approved_by"]) for d in decided] == [("verifier-a", "approver-b")]
