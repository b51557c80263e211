"""Payments over G2P Connect with the simulator: failures, returns and wrong amounts reconcile into
statuses and exceptions; reissue; duplicate callbacks and instructions never pay twice; signatures checked."""

from __future__ import annotations

import time
from uuid import UUID

from disbursement.adapters import channel, g2p
from disbursement.entrypoints.state import service
from disbursement.fixtures import changed
from disbursement.simulator import deliver_due
from gotong.api.app import runtime


async def _households(env, n: int) -> None:
    await env.households(*(changed(f"HH-{i:03d}", 1) for i in range(n)))


async def test_failures_returns_and_wrong_amounts_reconcile(env):
    await _households(env, 40)
    env.configure_channel(failure_rate=0.2, return_rate=0.2, wrong_amount_rate=0.2, delay_s=0, seed=3)
    cid = await env.cycle(until="paying")
    await env.run_channel()
    payouts = env.channel.payouts
    ours = {r["reference_id"]: r for r in await env.sql(
        "SELECT payment_id::text || '.' || attempt AS reference_id, * FROM payments WHERE cycle_id = $1", UUID(cid))}
    assert set(ours) == set(payouts)
    kinds = {"failed": 0, "returned": 0, "amount_mismatch": 0}
    for ref, p in payouts.items():
        row = ours[ref]
        if p.status == "rjct":
            assert row["status"] == "failed"
            kinds["failed"] += 1
            continue
        kinds["amount_mismatch"] += p.paid_amount != p.amount  # paid short, even if later returned
        if p.returned:
            assert row["status"] == "returned"
            kinds["returned"] += 1
        else:
            assert row["status"] == "paid"
            assert row["confirmed_amount"] == p.paid_amount
    assert all(kinds.values()), kinds  # the seed exercises every path
    exc = (await env.client.get(f"/v1/exceptions?cycle_id={cid}&status=open", headers=env.ops)).json()
    by_kind: dict[str, int] = {}
    for e in exc:
        by_kind[e["kind"]] = by_kind.get(e["kind"], 0) + 1
    assert by_kind == kinds
    mismatch = next(e for e in exc if e["kind"] == "amount_mismatch")
    assert mismatch["instructed_amount"] - mismatch["confirmed_amount"] == 10_000

    # Returned money goes back to the program's budget.
    programs = (await env.client.get("/v1/programs", headers=env.ops)).json()
    bpnt = next(p for p in programs if p["code"] == "BPNT")
    assert bpnt["committed"] == 40 * 600_000
    assert bpnt["returned"] == kinds["returned"] * 600_000
    assert bpnt["remaining"] == bpnt["budget"] - bpnt["committed"] + bpnt["returned"]

    # Failed payments are reissued as a new attempt; the channel now pays them; their exceptions are resolved.
    env.configure_channel(delay_s=0)
    r = await env.post(f"/v1/cycles/{cid}/reissue-failed")
    assert r.json()["reissued"] == kinds["failed"]
    await env.run_channel()
    rows = await env.sql("SELECT status, attempt, count(*) AS n FROM payments WHERE cycle_id = $1 "
                         "GROUP BY 1, 2 ORDER BY 1, 2", UUID(cid))
    assert {(r["status"], r["attempt"]) for r in rows} <= {("paid", 1), ("paid", 2), ("returned", 1)}
    # A returned payment reissued too: attempt 2, paid.
    returned = await env.sql("SELECT payment_id FROM payments WHERE status = 'returned' LIMIT 1")
    r = await env.post(f"/v1/payments/{returned[0]['payment_id']}/reissue")
    assert r.json() == {"payment_id": str(returned[0]["payment_id"]), "status": "reissued", "attempt": 2}
    r = await env.post(f"/v1/payments/{returned[0]['payment_id']}/reissue")
    assert r.status_code == 409
    assert "this one is reissued" in r.json()["detail"]
    await env.run_channel()

    # Closing works (nothing in flight) but reconciling waits for ops to clear the remaining exceptions.
    assert (await env.post(f"/v1/cycles/{cid}/close")).status_code == 200
    r = await env.post(f"/v1/cycles/{cid}/reconcile")
    assert r.status_code == 409
    assert "reconciliation exceptions are still open" in r.json()["detail"]
    for e in (await env.client.get(f"/v1/exceptions?cycle_id={cid}&status=open", headers=env.ops)).json():
        r = await env.post(f"/v1/exceptions/{e['exception_id']}/resolve", body={"resolution": "cek rekening"})
        assert r.status_code == 200
    assert (await env.post(f"/v1/cycles/{cid}/reconcile")).json()["status"] == "reconciled"
    # Closed, the cycle holds only what was paid: the rest (returned, short-paid) is the program's again.
    paid = await env.sql("SELECT sum(confirmed_amount) AS s FROM payments WHERE status = 'paid'")
    programs = (await env.client.get("/v1/programs", headers=env.ops)).json()
    bpnt = next(p for p in programs if p["code"] == "BPNT")
    assert bpnt["remaining"] == bpnt["budget"] - paid[0]["s"]
    assert paid[0]["s"] < 40 * 600_000
    # Each household has exactly one payment and was paid out by the channel at most once per attempt.
    per_household = await env.sql("SELECT household_ref, count(*) AS n FROM payments GROUP BY 1 HAVING count(*) > 1")
    assert per_household == []


