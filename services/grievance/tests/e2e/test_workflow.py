"""The officers' workflow over HTTP: triage, investigation with evidence, four eyes on upholding, the loop closed
through the owning service's API by the outbox worker (with the service's own token), one appeal."""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

import httpx

from gotong.api.app import runtime
from gotong.domain.clock import SYSTEM_CLOCK
from gotong.testing.wait import eventually
from grievance.adapters.owners import HttpOwners
from grievance.application.follow_up import drain
from grievance.bootstrap import create_app
from grievance.domain.catalogue import REASONS

from .conftest import ISSUER, OFFICER, OFFICER2, SUPERVISOR, auth, problem, sanggah, settings

PAYMENT = "0f0e8c1a-2b3c-4d5e-8f90-a1b2c3d4e5f6"


async def submitted(client, body: dict[str, Any], headers=OFFICER) -> str:
    r = await client.post("/v1/cases", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def investigated(client, body: dict[str, Any]) -> str:
    case_id = await submitted(client, body)
    r = await client.post(f"/v1/cases/{case_id}/triage", json={"officer": "officer-bandung"}, headers=OFFICER)
    assert r.json()["status"] == "triaged", r.text
    r = await client.post(f"/v1/cases/{case_id}/investigation", json={"field_verification": True}, headers=OFFICER)
    assert r.json()["status"] == "investigating", r.text
    return case_id


async def upheld(client, case_id: str, reason: str = "verified_in_field") -> dict[str, Any]:
    r = await client.post(f"/v1/cases/{case_id}/proposal", json={"outcome": "upheld", "reason_code": reason},
                          headers=OFFICER2)
    assert r.status_code == 200, r.text
    problem(await client.post(f"/v1/cases/{case_id}/decision", headers=OFFICER2), 403, "decided_by")
    r = await client.post(f"/v1/cases/{case_id}/decision", headers=SUPERVISOR)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def work(client) -> int:
    return await drain(runtime(client.app).units, client.app.state.grievance_owners)


async def test_an_upheld_sanggah_asks_the_registry_for_a_review_and_records_its_answer(client, owners):
    case_id = await investigated(client, sanggah(anonymous=False))
    r = await client.post(f"/v1/cases/{case_id}/evidence", json={"sha256": "A" * 64, "media_type": "image/jpeg"},
                          headers=OFFICER)
    assert r.json()["evidence"][0]["sha256"] == "a" * 64
    decided = await upheld(client, case_id)
    assert (decided["status"], decided["follow_up"]) == ("decided", "registry_review")
    problem(await client.post(f"/v1/cases/{case_id}/close", headers=OFFICER), 409, "status")

    assert await work(client) == 1
    (call,) = owners.calls
    assert (call.method, str(call.url)) == (
        "POST", "http://registry.test/v1/households/5b0e3c3e-8f7a-4c55-9d1e-0a4c2b8e9f11/grievance-review")
    assert call.headers["authorization"] == "Bearer grievance-token"
    assert call.headers["idempotency-key"].startswith(f"grievance:{case_id}:")
    assert json.loads(call.read()) == {"case_ref": case_id, "reason": "inclusion"}
    case = (await client.get(f"/v1/cases/{case_id}", headers=OFFICER)).json()
    assert (case["follow_up"], case["follow_up_result"]) == (None, "done")
    assert await work(client) == 0, "answered requests leave the outbox"

    closed = await client.post(f"/v1/cases/{case_id}/close", headers=OFFICER)
    assert closed.json()["status"] == "closed", closed.text
    public = (await client.get(f"/public/cases/{case['tracking_number']}")).json()
    assert public["outcome"] == {"result": "upheld", "text_id": REASONS["upheld"]["verified_in_field"][0],
                                 "text_en": REASONS["upheld"]["verified_in_field"][1]}


async def test_a_refusal_is_recorded_and_an_unreachable_service_is_asked_again(client, owners):
    case_id = await investigated(client, sanggah(kind="payment_complaint", category="not_received",
                                                 anonymous=False, subject_ref=PAYMENT))
    owners.answer("/reissue", (503, {"code": "unavailable"}), (409, {"code": "invalid-transition"}))
    await upheld(client, case_id, "payment_not_delivered")
    assert await work(client) == 1
    case = (await client.get(f"/v1/cases/{case_id}", headers=OFFICER)).json()
    assert case["follow_up"] == "disbursement_reissue", "a 503 is not an answer: still waiting"
    assert await work(client) == 0, "not before its backoff"
    client.app.state.runtime.units.clock.advance(minutes=1)
    assert await work(client) == 1
    assert [str(c.url) for c in owners.calls] == [f"http://disbursement.test/v1/payments/{PAYMENT}/reissue"] * 2
    assert owners.calls[0].headers["idempotency-key"] == owners.calls[1].headers["idempotency-key"]
    case = (await client.get(f"/v1/cases/{case_id}", headers=OFFICER)).json()
    assert (case["follow_up"], case["follow_up_result"]) == (None, "refused")
    full = (await client.get(f"/v1/cases/{case_id}", headers=OFFICER)).json()
    assert full["status"] == "decided"


async def test_an_upheld_usul_asks_the_registry_for_a_registration_or_a_reassessment(client, owners):
    usul = {"kind": "usul", "category": "registration", "region_code": "53.71.04.1001",
            "details": {"description": "Janda lansia belum terdaftar"}}
    problem(await client.post("/v1/cases", json=usul, headers=auth("partner-app", "grievance:read")), 403)
    case_id = await investigated(client, usul)
    await upheld(client, case_id)
    assert await work(client) == 1
    (call,) = owners.calls
    assert str(call.url) == "http://registry.test/v1/registration-requests"
    assert json.loads(call.read()) == {"region_code": "53.71.04.1001", "case_ref": case_id}
    case = (await client.get(f"/v1/cases/{case_id}", headers=OFFICER)).json()
    assert case["follow_up_result"] == "done"

    listed = {**usul, "category": "reassessment", "subject_ref": "5b0e3c3e-8f7a-4c55-9d1e-0a4c2b8e9f11"}
    case_id = await investigated(client, listed)
    await upheld(client, case_id)
    assert await work(client) == 1
    call = owners.calls[-1]
    assert str(call.url).endswith("/v1/households/5b0e3c3e-8f7a-4c55-9d1e-0a4c2b8e9f11/grievance-review")
    assert json.loads(call.read()) == {"case_ref": case_id, "reason": "reassessment"}


async def test_a_rejection_needs_no_second_officer_and_a_case_has_one_appeal(client):
    case_id = await investigated(client, sanggah(anonymous=False))
    await client.post(f"/v1/cases/{case_id}/proposal", json={"outcome": "rejected", "reason_code": "not_verified"},
                      headers=OFFICER2)
    r = await client.post(f"/v1/cases/{case_id}/decision", headers=OFFICER2)
    assert (r.json()["status"], r.json()["outcome"]) == ("decided", "rejected"), r.text
    tracking = r.json()["tracking_number"]
    public = (await client.get(f"/public/cases/{tracking}")).json()
    assert public["outcome"]["text_en"] == REASONS["rejected"]["not_verified"][1]
    appealed = await client.post(f"/public/cases/{tracking}/appeal", headers={"Idempotency-Key": str(uuid4())})
    assert appealed.json()["status"] == "investigating", appealed.text
    assert (await client.get(f"/public/cases/{tracking}")).json()["appealed"] is True
    problem(await client.post(f"/public/cases/{tracking}/appeal"), 409, "status")
    problem(await client.post(f"/v1/cases/{case_id}/appeal", headers=OFFICER), 409, "status")


async def test_refused_transitions_and_scopes(client):
    case_id = await submitted(client, sanggah(anonymous=False))
    problem(await client.post(f"/v1/cases/{case_id}/investigation", json={}, headers=OFFICER), 409, "status")
    problem(await client.post(f"/v1/cases/{case_id}/decision", headers=OFFICER), 403)
    problem(await client.post(f"/v1/cases/{uuid4()}/triage", json={"officer": "x"}, headers=OFFICER), 404)
    problem(await client.post(f"/v1/cases/{case_id}/triage", json={"officer": ""}, headers=OFFICER), 422, "officer")
    problem(await client.get("/v1/cases"), 401)


async def test_the_running_app_works_its_outbox_by_itself(database_url, kafka_bootstrap, owners):
    """With its jobs on, the follow-up worker picks the upheld case up without being driven."""
    app = create_app(settings(database_url, kafka_bootstrap, follow_up_interval_s=0.05, sla_interval_s=3600),
                     clock=SYSTEM_CLOCK)
    async with httpx.AsyncClient(transport=httpx.MockTransport(owners.handle)) as http:
        app.state.grievance_owners = HttpOwners(app.state.settings, http)
        async with app.router.lifespan_context(app):
            app.state.token_verifier = ISSUER.verifier()
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://g") as client:
                case_id = await investigated(client, sanggah(kind="payment_complaint", category="wrong_amount",
                                                             anonymous=False, subject_ref=PAYMENT))
                await upheld(client, case_id, "documents_confirm")

                async def case():
                    return (await client.get(f"/v1/cases/{case_id}", headers=OFFICER)).json()

                done = await eventually(case, lambda c: c["follow_up_result"] is not None, what="the follow-up")
    assert done["follow_up_result"] == "done"
    assert [str(c.url) for c in owners.calls] == [f"http://disbursement.test/v1/payments/{PAYMENT}/exceptions"]
    assert json.loads(owners.calls[0].content) == {"kind": "amount_disputed", "reference": case_id}
