"""A cycle end to end over HTTP with a real database and an in-process G2P Connect channel: maker–checker,
wrong-state refusals, budget, holds released on clearance, payments, events, reports, public status."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx
import orjson

from disbursement.adapters import replica
from disbursement.application import cycles as cy
from disbursement.bootstrap import create_app
from disbursement.config import Settings
from disbursement.entrypoints.state import service
from disbursement.fixtures import changed, member
from disbursement.simulator import ChannelConfig
from gotong.api.app import runtime
from gotong.eventstore import EventMetadata
from gotong.testing.wait import eventually


async def _json(response: Any) -> Any:
    return (await response).json()


async def test_bad_input_is_a_problem_naming_the_field(env):
    r = await env.post("/v1/cycles", body={"program": "BPNT", "period": "Q4-2026", "cutoff": "2026-10-01"})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert any("period" in str(e.get("field", "")) for e in r.json()["errors"])
    r = await env.post("/v1/cycles", body={"program": "NOPE", "period": "2026-Q4", "cutoff": "2026-10-01"})
    assert r.status_code == 404
    assert r.json()["errors"][0]["field"] == "program"


async def test_reading_needs_a_token_and_the_read_scope(env):
    assert (await env.client.get("/v1/programs")).status_code == 401
    r = await env.client.get("/v1/programs", headers=env.token("x", "registry:read"))
    assert r.status_code == 403
    assert "disbursement:read" in r.json()["detail"]


async def test_shipped_programs_are_defined_at_startup_and_published(env):
    r = await env.client.get("/v1/programs", headers=env.ops)
    assert {p["code"] for p in r.json()} == {"PKH", "BPNT", "BLT-DD", "CSR-PANGAN-JABAR"}
    defined = await env.sql("SELECT data FROM events WHERE event_type = 'ProgramDefined'")
    assert len(defined) == 4
    assert {orjson.loads(d["data"])["code"] if isinstance(d["data"], str) else d["data"]["code"]
            for d in defined} == {"PKH", "BPNT", "BLT-DD", "CSR-PANGAN-JABAR"}


async def test_maker_checker_refuses_self_approval_and_a_supervisor_approves(env):
    await env.households(changed("HH-A", 1), changed("HH-B", 1, desil=4), changed("HH-RICH", 1, desil=7))
    cid = await env.cycle(until="reviewed")
    r = await env.post(f"/v1/cycles/{cid}/approve", env.ops)
    assert r.status_code == 403
    assert "disbursement:approve" in r.json()["detail"]
    r = await env.post(f"/v1/cycles/{cid}/approve", env.ops_who_can_approve)
    assert r.status_code == 403
    assert "maker–checker: ops-1 opened or computed this cycle" in r.json()["detail"]
    r = await env.post(f"/v1/cycles/{cid}/approve", env.supervisor)
    assert r.status_code == 200
    body = r.json()
    assert (body["status"], body["households"], body["total_amount"], body["approved_by"]) == (
        "approved", 2, 1_200_000, "sup-1")
    approved = await env.sql("SELECT data FROM events WHERE event_type = 'CycleApproved'")
    assert len(approved) == 1


async def test_wrong_state_actions_are_refused_with_the_reason(env):
    await env.households(changed("HH-A", 1))
    cid = await env.cycle(until="open")
    for path, who in ((f"/v1/cycles/{cid}/approve", env.supervisor), (f"/v1/cycles/{cid}/pay", env.ops),
                      (f"/v1/cycles/{cid}/close", env.ops), (f"/v1/cycles/{cid}/reconcile", env.ops)):
        r = await env.post(path, who)
        assert r.status_code == 409, path
        assert "the cycle is open" in r.json()["detail"]
    await env.post(f"/v1/cycles/{cid}/compute", env.ops)
    r = await env.post(f"/v1/cycles/{cid}/compute", env.ops)
    assert r.status_code == 409
    assert "cannot compute entitlements: the cycle is computed" in r.json()["detail"]
    r = await env.post("/v1/cycles", body={"program": "BPNT", "period": "2026-Q4", "cutoff": "2026-10-01"})
    assert r.status_code == 409
    assert r.json()["errors"][0]["field"] == "period"


async def test_budget_exhaustion_refuses_approval(env):
    program = {"code": "BLT-KECIL", "name": "BLT uji anggaran", "funding_source": "apbd", "budget": 500_000,
               "rule_version": "v1", "eligibility_summary": "desil 1-4",
               "rules": [{"kind": "desil_band", "id": "d", "description": "desil 1-4", "min": 1, "max": 4}],
               "benefit": {"kind": "flat", "amount": 300_000}}
    r = await env.post("/v1/programs", body=program)
    assert r.status_code == 201, r.text
    assert (await env.post("/v1/programs/BLT-KECIL/approve", env.supervisor)).status_code == 200
    await env.households(changed("HH-A", 1), changed("HH-B", 1))
    cid = await env.cycle("BLT-KECIL", until="reviewed")
    r = await env.post(f"/v1/cycles/{cid}/approve", env.supervisor)
    assert r.status_code == 409
    assert "budget exhausted: the cycle needs Rp 600.000 but the program has Rp 500.000 left" in r.json()["detail"]


async def test_a_bad_program_definition_names_the_field(env):
    r = await env.post("/v1/programs", body={"code": "x", "name": "n", "funding_source": "apbn", "budget": -1})
    assert r.status_code == 422
    fields = {str(e["field"]) for e in r.json()["errors"]}
    assert {"body.code", "body.budget"} <= fields or {"code", "budget"} <= fields


async def test_held_household_is_paid_when_cleared_and_never_twice(env):
    await env.households(changed("HH-A", 1), changed("HH-B", 1),
                         changed("HH-REVIEW", 1, verification="under_review"))
    cid = await env.cycle(until="paying")
    view = (await env.client.get(f"/v1/cycles/{cid}", headers=env.ops)).json()
    assert (view["households"], view["held"], view["total_amount"]) == (3, 1, 1_800_000)
    assert view["payments"]["instructed"]["count"] == 2
    await env.run_channel()
    # The registry clears the household: its held entitlement is released and paid without another `pay`.
    await env.households(changed("HH-REVIEW", 2, verification="verified", change="verified"))
    assert await cy.pay_released(runtime(env.app).units) == 1
    assert await cy.pay_released(runtime(env.app).units) == 0
    r = await env.post(f"/v1/cycles/{cid}/pay", env.ops)
    assert r.json()["instructed_now"] == 0
    await env.run_channel()
    rows = await env.sql("SELECT household_ref, status, count(*) OVER (PARTITION BY household_ref) AS n "
                         "FROM payments WHERE cycle_id = $1", UUID(cid))
    assert sorted((r["household_ref"], r["status"], r["n"]) for r in rows) == [
        ("HH-A", "paid", 1), ("HH-B", "paid", 1), ("HH-REVIEW", "paid", 1)]
    assert len(env.channel.payouts) == 3
    # The public trail: instructed then paid, by pseudonymous reference only.
    events = await env.sql("SELECT data FROM events WHERE event_type = 'PaymentRecorded' ORDER BY position")
    data = [e["data"] if isinstance(e["data"], dict) else orjson.loads(e["data"]) for e in events]
    assert sorted(d["status"] for d in data) == ["instructed"] * 3 + ["paid"] * 3
    assert set(data[0]) >= {"payment_id", "household_ref", "program_code", "cycle_id", "period", "amount",
                            "region_code", "province_code", "regency_code", "desil", "funding_source", "status"}
    r = await env.post(f"/v1/cycles/{cid}/close", env.ops)
    assert r.status_code == 200
    assert r.json()["summary"]["paid_amount"] == 1_800_000
    r = await env.post(f"/v1/cycles/{cid}/reconcile", env.ops)
    assert r.json()["status"] == "reconciled"
    assert (await env.client.get("/v1/recipients/HH-REVIEW/programs")).status_code == 401
    status = (await env.client.get("/v1/recipients/HH-REVIEW/programs", headers=env.ops)).json()
    assert status == {"household_ref": "HH-REVIEW", "programs": [
        {"program_code": "BPNT", "program_name": "Bantuan Pangan Non Tunai (Sembako)", "period": "2026-Q4",
         "status": "paid"}]}


async def test_explanation_and_dry_run(env):
    await env.households(
        changed("HH-PKH", 1, members=[member("m1", "1950-01", alive=False, died_on="2026-09-01"),
                                      member("m2", "2016-03", school_level="sd")]),
        changed("HH-RICH", 1, desil=8), changed("HH-REVIEW", 1, verification="under_review",
                                               members=[member("m1", "2024-01")]))
    r = await env.client.get("/v1/programs/PKH/eligibility/HH-PKH?cutoff=2026-10-01", headers=env.ops)
    body = r.json()
    assert (body["outcome"], body["amount"], body["rule_version"]) == ("eligible", 225_000, "PKH-2026.1")
    assert body["desil"] == {"value": 2, "rule_version": "DTSEN-2026.1", "snapshot": None}
    m1 = next(m for m in body["members"] if m["member_ref"] == "m1")
    assert m1["counted"] is False
    assert "meninggal 2026-09-01" in m1["reason"]
    cid = await env.cycle("PKH", until="computed")
    r = await env.client.get(f"/v1/cycles/{cid}/entitlements/HH-PKH", headers=env.ops)
    got = r.json()
    assert got["computed"] == {"amount": 225_000, "status": "eligible", "members_counted": 1, "desil": 2,
                               "desil_rule_version": "DTSEN-2026.1", "desil_snapshot": None, "household_version": 1,
                               "rule_version": "PKH-2026.1"}
    assert got["explanation_now"]["amount"] == 225_000
    r = await env.client.get(f"/v1/cycles/{cid}/entitlements/HH-RICH", headers=env.ops)
    assert r.json()["computed"] is None
    assert next(x for x in r.json()["explanation_now"]["rules"] if x["rule_id"] == "pkh-desil")["result"] == "fail"
    r = await env.client.get("/v1/programs/PKH/eligibility/HH-NOBODY?cutoff=2026-10-01", headers=env.ops)
    assert r.status_code == 404
    dry = (await env.client.get("/v1/programs/PKH/dry-run?cutoff=2026-10-01", headers=env.ops)).json()
    assert dry["outcomes"] == {"eligible": 1, "held": 1}
    assert dry["per_region"] == [{"regency_code": "32.73", "eligible": 1, "held": 1}]
    r = await env.client.get("/v1/programs/PKH/dry-run?cutoff=not-a-date", headers=env.ops)
    assert r.status_code == 422


async def test_reports_targeting_coverage_paid_and_timing(env):
    await env.households(changed("HH-1", 1, desil=1), changed("HH-2", 1, desil=2),
                         changed("HH-3", 1, desil=3, verification="pending"),
                         changed("HH-4", 1, desil=4, village="35.78.02.1004"), changed("HH-9", 1, desil=9))
    cid = await env.cycle(until="paying")
    await env.run_channel()
    t = (await env.client.get(f"/v1/reports/targeting/{cid}", headers=env.ops)).json()
    assert t["recipients"] == 3
    assert t["inclusion_error"] == 0.0
    assert t["exclusion_error"] == 0.25  # HH-3 (not verified) is desil 1-4 and not reached
    assert [d["desil"] for d in t["per_desil"]] == [1, 2, 4]
    cov = (await env.client.get(f"/v1/reports/coverage/{cid}?level=province", headers=env.ops)).json()
    assert {r["region_code"]: (r["desil_1_4_households"], r["recipients"]) for r in cov["regions"]} == {
        "32": (3, 2), "35": (1, 1)}
    paid = (await env.client.get("/v1/reports/paid?level=province", headers=env.ops)).json()
    assert {(p["region_code"], p["paid_households"], p["paid_amount"]) for p in paid} == {
        ("32", 2, 1_200_000), ("35", 1, 600_000)}
    timing = (await env.client.get("/v1/reports/approval-to-payment", headers=env.ops)).json()
    assert timing[0]["paid_households"] == 3
    assert timing[0]["seconds_to_payment"]["max"] >= 0
    r = await env.client.get(f"/v1/reports/coverage/{cid}?level=village", headers=env.ops)
    assert r.status_code == 422


async def test_entitlements_are_paged(env):
    await env.households(*(changed(f"HH-{i:02d}", 1) for i in range(5)))
    cid = await env.cycle(until="computed")
    r = await env.client.get(f"/v1/cycles/{cid}/entitlements?limit=3", headers=env.ops2)
    page = r.json()
    assert [i["household_ref"] for i in page["items"]] == ["HH-00", "HH-01", "HH-02"]
    r = await env.client.get(f"/v1/cycles/{cid}/entitlements?limit=3&cursor={page['next_cursor']}", headers=env.ops)
    assert [i["household_ref"] for i in r.json()["items"]] == ["HH-03", "HH-04"]


async def test_the_embedded_channel_pays_in_the_background_as_under_gotong_up(database_url, kafka_bootstrap,
                                                                              tmp_path):
    """The local default: the dispatcher and the simulator mounted at /channel run inside the app; the simulator
    signs its callbacks with the development key made on first start, which the service trusts."""
    key_path = tmp_path / "g2p" / "channel-dev-key.pem"
    settings = Settings(database_url=database_url, kafka_bootstrap_servers=kafka_bootstrap, relay_enabled=False,
                        consume_registry=False, consume_csr_ledger=False, auth_required=False,
                        dispatch_interval_s=0.05, channel_dev_key_path=str(key_path))
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        service(app).embedded_channel.config = ChannelConfig(delay_s=0.05)  # type: ignore[union-attr]
        async with runtime(app).database.transaction() as d:
            for i in range(3):
                await replica.apply_changed(d, changed(f"HH-{i}", 1))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://d") as c:
            r = await c.post("/v1/cycles", json={"program": "BPNT", "period": "2026-Q4", "cutoff": "2026-10-01"})
            cid = r.json()["cycle_id"]
            await c.post(f"/v1/cycles/{cid}/compute")
            await c.post(f"/v1/cycles/{cid}/review", json={})
            # Without auth every caller is "anonymous": approve as a supervisor through the application layer.
            async with runtime(app).units.begin(EventMetadata(actor="sup-1")) as uow:
                await cy.approve(uow, UUID(cid), "sup-1")
            assert (await c.post(f"/v1/cycles/{cid}/pay")).json()["instructed_now"] == 3
            view = await eventually(lambda: _json(c.get(f"/v1/cycles/{cid}")),
                                    lambda v: v["payments"].get("paid", {}).get("count") == 3,
                                    what="three payments paid by the embedded channel")
            assert view["payments"] == {"paid": {"count": 3, "amount": 1_800_000}}
            ledger = (await c.get("/channel/ledger")).json()
            assert len(ledger["payouts"]) == 3
    assert key_path.is_file()  # kept for the next start and for `gotong cycle simulator`


async def test_a_second_computation_of_the_same_cycle_is_refused_while_one_runs(env):
    await env.households(changed("HH-A", 1))
    cid = await env.cycle(until="open")
    async with runtime(env.app).database.statement() as d:
        await d.execute("SELECT pg_advisory_lock(hashtextextended($1, 0))", f"compute:{cid}")
        r = await env.post(f"/v1/cycles/{cid}/compute")
        assert r.status_code == 409
        assert "being computed right now" in r.json()["detail"]
        await d.execute("SELECT pg_advisory_unlock(hashtextextended($1, 0))", f"compute:{cid}")
    r = await env.post(f"/v1/cycles/{cid}/compute")
    assert r.json()["households"] == 1


async def test_a_repeated_command_with_the_same_idempotency_key_opens_one_cycle(env):
    body = {"program": "BPNT", "period": "2026-Q3", "cutoff": "2026-07-01"}
    headers = {**env.ops, "Idempotency-Key": "open-q3"}
    first = await env.client.post("/v1/cycles", json=body, headers=headers)
    again = await env.client.post("/v1/cycles", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["cycle_id"] == first.json()["cycle_id"]
    assert len(await env.sql("SELECT 1 FROM cycles")) == 1
