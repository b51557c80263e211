"""The public status check (no leaks, same answer for unknown and mismatched, rate-limited, programs from
disbursement events) and what leaves the registry: `registry.events` and logs never carry NIK or names."""

import logging
from types import SimpleNamespace
from uuid import uuid4

from gotong_contracts.disbursement import PaymentRecorded
from gotong_contracts.registry import EVENTS

from gotong.api.app import runtime
from gotong.api.fast_path import FastPath
from gotong.api.metrics import REQUESTS
from gotong.api.security_headers import CSP
from gotong.messaging.cloudevents import decode
from gotong.messaging.relay import OutboxRelay
from gotong.messaging.topics import events_topic
from gotong.observability import tracing
from gotong.testing.kafka import read_topic
from registry.entrypoints.consumers.disbursement import on_disbursement_event
from registry.synthetic import households

from .conftest import OPS


async def register(client, row):
    r = await client.post("/v1/households", headers=OPS, json=row)
    assert r.status_code == 201, r.text
    return r.json()


async def pay(client, household_ref, program="PKH", period="2026-Q3", status="paid"):
    event = PaymentRecorded(payment_id=str(uuid4()), household_ref=household_ref, program_id="p1",
                            program_code=program, cycle_id="c1", period=period, amount=750_000,
                            region_code="32.73.01.1001", province_code="32", regency_code="32.73",
                            funding_source="apbn", status=status, occurred_at="2026-09-01T00:00:00Z")
    delivered = SimpleNamespace(event=SimpleNamespace(event_type="PaymentRecorded", schema_version=1,
                                                      data=event.model_dump(mode="json")))
    async with runtime(client.app).engine.begin() as conn:
        await on_disbursement_event(conn, delivered)


async def test_status_check_by_region_and_name_and_by_nik(client):
    row = next(households(1, seed=31))
    out = await register(client, row)
    head = row["members"][0]
    await pay(client, out["household_ref"])
    await pay(client, out["household_ref"], program="BPNT", period="2026-Q3", status="instructed")
    by_name = await client.post("/public/status-check", json={"village_code": row["village_code"],
                                                                "name": head["name"].upper()})
    assert by_name.status_code == 200
    body = by_name.json()
    assert body["found"] is True
    assert {(p["program"], p["period"], p["status"]) for p in body["programs"]} == {
        ("PKH", "2026-Q3", "paid"), ("BPNT", "2026-Q3", "instructed")}
    by_nik = (await client.post("/public/status-check", json={"nik": head["nik"], "name": head["name"]})).json()
    assert by_nik == body
    text = by_name.text
    for m in row["members"]:
        assert m["nik"] not in text
        assert m["name"] not in text
    assert row["address"] not in text
    assert out["household_ref"] not in text  # not even the pseudonymous reference


async def test_not_found_and_name_mismatch_answer_the_same(client):
    row = next(households(1, seed=32))
    await register(client, row)
    head = row["members"][0]
    mismatch = await client.post("/public/status-check", json={"nik": head["nik"], "name": "Nama Lain Sekali"})
    unknown = await client.post("/public/status-check", json={"nik": "3273011705900001", "name": head["name"]})
    wrong_village = await client.post("/public/status-check", json={"village_code": "32.73.01.1001",
                                                                      "name": head["name"]})
    assert mismatch.status_code == unknown.status_code == wrong_village.status_code == 200
    assert mismatch.json() == unknown.json() == wrong_village.json() == {
        "found": False, "desil": None, "programs": [], "message": mismatch.json()["message"]}


async def test_a_name_twice_in_a_village_is_not_found_by_name_but_by_nik(client):
    first, second = households(2, seed=33)
    second = {**second, "village_code": first["village_code"]}
    second["members"] = [{**second["members"][0], "name": first["members"][0]["name"]}, *second["members"][1:]]
    await pay(client, (await register(client, first))["household_ref"])
    await register(client, second)
    head = first["members"][0]
    by_name = await client.post("/public/status-check", json={"village_code": first["village_code"],
                                                                "name": head["name"]})
    assert by_name.json()["found"] is False  # two households: ask for the NIK instead
    by_nik = (await client.post("/public/status-check", json={"nik": head["nik"], "name": head["name"]})).json()
    assert by_nik["found"] is True
    assert [p["program"] for p in by_nik["programs"]] == ["PKH"]
    twin = second["members"][0]
    other = (await client.post("/public/status-check", json={"nik": twin["nik"], "name": twin["name"]})).json()
    assert (other["found"], other["programs"]) == (True, [])