async def test_duplicate_instructions_and_callbacks_never_pay_twice(env):
    await _households(env, 5)
    cid = await env.cycle(until="paying")
    # The dispatcher crashed after the channel accepted the batch but before marking it sent: same batch again.
    settings = service(env.app).settings
    await channel.send_pending(runtime(env.app).database, settings, env.channel_client)
    async with runtime(env.app).database.transaction() as sql:
        await sql.execute("UPDATE payments SET sent_at = NULL")
    await env.run_channel()
    assert env.channel.duplicates == 5
    assert len(env.channel.payouts) == 5
    # Every callback delivered a second time changes nothing.
    for ref in list(env.channel.payouts):
        env.channel.receive(g2p.Disbursement(reference_id=ref, payer_fa="a@b", payee_fa="c@d", amount="600000.00"),
                            "http://disbursement/g2p/on-disburse", 0)
    await env.run_channel()
    events = await env.sql("SELECT count(*) AS n FROM events WHERE event_type = 'PaymentRecorded'")
    assert events[0]["n"] == 10  # 5 instructed + 5 paid
    status = await env.sql("SELECT status, count(*) AS n FROM payments WHERE cycle_id = $1 GROUP BY 1", UUID(cid))
    assert [(r["status"], r["n"]) for r in status] == [("paid", 5)]


async def test_an_instruction_the_channel_reported_on_is_sent_in_its_transaction_though_the_dispatcher_died_first(
        env):
    await _households(env, 3)
    await env.cycle(until="paying")
    # The channel took the batch; the dispatcher died before marking it sent; the channel's callbacks come before
    # the dispatcher's next round would have sent it again.
    assert await channel.send_pending(runtime(env.app).database, service(env.app).settings, env.channel_client) == 3
    [sent] = await env.sql("SELECT DISTINCT transaction_id FROM payments")
    async with runtime(env.app).database.transaction() as sql:
        await sql.execute("UPDATE payments SET sent_at = NULL, transaction_id = NULL")
    assert await deliver_due(env.channel, env.client, everything=True)
    rows = await env.sql("SELECT status, sent_at IS NOT NULL AS sent, transaction_id FROM payments")
    assert [(r["status"], r["sent"]) for r in rows] == [("paid", True)] * 3
    assert {r["transaction_id"] for r in rows} == {sent["transaction_id"]}, "the transaction, from the report"
    assert env.channel.duplicates == 0
    assert await channel.send_pending(runtime(env.app).database, service(env.app).settings, env.channel_client) == 0


