"""An upheld "wrong amount" complaint: `POST /v1/payments/{id}/exceptions` opens an `amount_disputed` exception on
a paid payment (one per reference), which blocks reconciliation until ops resolve it."""

from __future__ import annotations

from uuid import UUID

from disbursement.fixtures import changed

CASE = "8f0c1f5e-3a0b-4c57-9d38-0c7f5a1e2b44"


async def _payments(env, cid: str) -> list[str]:
    rows = await env.sql("SELECT payment_id::text AS id FROM payments WHERE cycle_id = $1 ORDER BY 1", UUID(cid))
    return [r["id"] for r in rows]


def _dispute(reference: str = CASE, kind: str = "amount_disputed") -> dict[str, str]:
    return {"kind": kind, "reference": reference}


async def test_a_disputed_amount_opens_one_exception_per_reference_and_blocks_reconciliation(env):
    await env.households(changed("HH-001", 1), changed("HH-002", 1))
    env.configure_channel(wrong_amount_rate=0.0, failure_rate=0.0, return_rate=0.0, delay_s=0)
    cid = await env.cycle(until="paying")
    first, second = await _payments(env, cid)

    # Nothing was paid yet: there is no amount to dispute.
    r = await env.post(f"/v1/payments/{first}/exceptions", body=_dispute())
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "only a paid payment's amount can be disputed" in r.json()["detail"]

    await env.run_channel()
    keyed = {**env.ops, "Idempotency-Key": "k-1"}
    r = await env.post(f"/v1/payments/{first}/exceptions", keyed, _dispute())
    assert r.status_code == 201, r.text
    raised = r.json()
    assert raised["payment_id"] == first
    assert (raised["kind"], raised["status"]) == ("amount_disputed", "open")

    # The same reference, with or without the same key, finds the same exception: no second one.
    again = await env.post(f"/v1/payments/{first}/exceptions", keyed, _dispute())
    assert again.json() == raised
    again = await env.post(f"/v1/payments/{first}/exceptions", body=_dispute())
    assert again.status_code == 200
    assert again.json() == raised
    (exc,) = (await env.client.get(f"/v1/exceptions?cycle_id={cid}", headers=env.ops)).json()
    assert exc["exception_id"] == raised["exception_id"]
    assert (exc["kind"], exc["status"], exc["reason"]) == ("amount_disputed", "open", CASE)
    assert exc["instructed_amount"] == exc["confirmed_amount"] == 600_000
    assert exc["payment_id"] == first
    events = await env.sql("SELECT count(*) AS n FROM events WHERE stream_id = $1 "
                           "AND event_type = 'PaymentExceptionRaised'", UUID(first))
    assert events[0]["n"] == 1

    # It blocks reconciliation like any other exception, and ops resolve it as usual.
    assert (await env.post(f"/v1/cycles/{cid}/close")).status_code == 200
    r = await env.post(f"/v1/cycles/{cid}/reconcile")
    assert r.status_code == 409
    assert "reconciliation exceptions are still open" in r.json()["detail"]
    r = await env.post(f"/v1/exceptions/{raised['exception_id']}/resolve", body={"resolution": "selisih dibayar"})
    assert r.json()["status"] == "resolved"
    assert (await env.post(f"/v1/cycles/{cid}/reconcile")).json()["status"] == "reconciled"

    # Asked again after it was resolved, the same reference still finds it (resolved), and opens nothing.
    again = await env.post(f"/v1/payments/{first}/exceptions", body=_dispute())
    assert (again.status_code, again.json()["status"]) == (200, "resolved")
    # Another complaint about the other payment is its own exception.
    r = await env.post(f"/v1/payments/{second}/exceptions", body=_dispute("GRV-2026-000042"))
    assert r.status_code == 201
    assert r.json()["exception_id"] != raised["exception_id"]


async def test_a_dispute_of_an_unknown_payment_or_with_bad_input_is_a_problem_naming_the_field(env):
    r = await env.post("/v1/payments/00000000-0000-0000-0000-000000000001/exceptions", body=_dispute())
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "does not exist" in r.json()["detail"]
    for body, field in ((_dispute(kind="refund"), "kind"), (_dispute(reference="Budi, Jl. Melati 3"), "reference"),
                        ({"kind": "amount_disputed"}, "reference"), (_dispute(reference=""), "reference")):
        r = await env.post("/v1/payments/00000000-0000-0000-0000-000000000001/exceptions", body=body)
        assert r.status_code == 422, body
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["errors"][0]["field"].endswith(field), r.json()
        assert "Budi" not in r.text  # the value typed is not echoed
