"""Program definitions over HTTP are drafts until a second officer approves them (DESIGN: four eyes on what
changes who is paid or what the public sees): a draft opens no cycle and is not published; the proposer can
never approve; a rejected draft leaves what is in force; the shipped programs stay in force without approval."""

from __future__ import annotations

from typing import Any

import orjson

KECIL: dict[str, Any] = {
    "code": "BLT-KECIL", "name": "BLT uji empat mata", "funding_source": "apbd", "budget": 5_000_000,
    "rule_version": "v1", "eligibility_summary": "desil 1-4",
    "rules": [{"kind": "desil_band", "id": "d", "description": "desil 1-4", "min": 1, "max": 4}],
    "benefit": {"kind": "flat", "amount": 300_000}}


async def _published(env: Any, code: str) -> list[dict[str, Any]]:
    rows = await env.sql("SELECT data FROM events WHERE event_type = 'ProgramDefined'")
    data = [orjson.loads(r["data"]) if isinstance(r["data"], str) else r["data"] for r in rows]
    return [d for d in data if d["code"] == code]


async def test_a_proposed_program_is_a_draft_that_opens_no_cycle_and_is_not_published(env):
    r = await env.post("/v1/programs", body=KECIL)
    assert r.status_code == 201, r.text
    assert (r.json()["status"], r.json()["proposed_by"], r.json()["rule_version_in_force"]) == ("draft", "ops-1", None)
    assert await _published(env, "BLT-KECIL") == []
    assert "BLT-KECIL" not in {p["code"] for p in (await env.client.get("/v1/programs", headers=env.ops)).json()}
    drafts = (await env.client.get("/v1/programs/drafts", headers=env.ops)).json()
    assert [(d["code"], d["status"], d["proposed_by"]) for d in drafts] == [("BLT-KECIL", "draft", ["ops-1"])]
    r = await env.post("/v1/cycles", body={"program": "BLT-KECIL", "period": "2026-Q4", "cutoff": "2026-10-01"})
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"] == "program"
    assert "draft awaiting a second officer's approval" in r.json()["detail"]


async def test_a_proposal_replayed_under_its_idempotency_key_gives_the_same_answer(env):
    key = {**env.ops, "Idempotency-Key": "propose-kecil-1"}
    first = await env.post("/v1/programs", key, body=KECIL)
    again = await env.post("/v1/programs", key, body=KECIL)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert len(await env.sql("SELECT 1 FROM events WHERE event_type = 'ProgramProposed'")) == 1


async def test_the_proposer_can_never_approve(env):
    await env.post("/v1/programs", body=KECIL)
    r = await env.post("/v1/programs/BLT-KECIL/approve", env.ops)
    assert r.status_code == 403
    assert "disbursement:approve" in r.json()["detail"]
    r = await env.post("/v1/programs/BLT-KECIL/approve", env.ops_who_can_approve)  # ops-1, who proposed it
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "four eyes (maker–checker): ops-1 proposed this definition of BLT-KECIL" in r.json()["detail"]
    assert await _published(env, "BLT-KECIL") == []


async def test_an_approved_program_is_in_force_and_published_once(env):
    await env.post("/v1/programs", body=KECIL)
    r = await env.post("/v1/programs/BLT-KECIL/approve", env.supervisor)
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["rule_version"]) == ("approved", "v1")
    assert (await env.post("/v1/programs/BLT-KECIL/approve", env.supervisor)).status_code == 409  # nothing pending
    published = await _published(env, "BLT-KECIL")
    assert len(published) == 1
    assert set(published[0]) == {"program_id", "code", "name", "funding_source", "csr_allocation_id",
                                 "eligibility_summary", "rule_version", "occurred_at"}
    assert (await env.client.get("/v1/programs/drafts", headers=env.ops)).json() == []
    r = await env.post("/v1/cycles", body={"program": "BLT-KECIL", "period": "2026-Q4", "cutoff": "2026-10-01"})
    assert r.status_code == 201, r.text


async def test_a_new_version_waits_for_approval_and_a_rejected_one_leaves_the_version_in_force(env):
    newer = {**KECIL, "code": "BPNT", "name": "BPNT versi uji", "rule_version": "BPNT-2027.1"}
    r = await env.post("/v1/programs", body=newer)
    assert r.status_code == 200, r.text  # an existing program: a draft of its next version
    assert (r.json()["status"], r.json()["rule_version"]) == ("draft", "BPNT-2027.1")
    bpnt = next(p for p in (await env.client.get("/v1/programs", headers=env.ops)).json() if p["code"] == "BPNT")
    assert bpnt["rule_version"] != "BPNT-2027.1"
    r = await env.post("/v1/programs/BPNT/reject", env.supervisor, body={"reason": ""})
    assert r.status_code == 422
    r = await env.post("/v1/programs/BPNT/reject", env.supervisor, body={"reason": "rumus belum disahkan"})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["reason"], r.json()["rule_version_in_force"]) == (
        "rejected", "rumus belum disahkan", bpnt["rule_version"])
    assert (await env.client.get("/v1/programs/drafts", headers=env.ops)).json() == []
    assert len(await _published(env, "BPNT")) == 1  # the one from startup: nothing new was published
    assert (await env.post("/v1/programs/BPNT/approve", env.supervisor)).status_code == 409
    assert (await env.post("/v1/programs/NOPE/approve", env.supervisor)).status_code == 404
