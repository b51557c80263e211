"""The citizens' pages over HTTP on PostgreSQL: a form per kind, field-named errors in the citizen's language, one
case per rendered form however often it is sent, the tracking page, and the pages' security headers."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import text

from grievance.bootstrap import create_app

from .conftest import OFFICER, OFFICER2, settings

HOUSEHOLD = "5b0e3c3e-8f7a-4c55-9d1e-0a4c2b8e9f11"


def form_key(html: str) -> str:
    found = re.search(r'name="idempotency_key" value="([^"]+)"', html)
    assert found, "every form carries its own idempotency key"
    return found.group(1)


def sanggah_form(key: str, **over: str) -> dict[str, str]:
    return {"lang": "id", "idempotency_key": key, "region_code": "32.73.01.1001", "category": "inclusion",
            "subject_ref": HOUSEHOLD, "description": "Keluarga ini punya dua mobil", "names": "Sutrisno Wibowo",
            "anonymous": "yes", "reporter_name": "Rina Kartika", "reporter_phone": "081234567890", **over}


async def count_cases(client) -> int:
    async with client.app.state.engine.connect() as conn:
        return int((await conn.execute(text("SELECT count(*) FROM cases"))).scalar_one())


async def test_each_kind_has_a_page_in_both_languages_with_the_site_policy(client):
    for slug, words in (("sanggah", "anonim"), ("pembayaran", "bukti pembayaran"),
                        ("perbaikan-data", "meninggal"), ("usul", "petugas desa")):
        r = await client.get(f"/pengaduan/{slug}")
        assert r.status_code == 200, r.text
        assert words in r.text.lower(), slug
        assert "default-src 'self'" in r.headers["content-security-policy"]
        assert r.headers["x-frame-options"] == "DENY"
    en = await client.get("/pengaduan/sanggah?lang=en")
    assert 'lang="en"' in en.text
    assert "anonymous" in en.text
    assert (await client.get("/pengaduan/complaint")).status_code == 404
    usul = await client.get("/pengaduan/usul")
    assert 'action="/pengaduan/usul"' not in usul.text, "the public channel takes no usul: the page says where to go"


async def test_an_anonymous_sanggah_sent_twice_from_one_form_is_one_case_and_can_be_tracked(client):
    key = form_key((await client.get("/pengaduan/sanggah?province=32&regency=32.73&district=32.73.01")).text)
    before = await count_cases(client)
    first = await client.post("/pengaduan/sanggah", data=sanggah_form(key))
    again = await client.post("/pengaduan/sanggah", data=sanggah_form(key))
    assert first.status_code == again.status_code == 200, first.text
    tracking = re.search(r'id="tracking-number">(GRV-[0-9A-Z-]{14})<', first.text)
    assert tracking, first.text
    assert tracking.group(1) in again.text, "a double submit answers with the first case"
    assert await count_cases(client) == before + 1
    assert "16 November 2026" in first.text, "a sanggah is due in 14 days (WIB date)"
    assert "Rina" not in first.text
    assert "081234567890" not in first.text
    found = await client.post("/pengaduan/lacak", data={"lang": "en", "nomor": tracking.group(1).lower()})
    assert found.status_code == 200, found.text
    assert "Received, waiting to be triaged." in found.text
    assert "16 November 2026" in found.text
    assert "Sutrisno" not in found.text
    assert HOUSEHOLD not in found.text
    case = (await client.get("/v1/cases", headers=OFFICER)).json()["items"][0]
    personal = (await client.get(f"/v1/cases/{case['id']}/personal", headers=OFFICER)).json()
    assert personal["anonymous"] is True
    assert personal["reporter"] is None, "an anonymous objector is not kept"


async def test_bad_input_names_each_field_in_the_citizens_language_and_keeps_what_they_typed(client):
    key = form_key((await client.get("/pengaduan/pembayaran")).text)
    bad = {"lang": "en", "idempotency_key": key, "category": "", "subject_ref": "3273010101800001",
           "description": "", "names": "Siti Contoh", "reporter_name": "", "reporter_phone": "12ab"}
    r = await client.post("/pengaduan/pembayaran", data=bad)
    assert r.status_code == 422
    for field in ("region_code", "category", "description", "reporter_name", "reporter_phone"):
        assert f'id="{field}-error"' in r.text, field
    assert "Choose the family&#39;s region" in r.text or "Choose the family's region" in r.text
    assert 'value="Siti Contoh"' in r.text, "the form keeps what the citizen typed"
    assert "12ab" not in r.text, "a field in error is emptied, never echoed"
    assert "3273010101800001" not in r.text
    assert form_key(r.text) != key, "a corrected form is a new submission"
    good = {**bad, "idempotency_key": form_key(r.text), "region_code": "35.07", "category": "not_received",
            "description": "Bantuan bulan lalu belum masuk", "reporter_phone": "", "subject_ref": "not-a-uuid"}
    r = await client.post("/pengaduan/pembayaran", data=good)
    assert r.status_code == 422
    assert 'id="subject_ref-error"' in r.text
    assert "Masukkan" not in r.text
    assert "Enter the right reference number" in r.text
    r = await client.post("/pengaduan/pembayaran", data={**good, "idempotency_key": form_key(r.text),
                                                         "subject_ref": HOUSEHOLD})
    assert r.status_code == 200
    assert "Case received" in r.text


async def test_an_unknown_or_malformed_tracking_number_is_named(client):
    r = await client.post("/pengaduan/lacak", data={"nomor": "GRV-0000-0000-0000"})
    assert r.status_code == 404
    assert "Tidak ada pengaduan dengan nomor ini" in r.text
    r = await client.post("/pengaduan/lacak", data={"nomor": "3273010101800001", "lang": "en"})
    assert r.status_code == 422
    assert "GRV-XXXX-XXXX-XXXX" in r.text
    assert "3273010101800001" not in r.text



async def test_the_form_shares_the_public_apis_budget_and_says_when_to_come_back(database_url, kafka_bootstrap):
    """One request a minute per address: the API's takes it, so the page (whatever forwarded header it sends)
    answers 429 in words with Retry-After."""
    app = create_app(settings(database_url, kafka_bootstrap, public_per_minute=1), jobs=False)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://grievance") as c:
        assert (await c.get("/public/cases/GRV-0000-0000-0000")).status_code == 404
        r = await c.post("/pengaduan/lacak", data={"nomor": "GRV-0000-0000-0000", "lang": "en"},
                         headers={"X-Forwarded-For": "203.0.113.7"})
        assert r.status_code == 429
        assert "Too many requests" in r.text
        assert int(r.headers["retry-after"]) >= 1


async def test_a_decided_case_is_appealed_once_from_the_tracking_page(client):
    key = form_key((await client.get("/pengaduan/sanggah")).text)
    sent = await client.post("/pengaduan/sanggah", data=sanggah_form(key))
    tracking = re.search(r'id="tracking-number">(GRV-[0-9A-Z-]{14})<', sent.text).group(1)
    case = next(c for c in (await client.get("/v1/cases", headers=OFFICER)).json()["items"]
                if c["tracking_number"] == tracking)
    for path, body in (("triage", {"officer": "officer-bandung"}), ("investigation", {}),
                       ("proposal", {"outcome": "rejected", "reason_code": "not_verified"}), ("decision", None)):
        r = await client.post(f"/v1/cases/{case['id']}/{path}", json=body,
                              headers=OFFICER2 if path == "decision" else OFFICER)
        assert r.status_code == 200, r.text
    decided = await client.post("/pengaduan/lacak", data={"nomor": tracking, "lang": "en"})
    assert "Field verification did not confirm the case." in decided.text
    appeal = {"nomor": tracking, "lang": "en", "idempotency_key": form_key(decided.text)}
    first = await client.post("/pengaduan/lacak/banding", data=appeal)
    assert first.status_code == 200, first.text
    assert 'id="appeal-done"' in first.text
    assert "Being verified." in first.text
    assert 'action="/pengaduan/lacak/banding"' not in first.text, "one appeal: no second form"
    assert 'href="/pengaduan/lacak?lang=id"' in first.text, "the language switch opens a page, not the POST"
    again = await client.post("/pengaduan/lacak/banding", data=appeal)  # the same form twice: one appeal
    assert again.status_code == 200
    other = await client.post("/pengaduan/lacak/banding", data={**appeal, "idempotency_key": "another"})
    assert other.status_code == 409
    assert 'id="appeal-refused"' in other.text
