"""The public channel over HTTP: submit without login, check by tracking number (nothing personal answered),
bad input as 422 naming the field, one case per Idempotency-Key, and a flood from one address refused (429)
whatever forwarded headers it sends."""

from __future__ import annotations

import re
from uuid import uuid4

from grievance.domain.catalogue import STATUS_TEXT

from .conftest import OFFICER, problem, sanggah

SECRETS = ("Sutrisno", "Wibowo", "3273010101800001", "Rina", "Kartika", "3273014202900002", "081234567890",
           "mobil", "5b0e3c3e", "32.73.01.1001")


async def test_a_citizen_submits_without_login_and_checks_by_tracking_number(client):
    r = await client.post("/public/cases", json=sanggah())
    assert r.status_code == 201, r.text
    tracking = r.json()["tracking_number"]
    assert re.fullmatch(r"GRV-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", tracking)
    assert set(r.json()) == {"tracking_number", "status", "due_at"}, "the public answer names no case id"
    status = await client.get(f"/public/cases/{tracking.lower()}")
    assert status.status_code == 200, status.text
    body = status.json()
    assert (body["status"], body["kind"], body["outcome"]) == ("received", "sanggah", None)
    assert body["status_text_id"] == STATUS_TEXT["received"][0]
    assert (body["received_on"], body["decision_due_on"]) == ("2026-11-02", "2026-11-16")
    for text in (r.text, status.text):
        for secret in SECRETS:
            assert secret not in text, secret


async def test_an_unknown_tracking_number_is_a_404_problem(client):
    problem(await client.get("/public/cases/GRV-0000-0000-0000"), 404, "tracking_number")
    problem(await client.get("/public/cases/not-a-number"), 422, "tracking_number")


async def test_bad_input_is_a_422_naming_the_field_and_never_echoing_it(client):
    bad_nik = sanggah(details={"description": "x", "niks": ["32730101018000"]})
    p = problem(await client.post("/public/cases", json=bad_nik), 422, "body.details.niks.0")
    assert "32730101018000" not in str(p)
    problem(await client.post("/public/cases", json=sanggah(category="not_received")), 422, "category")
    p = problem(await client.post("/public/cases", json=sanggah(subject_ref="3273010101800001")), 422, "subject_ref")
    assert "3273010101800001" not in str(p)
    usul = sanggah(kind="usul", category="registration", anonymous=False)
    problem(await client.post("/public/cases", json=usul), 403, "kind")
    problem(await client.post("/public/cases", json=sanggah(region_code="Bandung")), 422, "region_code")
    problem(await client.post("/public/cases", json=sanggah(region_code="32.73.01.9999")), 422, "region_code")
    problem(await client.post("/public/cases", json={**sanggah(), "extra": 1}), 422, "extra")
    problem(await client.post("/public/cases", json=sanggah(kind="complaint")), 422, "kind")
    problem(await client.post("/public/cases", content=b"{not json", headers={"content-type": "application/json"}),
            422)


async def test_the_same_idempotency_key_makes_one_case(client):
    key = {"Idempotency-Key": str(uuid4())}
    first = await client.post("/public/cases", json=sanggah(), headers=key)
    again = await client.post("/public/cases", json=sanggah(), headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    other = await client.post("/public/cases", json=sanggah(), headers={"Idempotency-Key": str(uuid4())})
    assert other.json()["tracking_number"] != first.json()["tracking_number"]
    listed = (await client.get("/v1/cases?kind=sanggah", headers=OFFICER)).json()["items"]
    assert sorted(c["tracking_number"] for c in listed) == sorted(
        [first.json()["tracking_number"], other.json()["tracking_number"]])
    problem(await client.post("/public/cases", json=sanggah(category="desil"), headers=key), 422)


async def test_a_flood_from_one_address_is_refused_whatever_it_forwards(client):
    """The limit keys on the connection's address; X-Forwarded-For and friends are the client's own words."""
    answers = []
    for i in range(25):
        spoof = {"X-Forwarded-For": f"10.0.{i}.1", "X-Real-IP": f"10.1.{i}.1", "Forwarded": f"for=10.2.{i}.1"}
        answers.append(await client.get("/public/cases/GRV-0000-0000-0000", headers=spoof))
    codes = [a.status_code for a in answers]
    assert codes[:10] == [404] * 10, codes  # the burst: 60 a minute, 10 at once
    assert 429 in codes[10:], codes
    refused = next(a for a in answers if a.status_code == 429)
    problem(refused, 429)
    assert int(refused.headers["Retry-After"]) >= 1
    # an officer's authenticated API is not that budget
    assert (await client.get("/v1/cases", headers=OFFICER)).status_code == 200
