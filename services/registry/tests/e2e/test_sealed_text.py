"""Free text officers write about a household — a review note, a correction's reason — may name people: it is
sealed with the household's key (never plain in the event store, the history or the queue), shown only on the
audited personal read, and gone with the key on erasure. A personal read must say why, meaningfully."""

from gotong.api.app import runtime

from .conftest import APPROVER, ERASER, OPS, VERIFIER
from .test_households import register, sample

NOTE = "Bu Siti Aminah tetangga menyatakan keluarga pindah ke Bekasi"
REASON = "Pak Joko Susilo melapor alamat salah ketik"


async def _stored_anywhere(client, text: str) -> bool:
    async with runtime(client.app).database.read() as sql:
        events = await sql.fetchval("SELECT count(*) FROM events WHERE strpos(data::text, $1) > 0", text)
        queue = await sql.fetchval("SELECT count(*) FROM review_queue WHERE strpos(proposal_note, $1) > 0", text)
    return bool(events or queue)


async def test_notes_and_reasons_are_sealed_read_only_with_a_purpose_and_erased_with_the_key(client):
    first, second = sample(seed=51, n=2)
    await register(client, first)
    second["kk"] = first["kk"]
    out = await register(client, second)
    ref = out["household_ref"]
    review = next(r for r in (await client.get("/v1/reviews", params={"status": "open"}, headers=OPS)).json()["items"]
                  if r["household_ref"] == ref)
    r = await client.post(f"/v1/reviews/{review['id']}/proposal", headers=VERIFIER,
                          json={"decision": "verified", "note": NOTE})
    assert r.status_code == 200, r.text
    assert (await client.post(f"/v1/reviews/{review['id']}/approval", headers=APPROVER)).status_code == 200
    r = await client.post(f"/v1/households/{ref}/corrections", headers=OPS,
                          json={"reason": REASON, "address": "Jl. Kenanga 7"})
    assert r.status_code == 200, r.text

    for text in (NOTE, REASON):
        assert not await _stored_anywhere(client, text), f"{text!r} is stored in the clear"
        assert text not in (await client.get(f"/v1/households/{ref}/history", headers=OPS)).text
        assert text not in (await client.get("/v1/reviews", headers=OPS)).text
    history = (await client.get(f"/v1/households/{ref}/history", headers=OPS)).json()
    assert {e["type"]: e["data"].get("note", e["data"].get("reason")) for e in history
            if e["type"] in ("ReviewDecided", "HouseholdCorrected")} == {"ReviewDecided": "sealed",
                                                                         "HouseholdCorrected": "sealed"}

    personal = await client.get(f"/v1/households/{ref}/personal", params={"purpose": "verification"}, headers=OPS)
    assert personal.status_code == 200, personal.text
    assert [(n["type"], n["text"]) for n in personal.json()["notes"]] == [("ReviewDecided", NOTE),
                                                                          ("HouseholdCorrected", REASON)]

    assert (await client.post(f"/v1/households/{ref}/erasure", headers=ERASER,
                              json={"ground": "subject_request", "reference": "470/12/DS/2026"})).status_code == 200
    gone = await client.get(f"/v1/households/{ref}/personal", params={"purpose": "verification"}, headers=OPS)
    assert gone.status_code == 409
    assert not await _stored_anywhere(client, NOTE)


async def test_a_personal_read_must_say_why(client):
    ref = (await register(client, sample(seed=52)[0]))["household_ref"]
    for purpose in ("cek", "test test", "asdf qwer", "xxxxx yyyyy", "123 456 789"):
        r = await client.get(f"/v1/households/{ref}/personal", params={"purpose": purpose}, headers=OPS)
        assert r.status_code == 422, (purpose, r.text)
        assert r.json()["errors"][0]["field"] == "purpose"
    for purpose in ("field_visit", "grievance", "verifikasi lapangan", "menindaklanjuti pengaduan warga"):
        r = await client.get(f"/v1/households/{ref}/personal", params={"purpose": purpose}, headers=OPS)
        assert r.status_code == 200, (purpose, r.text)
    log = (await client.get("/v1/audit/personal-reads", headers=OPS)).json()
    assert sorted(i["purpose"] for i in log["items"] if i["household_ref"] == ref) == [
        "field_visit", "grievance", "menindaklanjuti pengaduan warga", "verifikasi lapangan"]
