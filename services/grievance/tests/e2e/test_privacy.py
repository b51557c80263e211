"""Personal data (names, NIKs, free text, the reporter) is sealed under the case's key: never in the events as
stored or published, the logs, errors, the idempotency store or public answers; an anonymous objector is never
kept; erasing the key makes the case's personal data unreadable."""

from __future__ import annotations

import logging
from uuid import uuid4

from sqlalchemy import text

from gotong.api.app import runtime
from gotong.messaging.relay import OutboxRelay
from gotong.testing.kafka import read_topic
from grievance.application.follow_up import drain

from .conftest import OFFICER, SUPERVISOR, problem, sanggah
from .test_workflow import investigated, upheld

SECRETS = ("Sutrisno", "Wibowo", "3273010101800001", "Rina", "Kartika", "3273014202900002", "081234567890",
           "mobil")


def clean(blob: str, *also: str) -> None:
    for secret in (*SECRETS, *also):
        assert secret not in blob, secret


async def test_personal_data_never_leaves_sealed(client, kafka_bootstrap, caplog):
    caplog.set_level(logging.DEBUG)
    public = await client.post("/public/cases", json=sanggah(), headers={"Idempotency-Key": str(uuid4())})
    tracking = public.json()["tracking_number"]
    named = await investigated(client, sanggah(anonymous=False))
    await upheld(client, named)
    await drain(runtime(client.app).units, client.app.state.grievance_owners)
    answers = [public.text, (await client.get(f"/public/cases/{tracking}")).text,
               (await client.get("/v1/cases", headers=OFFICER)).text,
               (await client.post("/public/cases", json=sanggah(details={"description": "Sutrisno", "niks": [
                   "3273010101800001x"]}))).text]
    for answer in answers:
        clean(answer)

    async with client.app.state.engine.connect() as conn:
        stored = " ".join(str(r) for r in (await conn.execute(text("SELECT data FROM events"))).all())
        kept = " ".join(str(r) for r in (await conn.execute(text(
            "SELECT response_body FROM idempotency_keys"))).all())
        tables = " ".join(str(r) for r in (await conn.execute(text("SELECT * FROM cases"))).all())
    clean(stored)
    clean(kept)
    clean(tables)

    relay = OutboxRelay(client.app.state.engine, service="grievance", bootstrap=kafka_bootstrap,
                        mapper=runtime(client.app).contract_mapper)
    await relay.drain()
    await relay.close()
    records = await read_topic(kafka_bootstrap, "grievance.events")
    assert records
    for record in records:
        clean(record.value.decode() + str(record.headers), tracking, "tracking", "5b0e3c3e", "sealed",
              "officer-bandung", "supervisor-jabar")
    clean(" ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records))


async def test_the_officer_reads_the_details_but_an_anonymous_objector_was_never_kept(client):
    anonymous = (await client.post("/v1/cases", json=sanggah(), headers=OFFICER)).json()["id"]
    named = (await client.post("/v1/cases", json=sanggah(anonymous=False), headers=OFFICER)).json()["id"]
    seen = (await client.get(f"/v1/cases/{anonymous}/personal", headers=OFFICER)).json()
    assert seen["details"]["names"] == ["Sutrisno Wibowo"]
    assert seen["reporter"] is None
    assert "Rina" not in str(seen)
    seen = (await client.get(f"/v1/cases/{named}/personal", headers=OFFICER)).json()
    assert seen["reporter"]["name"] == "Rina Kartika"
    problem(await client.get(f"/v1/cases/{named}/personal"), 401)


async def test_erasing_the_case_key_makes_its_personal_data_unreadable(client):
    case_id = (await client.post("/v1/cases", json=sanggah(anonymous=False), headers=OFFICER)).json()["id"]
    problem(await client.post(f"/v1/cases/{case_id}/erasure", headers=OFFICER), 403)
    r = await client.post(f"/v1/cases/{case_id}/erasure", headers=SUPERVISOR)
    assert r.status_code == 200, r.text
    problem(await client.get(f"/v1/cases/{case_id}/personal", headers=OFFICER), 403, "case_id")
    async with client.app.state.engine.connect() as conn:
        keys = (await conn.execute(text("SELECT count(*) FROM case_keys WHERE case_id = :c"), {"c": case_id})).one()
        sealed = (await conn.execute(text(
            "SELECT data->>'sealed_details' FROM events WHERE stream_id = :c AND event_type = 'CaseReceived'"),
            {"c": case_id})).scalar_one()
    assert keys == (0,), "the key is gone"
    assert sealed, "the ciphertext stays in the event, unreadable"
    problem(await client.post(f"/v1/cases/{case_id}/erasure", headers=SUPERVISOR), 409)