async def test_status_check_bad_input_and_rate_limit(client):
    r = await client.post("/public/status-check", json={"name": "Siti"})
    assert r.status_code == 422
    r = await client.post("/public/status-check", json={"village_code": "32.73.01.9999", "name": "Siti"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "village_code"
    # the test app allows 60/minute per address with a burst of 10: exhaust it
    codes = [(await client.post("/public/status-check", json={"nik": "3273011705900001", "name": "X Y"})).status_code
             for _ in range(30)]
    assert 429 in codes
    limited = await client.post("/public/status-check", json={"nik": "3273011705900001", "name": "X Y"})
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1


async def test_the_checks_fast_path_answers_with_the_kits_headers_limits_and_metrics(client, monkeypatch):
    # as with no exporter: an earlier test in this process may have set one (spans recorded go through the stack)
    monkeypatch.setattr(tracing, "recording", lambda: False)
    assert isinstance(client.app.build_middleware_stack(), FastPath)
    before = REQUESTS.labels("/public/status-check", "POST", "200")._value.get()
    r = await client.post("/public/status-check", json={"nik": "3273011705900001", "name": "X Y"})
    assert r.status_code == 200
    assert r.json()["found"] is False
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["content-security-policy"] == CSP
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["ratelimit-policy"].startswith('"default";')
    assert REQUESTS.labels("/public/status-check", "POST", "200")._value.get() == before + 1
    guarded = await client.post("/public/status-check", json={"nik": "3273011705900001", "name": "X\u0000Y"})
    assert guarded.status_code == 422  # the input guard's refusal, as before
    assert guarded.headers["content-type"] == "application/problem+json"
    assert guarded.json()["errors"][0]["field"] == "body.name"
    assert "3273011705900001" not in guarded.text


async def test_through_the_kits_stack_the_check_is_answered_and_counted_the_same(client, monkeypatch):
    monkeypatch.setattr(tracing, "recording", lambda: True)  # as while spans are recorded: the stack answers
    before = REQUESTS.labels("/public/status-check", "POST", "200")._value.get()
    r = await client.post("/public/status-check", json={"nik": "3273011705900001", "name": "X Y"})
    assert r.status_code == 200
    assert r.json()["found"] is False
    assert r.headers["content-security-policy"] == CSP
    assert r.headers["ratelimit-policy"].startswith('"default";')
    assert REQUESTS.labels("/public/status-check", "POST", "200")._value.get() == before + 1


async def test_region_choices_walk_province_to_village(client):
    provinces = (await client.get("/public/regions/0")).json()
    assert {"code": "32", "name": "Jawa Barat"} in provinces
    regencies = (await client.get("/public/regions/32")).json()
    assert any(r["code"] == "32.73" for r in regencies)
    villages = (await client.get("/public/regions/32.73.01")).json()
    assert any(v["code"] == "32.73.01.1001" for v in villages)


async def test_registry_events_and_logs_carry_no_personal_data(client, kafka_bootstrap, caplog):
    caplog.set_level(logging.DEBUG)
    rows = list(households(3, seed=33))
    refs = [(await register(client, row))["household_ref"] for row in rows]
    bad = dict(rows[0], kk=rows[0]["kk"][:15])
    await client.post("/v1/households", headers=OPS, json=bad)  # an error path gets logged too
    relay = OutboxRelay(runtime(client.app).engine, service="registry", bootstrap=kafka_bootstrap,
                        mapper=runtime(client.app).contract_mapper)
    await relay.drain()
    await relay.close()
    records = await read_topic(kafka_bootstrap, events_topic("registry"), polls=8, timeout_ms=500)
    raw = b" ".join(r.value + b"".join(v for _, v in r.headers) for r in records)
    events = [e for e in (decode(r.value, r.headers) for r in records) if e.service != "kit"]
    mine = [e for e in events if e.data.get("household_ref") in refs]
    assert {e.data["household_ref"] for e in mine} == set(refs)
    for e in mine:
        EVENTS[e.event_type].model_validate(e.data)
        assert "pii" not in e.data
    assert mine[-1].data["verification"] in ("verified", "flagged")
    logs = caplog.text
    for row in rows:
        for secret in [row["kk"], row["address"], *(m["nik"] for m in row["members"]),
                       *(m["name"] for m in row["members"])]:
            assert secret.encode() not in raw
            assert secret not in logs
