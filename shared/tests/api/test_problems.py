"""Bad input gets RFC 9457 problem+json naming the field — never the submitted value, never a 500."""

from .conftest import bearer

NIK = "3273014101900001"


async def test_invalid_body_names_each_field_and_does_not_echo_values(client):
    r = await client.post("/things", headers=bearer(),
                          json={"title": "", "amount": -5, "members": [{"nik": "12345", "age": 3}, {"nik": NIK}]})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["type"].endswith("/validation-error")
    assert body["status"] == 422
    assert body["instance"] == "/things"
    fields = {e["field"] for e in body["errors"]}
    assert {"body.title", "body.amount", "body.members.0.nik", "body.members.1.age"} <= fields
    assert "12345" not in r.text
    assert NIK not in r.text


async def test_malformed_json_is_a_problem_not_a_crash(client):
    r = await client.post("/things", headers={**bearer(), "content-type": "application/json"}, content=b"{nope")
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"].startswith("body")


async def test_domain_error_renders_with_its_status_and_field(client):
    r = await client.post("/things", headers=bearer(), json={"title": "x", "amount": 1, "refuse": True})
    assert r.status_code == 409
    body = r.json()
    assert body["type"].endswith("/invalid-state-transition")
    assert body["errors"] == [{"field": "refuse", "detail": "things cannot be refused twice"}]


async def test_unknown_route_and_wrong_method_are_problems(client):
    r = await client.get("/nowhere")
    assert (r.status_code, r.headers["content-type"]) == (404, "application/problem+json")
    r = await client.delete("/things", headers=bearer())
    assert r.status_code == 405
    assert r.json()["type"].endswith("/method-not-allowed")


async def test_body_too_large_is_413(client):
    r = await client.post("/things", headers=bearer(), content=b"{" + b" " * 2_000_000 + b"}",
                          )
    assert r.status_code == 413
    assert r.json()["type"].endswith("/payload-too-large")


async def test_openapi_declares_problem_responses(client):
    spec = (await client.get("/openapi.json")).json()
    responses = spec["paths"]["/things"]["post"]["responses"]
    assert {"401", "403", "409", "422"} <= set(responses)
    assert "application/problem+json" in responses["409"]["content"]
