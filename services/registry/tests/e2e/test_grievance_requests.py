"""What the grievance service asks of the register: an upheld sanggah flags a verified household for review (once
per case, into the existing review queue, decided by two officers), and an upheld usul opens a registration
request that a village officer completes by registering the household; bad input names the field."""

from uuid import uuid4

from .conftest import APPROVER, OPS, VERIFIER, auth
from .test_households import register, sample

GRIEVANCE = auth("grievance", "registry:verify")


async def test_an_upheld_sanggah_flags_a_verified_household_once_and_two_officers_decide(client):
    out = await register(client, sample(seed=41)[0])
    assert out["verification"] == "verified"
    href = f"/v1/households/{out['household_ref']}/grievance-review"
    case = str(uuid4())
    r = await client.post(href, headers=GRIEVANCE, json={"case_ref": case, "reason": "inclusion"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["flagged"] is True
    assert body["household"]["verification"] == "flagged"
    review_id = body["review"]["id"]
    assert [s["action"] for s in body["next"]] == ["propose"]

    # the same case again (another Idempotency-Key: a retry after a lost answer) changes nothing
    again = await client.post(href, headers={**GRIEVANCE, "Idempotency-Key": str(uuid4())},
                              json={"case_ref": case, "reason": "inclusion"})
    assert again.status_code == 200, again.text
    assert again.json()["flagged"] is False
    assert again.json()["household"]["version"] == body["household"]["version"]

    queue = (await client.get("/v1/reviews", params={"status": "open"}, headers=OPS)).json()["items"]
    mine = next(q for q in queue if q["id"] == review_id)
    assert mine["reasons"] == [{"code": "grievance_upheld", "detail": "inclusion", "case_ref": case,
                                "by": "grievance"}]

    # a second case about the same household joins the open review
    other = str(uuid4())
    joined = await client.post(href, headers=GRIEVANCE, json={"case_ref": other, "reason": "desil"})
    assert joined.json()["review"]["id"] == review_id
    assert joined.json()["flagged"] is True

    proposed = await client.post(f"/v1/reviews/{review_id}/proposal", headers=VERIFIER,
                                 json={"decision": "rejected", "note": "tidak memenuhi kriteria"})
    assert proposed.status_code == 200, proposed.text
    decided = await client.post(f"/v1/reviews/{review_id}/approval", headers=APPROVER)
    assert decided.json()["household"]["verification"] == "rejected"
    # the first case again after the decision: still once
    late = await client.post(href, headers=GRIEVANCE, json={"case_ref": case, "reason": "inclusion"})
    assert late.json()["flagged"] is False
    assert late.json()["household"]["verification"] == "rejected"


async def test_flag_refuses_bad_input_and_missing_scope_with_problems(client):
    out = await register(client, sample(seed=42)[0])
    href = f"/v1/households/{out['household_ref']}/grievance-review"
    bad = await client.post(href, headers=GRIEVANCE, json={"case_ref": str(uuid4()), "reason": "tetangga iri"})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["errors"][0]["field"] == "body.reason"
    bad = await client.post(href, headers=GRIEVANCE, json={"case_ref": "GRV-1234", "reason": "inclusion"})
    assert bad.json()["errors"][0]["field"] == "body.case_ref"
    unknown = await client.post(f"/v1/households/{uuid4()}/grievance-review", headers=GRIEVANCE,
                                json={"case_ref": str(uuid4()), "reason": "inclusion"})
    assert unknown.status_code == 404
    assert unknown.json()["errors"][0]["field"] == "household_id"
    denied = await client.post(href, headers=auth("reader", "registry:read"),
                               json={"case_ref": str(uuid4()), "reason": "inclusion"})
    assert denied.status_code == 403


async def test_an_upheld_usul_becomes_a_registered_verified_household_through_a_request(client):
    row = sample(seed=43)[0]
    case = str(uuid4())
    r = await client.post("/v1/registration-requests", headers=GRIEVANCE,
                          json={"region_code": row["village_code"], "case_ref": case})
    assert r.status_code == 201, r.text
    request = r.json()
    assert request["created"] is True
    assert request["status"] == "open"
    assert request["source"] == "grievance"
    again = await client.post("/v1/registration-requests", headers={**GRIEVANCE, "Idempotency-Key": str(uuid4())},
                              json={"region_code": row["village_code"], "case_ref": case})
    assert again.json()["request_id"] == request["request_id"]
    assert again.json()["created"] is False
    listed = (await client.get("/v1/registration-requests", params={"status": "open"}, headers=OPS)).json()
    assert [i["request_id"] for i in listed["items"]] == [request["request_id"]]
    assert listed["total"] == 1

    href = f"/v1/registration-requests/{request['request_id']}"
    # the village officer registers the household; a village outside the request's region is refused
    elsewhere = {**row, "village_code": "11.01.01.2001"}
    outside = await client.post(f"{href}/registration", headers=OPS, json=elsewhere)
    assert outside.status_code == 422, outside.text
    assert outside.json()["errors"][0]["field"] == "village_code"
    done = await client.post(f"{href}/registration", headers=OPS, json=row)
    assert done.status_code == 201, done.text
    assert done.json()["status"] == "completed"
    household = done.json()["household"]
    assert household["verification"] == "verified", household["reasons"]
    assert done.json()["household_ref"] == household["household_ref"]
    assert (await client.get(href, headers=OPS)).json()["status"] == "completed"
    twice = await client.post(f"{href}/decline", headers=OPS, json={"reason": "duplicate_request"})
    assert twice.status_code == 409
    assert (await client.get("/v1/registration-requests", params={"status": "open"},
                             headers=OPS)).json()["total"] == 0


async def test_registration_requests_refuse_bad_input_naming_the_field(client):
    r = await client.post("/v1/registration-requests", headers=GRIEVANCE, json={"region_code": "99.99"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "region_code"
    r = await client.post("/v1/registration-requests", headers=GRIEVANCE, json={"region_code": "Bandung"})
    assert r.json()["errors"][0]["field"] == "body.region_code"
    missing = await client.get(f"/v1/registration-requests/{uuid4()}", headers=OPS)
    assert missing.status_code == 404
    opened = (await client.post("/v1/registration-requests", headers=GRIEVANCE,
                                json={"region_code": "32.73"})).json()
    declined = await client.post(f"/v1/registration-requests/{opened['request_id']}/decline", headers=OPS,
                                 json={"reason": "karena"})
    assert declined.json()["errors"][0]["field"] == "body.reason"
    declined = await client.post(f"/v1/registration-requests/{opened['request_id']}/decline", headers=OPS,
                                 json={"reason": "not_found_in_field"})
    assert declined.status_code == 200, declined.text
    assert declined.json()["status"] == "declined"
    assert declined.json()["next"] == []
