"""Four eyes on cycle approval over HTTP with three officers, all holding the approve scope: the one who
opened the cycle and the one who computed it are refused (403 naming the rule), a third approves."""

from __future__ import annotations

from disbursement.fixtures import changed

SCOPES = "disbursement:read disbursement:write disbursement:approve"


async def test_opener_and_computer_are_refused_and_a_third_officer_approves(env):
    opener, computer, reviewer, approver = (env.token(sub, SCOPES) for sub in
                                            ("ops-open", "ops-compute", "ops-review", "sup-approve"))
    await env.households(changed("HH-A", 1), changed("HH-B", 1))
    r = await env.post("/v1/cycles", opener, {"program": "BPNT", "period": "2026-Q4", "cutoff": "2026-10-01"})
    assert r.status_code == 201, r.text
    cid = r.json()["cycle_id"]
    assert (await env.post(f"/v1/cycles/{cid}/compute", computer)).status_code == 200
    assert (await env.post(f"/v1/cycles/{cid}/review", reviewer, {"note": "diperiksa"})).status_code == 200
    view = (await env.client.get(f"/v1/cycles/{cid}", headers=opener)).json()
    assert (view["opened_by"], view["computed_by"], view["reviewed_by"]) == ("ops-open", "ops-compute", "ops-review")

    for maker in ("ops-compute", "ops-open"):
        r = await env.post(f"/v1/cycles/{cid}/approve", env.token(maker, SCOPES))
        assert r.status_code == 403, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert f"maker–checker: {maker} opened or computed this cycle" in r.json()["detail"]
    assert not await env.sql("SELECT 1 FROM events WHERE event_type = 'CycleApproved'")
    assert (await env.client.get(f"/v1/cycles/{cid}", headers=opener)).json()["status"] == "reviewed"

    r = await env.post(f"/v1/cycles/{cid}/approve", approver)
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["approved_by"]) == ("approved", "sup-approve")
    assert len(await env.sql("SELECT 1 FROM events WHERE event_type = 'CycleApproved'")) == 1
