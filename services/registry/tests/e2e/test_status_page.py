"""`/cek-status`, the citizens' page: choose the region step by step (plain GET forms, no JavaScript), or give
the NIK; the answer in words (desil and what it means, each program with amount, status and receipt link);
"not found" and "name mismatch" alike; bad input names the field; the limit answers a page, not JSON."""

import re

from gotong.api.app import runtime
from registry.synthetic import households

from .test_public_and_events import pay, register


def texts(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def test_a_citizen_walks_the_region_steps_and_reads_the_answer_in_words(client, monkeypatch):
    row = next(households(1, seed=61))
    out = await register(client, row)
    head = row["members"][0]
    await pay(client, out["household_ref"], program="PKH", period="2026-Q3", status="paid")
    await pay(client, out["household_ref"], program="BPNT", period="2026-Q4", status="returned")
    province, regency, district, _ = row["village_code"].split(".")

    first = await client.get("/cek-status")
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("text/html")
    assert 'name="province"' in first.text
    assert 'name="village_code"' not in first.text  # villages come once the district is chosen
    steps = await client.get("/cek-status", params={"province": province, "regency": f"{province}.{regency}",
                                                     "district": f"{province}.{regency}.{district}"})
    assert f'value="{row["village_code"]}"' in steps.text
    assert 'name="village_code"' in steps.text

    answer = await client.post("/cek-status", data={"village_code": row["village_code"], "name": head["name"]})
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    words = texts(answer.text)
    assert "Terdaftar di DTSEN" in words
    assert "Rp\u00a0750.000" in answer.text  # Indonesian format, Rp never wraps off its number
    assert "Sudah dibayar" in words
    assert "Dikembalikan ke kas program" in words
    receipts = re.findall(r"<code>([0-9a-f-]{36})</code>", answer.text)  # the receipt references
    assert len(receipts) == 2
    for m in row["members"]:
        assert m["nik"] not in answer.text
        assert m["name"] not in answer.text
    assert out["household_ref"] not in answer.text

    monkeypatch.setattr(runtime(client.app).settings, "canvas_projector_url", "http://portal.test")
    english = await client.post("/cek-status", data={"nik": head["nik"], "name": head["name"], "lang": "en"})
    assert 'lang="en"' in english.text
    assert "Registered in DTSEN" in texts(english.text)
    assert "Rp\u00a0750,000" in english.text
    links = dict(re.findall(r'href="http://portal\.test/verifikasi\?payment=([0-9a-f-]{36})&amp;status=(\w+)&amp;'
                            r'lang=en"', english.text))
    assert set(links) == set(receipts), "each item: verify its receipt"
    assert sorted(links.values()) == ["paid", "returned"]
    for receipt, status in links.items():  # and download it, from the portal's receipt route
        assert f'href="http://portal.test/transparency/receipts/{receipt}?status={status}"' in english.text
    assert 'href="http://portal.test/verifikasi?lang=en"' in english.text
    assert "grievance.test" not in english.text, "no grievance service configured: no link to one"

    monkeypatch.setattr(runtime(client.app).settings, "grievance_url", "http://grievance.test/")
    linked = await client.post("/cek-status", data={"nik": head["nik"], "name": head["name"], "lang": "en"})
    assert 'href="http://grievance.test/pengaduan?lang=en"' in linked.text, "the answer links the grievance form"
    for receipt in receipts:  # a payment complaint about this payment, its number filled in
        assert f'href="http://grievance.test/pengaduan/pembayaran?lang=en&amp;ref={receipt}"' in linked.text


async def test_not_found_and_name_mismatch_are_the_same_page(client):
    row = next(households(1, seed=62))
    await register(client, row)
    head = row["members"][0]
    mismatch = await client.post("/cek-status", data={"nik": head["nik"], "name": "Nama Lain Sekali"})
    unknown = await client.post("/cek-status", data={"nik": "3273011705900001", "name": head["name"]})
    assert mismatch.status_code == unknown.status_code == 200
    assert "Data tidak ditemukan" in texts(mismatch.text)
    assert mismatch.text == unknown.text


async def test_bad_input_names_the_field_on_the_page(client):
    short = await client.post("/cek-status", data={"nik": "12345", "name": "Siti Aminah"})
    assert short.status_code == 422
    assert short.headers["content-type"].startswith("text/html")
    assert 'href="#nik"' in short.text
    assert "12345" not in short.text  # what was typed is not echoed back
    nowhere = await client.post("/cek-status", data={"village_code": "99.99.99.9999", "name": "Siti Aminah"})
    assert nowhere.status_code == 422
    assert 'href="#village"' in nowhere.text
    both = await client.post("/cek-status", data={"name": "Siti Aminah"})
    assert both.status_code == 422


async def test_the_limit_is_a_page_with_retry_after_and_ignores_forwarding_headers(client):
    # the e2e app allows 60 a minute, 10 at once; a forged X-Forwarded-For does not buy a fresh bucket
    answers = [await client.post("/cek-status", data={"nik": "3273011705900001", "name": "Siti Aminah"},
                                 headers={"X-Forwarded-For": f"10.0.0.{i}"}) for i in range(25)]
    limited = [r for r in answers if r.status_code == 429]
    assert limited, "a flood from one address is limited"
    assert int(limited[0].headers["retry-after"]) >= 1
    assert "Terlalu banyak permintaan" in texts(limited[0].text)