async def test_late_confirmations_are_asked_for_with_txn_status(env):
    await _households(env, 3)
    env.configure_channel(delay_s=3600)  # the channel is slow to call back
    await env.cycle(until="paying")
    settings = service(env.app).settings.model_copy(update={"status_check_after_s": 0.0})
    assert await channel.send_pending(runtime(env.app).database, settings, env.channel_client) == 3
    env.channel.outbox.clear()  # it paid them, but its callbacks were lost
    assert await channel.check_late(runtime(env.app).database, settings, env.channel_client) == 3
    await env.run_channel()
    rows = await env.sql("SELECT status FROM payments")
    assert [r["status"] for r in rows] == ["paid"] * 3


async def test_callbacks_need_the_channel_signature(env):
    body = {"header": {"message_id": "1", "message_ts": g2p.now_ts(), "action": "on-disburse", "status": "succ",
                       "sender_id": env.channel.signer.sender_id},
            "message": {"transaction_id": "t", "disbursements_status": []}}
    r = await env.client.post("/g2p/on-disburse", json={**body, "signature": 'signature="bm9wZQ=="'})
    assert r.status_code == 401
    assert r.json()["message"]["error"]["code"] == "err.signature.invalid"
    r = await env.client.post("/g2p/on-disburse", json=body)
    assert r.status_code == 401
    assert r.json()["message"]["error"]["code"] == "err.signature.missing"
    signed = env.channel.signer.sign(dict(body), int(time.time()))
    r = await env.client.post("/g2p/on-disburse", json=signed)
    assert r.status_code == 200
    assert r.json()["message"]["ack_status"] == "ACK"
    bad = env.channel.signer.sign({"header": {**body["header"], "message_id": "2"},
                                   "message": {"transaction_id": "t"}}, int(time.time()))
    r = await env.client.post("/g2p/on-disburse", json=bad)
    assert r.status_code == 400
    assert "disbursements_status" in r.json()["message"]["error"]["message"]


async def test_an_exception_is_resolved_once_and_unknown_ones_are_not_found(env):
    await _households(env, 1)
    env.configure_channel(failure_rate=1.0, delay_s=0)
    cid = await env.cycle(until="paying")
    await env.run_channel()
    (exc,) = (await env.client.get(f"/v1/exceptions?cycle_id={cid}", headers=env.ops)).json()
    assert (exc["kind"], exc["status"]) == ("failed", "open")
    r = await env.post(f"/v1/exceptions/{exc['exception_id']}/resolve", body={"resolution": "rekening ditutup"})
    assert r.json()["status"] == "resolved"
    r = await env.post(f"/v1/exceptions/{exc['exception_id']}/resolve", body={"resolution": "lagi"})
    assert r.status_code == 409
    assert "resolved already" in r.json()["detail"]
    r = await env.post("/v1/exceptions/00000000-0000-0000-0000-000000000001/resolve", body={"resolution": "x-y-z"})
    assert r.status_code == 404
    r = await env.post(f"/v1/exceptions/{exc['exception_id']}/resolve", body={"resolution": ""})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"].endswith("resolution")


async def test_instructions_appended_in_chunks_are_each_one_payment_and_one_event(env, monkeypatch):
    from disbursement.application import cycles

    monkeypatch.setattr(cycles, "INSTRUCT_CHUNK", 2)
    await _households(env, 5)
    cid = await env.cycle(until="paying")
    payments = await env.sql("SELECT payment_id, household_ref, status, version FROM payments WHERE cycle_id = $1 "
                             "ORDER BY household_ref", UUID(cid))
    assert [(r["household_ref"], r["status"], r["version"]) for r in payments] == [
        (f"HH-{i:03d}", "instructed", 1) for i in range(5)]
    events = await env.sql("SELECT stream_id, version, data FROM events WHERE event_type = 'PaymentRecorded' "
                           "ORDER BY data->>'household_ref'")
    assert [(e["stream_id"], e["version"]) for e in events] == [(r["payment_id"], 1) for r in payments]
    await env.run_channel()
    assert {r["status"] for r in await env.sql("SELECT status FROM payments")} == {"paid"}
