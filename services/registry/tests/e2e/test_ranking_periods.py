"""A ranking run is of a quarter that has begun, in the register's lifetime: a future or pre-register date is
refused naming `on` (a "2563-Q3" snapshot outranked every real quarter and gave households a future desil). And a
run is proposed by one officer and applied only when another approves it (four eyes): the proposer cannot approve
(403), an unknown run is 404, a decided run cannot be decided again (409)."""

from datetime import date, timedelta
from uuid import uuid4

from .conftest import APPROVER, OPS, auth, rank
from .test_households import register, sample

#: an officer who both proposes and holds the approve scope: four eyes, not scopes, stop them approving their own
BOTH = auth("ops-both", "registry:read registry:rank registry:approve")
OTHER_APPROVER = auth("approver-2", "registry:read registry:approve")


def quarter_today() -> str:
    return f"{date.today().year}-Q{(date.today().month - 1) // 3 + 1}"


async def desil(client, household_ref: str) -> int | None:
    return (await client.get(f"/v1/households/{household_ref}", headers=OPS)).json()["desil"]  # type: ignore[no-any-return]


async def test_future_and_pre_register_dates_are_refused_and_change_nothing(client):
    out = await register(client, sample(seed=41)[0])
    for bad, words in (("2563-07-01", "has not come yet"), ((date.today() + timedelta(days=1)).isoformat(),
                                                            "has not come yet"), ("2019-01-01", "before the register")):
        r = await client.post("/v1/rankings", params={"on": bad}, headers=OPS)
        assert r.status_code == 422, (bad, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["errors"][0]["field"] == "on"
        assert words in r.json()["detail"]
    assert await desil(client, out["household_ref"]) is None, "no refused run ranked anyone"
    assert (await client.get("/v1/rankings", headers=OPS)).json() == {"total": 0, "items": []}, "nor was proposed"
    ranked = await rank(client, on=date.today().isoformat())
    assert ranked["snapshot"] == quarter_today()
    assert await desil(client, out["household_ref"]) is not None


async def test_a_run_is_proposed_then_applied_only_by_another_officer(client):
    out = await register(client, sample(seed=42)[0])
    r = await client.post("/v1/rankings", headers=BOTH)
    assert r.status_code == 202, r.text
    proposal = r.json()
    run_id = proposal["run_id"]
    assert (proposal["status"], proposal["snapshot"], proposal["proposed_by"]) == ("proposed", quarter_today(),
                                                                                   "ops-both")
    assert [n["href"] for n in proposal["next"]] == [f"/v1/rankings/{run_id}/approve", f"/v1/rankings/{run_id}/reject"]
    assert await desil(client, out["household_ref"]) is None, "a proposal ranks nobody"
    history = (await client.get(f"/v1/households/{out['household_ref']}/history", headers=OPS)).json()
    assert not [e for e in history if e["type"] == "HouseholdRanked"]

    for path, body in ((f"/v1/rankings/{run_id}/approve", None), (f"/v1/rankings/{run_id}/reject",
                                                                   {"reason": "tanggal salah"})):
        r = await client.post(path, headers=BOTH, json=body)
        assert r.status_code == 403, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert "maker–checker: the officer who proposed cannot" in r.json()["detail"]
        assert "four eyes" in r.json()["detail"]
    assert await desil(client, out["household_ref"]) is None, "a refused approval ranks nobody"

    r = await client.post(f"/v1/rankings/{run_id}/approve", headers=APPROVER)
    assert r.status_code == 200, r.text
    approved = r.json()
    assert {k: approved[k] for k in ("run_id", "status", "snapshot", "rule_version", "proposed_by", "approved_by")} \
        == {"run_id": run_id, "status": "approved", "snapshot": quarter_today(), "rule_version": "pmt-2026.1",
            "proposed_by": "ops-both", "approved_by": "approver-1"}
    assert approved["households"] >= 1
    assert approved["changed"] >= 1
    assert await desil(client, out["household_ref"]) is not None
    history = (await client.get(f"/v1/households/{out['household_ref']}/history", headers=OPS)).json()
    assert [e["data"]["snapshot"] for e in history if e["type"] == "HouseholdRanked"] == [quarter_today()]

    again = await client.post(f"/v1/rankings/{run_id}/approve", headers=OTHER_APPROVER)
    assert again.status_code == 409, again.text
    assert again.headers["content-type"].startswith("application/problem+json")
    assert "is approved" in again.json()["detail"]

    shown = (await client.get(f"/v1/rankings/{run_id}", headers=OPS)).json()
    assert {k: shown[k] for k in ("status", "proposed_by", "decided_by", "households", "changed", "next")} == {
        "status": "approved", "proposed_by": "ops-both", "decided_by": "approver-1",
        "households": approved["households"], "changed": approved["changed"], "next": []}
    listed = (await client.get("/v1/rankings", params={"status": "approved"}, headers=OPS)).json()
    assert [(i["run_id"], i["status"]) for i in listed["items"]] == [(run_id, "approved")]
    r = await client.get(f"/v1/households/{run_id}/history", headers=OPS)
    assert r.status_code == 404, "a ranking run's stream is not a household's history"


async def test_a_rejected_run_cannot_be_approved(client):
    out = await register(client, sample(seed=43)[0])
    r = await client.post("/v1/rankings", headers=OPS)
    assert r.status_code == 202, r.text
    run_id = r.json()["run_id"]
    r = await client.post(f"/v1/rankings/{run_id}/reject", headers=APPROVER, json={"reason": "data belum lengkap"})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["rejected_by"], r.json()["reason"]) == ("rejected", "approver-1",
                                                                                 "data belum lengkap")
    r = await client.post(f"/v1/rankings/{run_id}/approve", headers=OTHER_APPROVER)
    assert r.status_code == 409, r.text
    assert "is rejected" in r.json()["detail"]
    assert await desil(client, out["household_ref"]) is None, "a rejected run never ranks anyone"
    shown = (await client.get(f"/v1/rankings/{run_id}", headers=OPS)).json()
    assert (shown["status"], shown["decided_by"], shown["reason"], shown["households"]) == (
        "rejected", "approver-1", "data belum lengkap", None)


async def test_an_unknown_run_is_not_found_naming_run_id(client):
    unknown = uuid4()
    for r in (await client.get(f"/v1/rankings/{unknown}", headers=OPS),
              await client.post(f"/v1/rankings/{unknown}/approve", headers=APPROVER),
              await client.post(f"/v1/rankings/{unknown}/reject", headers=APPROVER, json={"reason": "tidak ada"})):
        assert r.status_code == 404, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["errors"][0]["field"] == "run_id"


async def test_approving_and_rejecting_need_the_approve_scope(client):
    r = await client.post("/v1/rankings", headers=OPS)
    run_id = r.json()["run_id"]
    assert (await client.post(f"/v1/rankings/{run_id}/approve", headers=OPS)).status_code == 403
    assert (await client.post(f"/v1/rankings/{run_id}/reject", headers=OPS, json={"reason": "x" * 5})).status_code \
        == 403
