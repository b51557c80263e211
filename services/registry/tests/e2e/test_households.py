"""Households end to end over HTTP: registration with automatic verification, duplicates, Dukcapil
mismatch and death, maker–checker reviews, corrections, history, erasure."""

from gotong.api.app import runtime
from registry.synthetic import households

from .conftest import APPROVER, ERASER, OPS, VERIFIER

ERASE_BODY = {"ground": "subject_request", "reference": "470/12/DS/2026"}


def sample(seed: int = 7, n: int = 1) -> list[dict]:
    return list(households(n, seed=seed))


async def register(client, row, expect=201):
    r = await client.post("/v1/households", headers=OPS, json=row)
    assert r.status_code == expect, r.text
    return r.json()


async def test_register_verifies_and_keeps_personal_data_sealed(client):
    row = sample()[0]
    out = await register(client, row)
    assert out["verification"] == "verified", out["reasons"]
    assert len(out["members"]) == len(row["members"])
    view = (await client.get(f"/v1/households/{out['household_ref']}", headers=OPS)).json()
    text = str(view)
    for m in row["members"]:
        assert m["nik"] not in text
        assert m["name"] not in text
    personal = await client.get(f"/v1/households/{out['household_ref']}/personal",
                                params={"purpose": "verifikasi lapangan"}, headers=OPS)
    assert personal.status_code == 200
    assert {p["nik"] for p in personal.json()["members"].values()} == {m["nik"] for m in row["members"]}
    log = (await client.get("/v1/audit/personal-reads", headers=OPS)).json()
    assert log["total"] == 1
    assert log["items"][0]["actor"] == "ops-1"
    assert log["items"][0]["purpose"] == "verifikasi lapangan"


async def test_bad_nik_is_refused_naming_the_field(client):
    row = sample()[0]
    row["members"][0]["nik"] = row["members"][0]["nik"][:6] + "999999" + row["members"][0]["nik"][12:]
    r = await client.post("/v1/households", headers=OPS, json=row)
    assert r.status_code == 422
    body = r.json()
    assert body["errors"][0]["field"] == "members.0.nik"
    assert row["members"][0]["nik"] not in r.text


async def test_same_nik_in_another_household_is_flagged_and_reviewed_with_maker_checker(client):
    first, second = sample(seed=11, n=2)
    holder = await register(client, first)
    second["members"].append({**first["members"][0], "relation": "famili"})
    out = await register(client, second)
    assert out["verification"] == "flagged"
    duplicate = next(r for r in out["reasons"] if r["code"] == "duplicate_nik")
    assert duplicate["other_households"] == holder["household_ref"]  # the reviewer can open the other one
    queue = (await client.get("/v1/reviews", params={"status": "open"}, headers=OPS)).json()
    review = queue["items"][0]
    assert review["household_ref"] == out["household_ref"]
    assert out["review"] == {"id": review["id"], "status": "open"}  # the answer names the review it opened
    assert out["next"] == [{"action": "propose", "method": "POST", "href": f"/v1/reviews/{review['id']}/proposal"}]
    r = await client.post(f"/v1/reviews/{review['id']}/proposal", headers=VERIFIER,
                          json={"decision": "verified", "note": "sudah dicek, NIK ganda diperbaiki"})
    assert r.status_code == 200, r.text
    r = await client.post(f"/v1/reviews/{review['id']}/approval", headers=VERIFIER)
    assert r.status_code == 403  # no approve scope
    approved = await client.post(f"/v1/reviews/{review['id']}/approval", headers=APPROVER)
    assert approved.status_code == 200, approved.text
    assert approved.json()["household"]["verification"] == "verified"


async def test_officer_cannot_approve_own_proposal(client):
    first, second = sample(seed=12, n=2)
    await register(client, first)
    second["kk"] = first["kk"]
    out = await register(client, second)
    assert "duplicate_kk" in {r["code"] for r in out["reasons"]}
    review = (await client.get("/v1/reviews", headers=OPS)).json()["items"][0]
    await client.post(f"/v1/reviews/{review['id']}/proposal", headers=APPROVER,
                      json={"decision": "rejected", "note": "KK ganda"})
    r = await client.post(f"/v1/reviews/{review['id']}/approval", headers=APPROVER)
    assert r.status_code == 403
    assert "maker–checker" in r.json()["detail"]


async def test_probable_duplicate_by_similar_name_and_birth_date(client):
    first, second = sample(seed=13, n=2)
    await register(client, first)
    twin = dict(first["members"][0])
    twin["name"] = twin["name"].replace("i", "y", 1) if "i" in twin["name"] else twin["name"] + "h"
    # same person, re-registered with a new NIK serial in the same district and a spelling variant
    twin["nik"] = twin["nik"][:12] + "9876"
    twin["relation"] = "famili"
    second["village_code"] = first["village_code"]
    second["members"].append(twin)
    out = await register(client, second)
    assert "probable_duplicate" in {r["code"] for r in out["reasons"]}


async def test_civil_registry_death_marks_member_dead_and_mismatch_flags(client, civil):
    row = sample(seed=14)[0]
    civil.deaths[row["members"][-1]["nik"]] = __import__("datetime").date(2026, 3, 1)
    civil.mismatches[row["members"][0]["nik"]] = ("name",)
    out = await register(client, row)
    dead = [m for m in out["members"] if not m["alive"]]
    assert len(dead) == 1
    assert dead[0]["died_on"] == "2026-03-01"
    assert {"code": "civil_registry_mismatch", "member_ref": out["members"][0]["member_ref"], "fields": "name"} \
        in out["reasons"]
    history = (await client.get(f"/v1/households/{out['household_ref']}/history", headers=OPS)).json()
    assert [e["type"] for e in history] == ["HouseholdRegistered", "MemberDied", "HouseholdFlagged"]
    assert history[0]["data"]["pii"] == "sealed"


async def test_members_change_and_wrong_transitions_refused(client):
    row = sample(seed=15)[0]
    out = await register(client, row)
    ref = out["household_ref"]
    baby = {"nik": row["members"][0]["nik"][:6] + "4110250123", "name": "Bayi Baru", "sex": "F",
            "birth_date": "2025-10-01", "relation": "anak"}
    r = await client.post(f"/v1/households/{ref}/members", headers=OPS, json={"member": baby, "reason": "birth"})
    assert r.status_code == 201, r.text
    member_ref = r.json()["member_ref"]
    r = await client.post(f"/v1/households/{ref}/members/{member_ref}/death", headers=OPS,
                          json={"died_on": "2026-01-05"})
    assert r.status_code == 200
    again = await client.post(f"/v1/households/{ref}/members/{member_ref}/death", headers=OPS,
                              json={"died_on": "2026-01-05"})
    assert again.status_code == 409
    head = next(m["member_ref"] for m in out["members"] if m["relation"] == "kepala")
    if len(row["members"]) > 1:
        r = await client.post(f"/v1/households/{ref}/members/{head}/leave", headers=OPS,
                              json={"on": "2026-02-01"})
        assert r.status_code == 409
    wrong_sex = {**baby, "nik": baby["nik"][:6] + "0110250124", "name": "Bayi Dua"}
    r = await client.post(f"/v1/households/{ref}/members", headers=OPS, json={"member": wrong_sex})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "member.nik"


async def test_erasure_leaves_nothing_readable_and_history_intact(client):
    row = sample(seed=16)[0]
    out = await register(client, row)
    ref = out["household_ref"]
    r = await client.post(f"/v1/households/{ref}/erasure", headers=OPS, json=ERASE_BODY)
    assert r.status_code == 403  # erase needs its own scope
    for bad, field in (({**ERASE_BODY, "reference": "permintaan Ibu Siti di Sukamaju"}, "body.reference"),
                       ({**ERASE_BODY, "ground": "because"}, "body.ground"), ({"basis": "UU PDP"}, "body.basis")):
        r = await client.post(f"/v1/households/{ref}/erasure", headers=ERASER, json=bad)
        assert r.status_code == 422, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert field in {e["field"] for e in r.json()["errors"]}
        assert "Siti" not in r.text  # the refused text is not echoed back
    r = await client.post(f"/v1/households/{ref}/erasure", headers=ERASER, json=ERASE_BODY)
    assert r.status_code == 200, r.text
    personal = await client.get(f"/v1/households/{ref}/personal", params={"purpose": "verification"}, headers=OPS)
    assert personal.status_code == 409
    history = (await client.get(f"/v1/households/{ref}/history", headers=OPS)).json()
    assert history[-1]["type"] == "HouseholdErased"
    assert history[-1]["data"] == {"ground": "subject_request", "reference": "470/12/DS/2026"}
    assert history[0]["data"]["members"]  # non-personal facts stay
    engine = runtime(client.app).engine
    async with engine.connect() as conn:
        raw = await conn.exec_driver_sql(
            "SELECT string_agg(data::text, '') FROM events UNION ALL "
            "SELECT string_agg(coalesce(pii, '') || members::text, '') FROM households")
        dump = " ".join(str(x) for x in raw.scalars())
    for m in row["members"]:
        assert m["nik"] not in dump
        assert m["name"] not in dump
    r = await client.post(f"/v1/households/{ref}/corrections", headers=OPS, json={"reason": "koreksi alamat",
                                                                                  "address": "Jl. Baru 1"})
    assert r.status_code == 409
    r = await client.post("/v1/households", headers=OPS, json=row)  # the same KK can be registered afresh
    assert r.status_code == 201, r.text
    assert r.json()["verification"] == "verified"


async def test_split_moves_members_into_a_new_household(client):
    row = next(r for r in households(30, seed=17) if sum(m["relation"] == "anak" for m in r["members"]) >= 1)
    out = await register(client, row)
    child = next(m for m in out["members"] if m["relation"] == "anak")
    new_kk = row["kk"][:12] + "7777"
    body = {"member_refs": [child["member_ref"]], "head": child["member_ref"], "kk": new_kk,
            "address": "Jl. Baru No. 2", "on": "2026-06-01"}
    r = await client.post(f"/v1/households/{out['household_ref']}/split", headers=OPS, json=body)
    assert r.status_code == 200, r.text
    split = r.json()
    assert split["verification"] == "verified"
    assert split["new_household"]["verification"] == "verified"  # the NIK left the old household first
    left = next(m for m in split["members"] if m["member_ref"] == child["member_ref"])
    assert left["left_on"] == "2026-06-01"
    head = next(m["member_ref"] for m in out["members"] if m["relation"] == "kepala")
    r = await client.post(f"/v1/households/{out['household_ref']}/split", headers=OPS,
                          json={**body, "member_refs": [head], "head": head, "kk": row["kk"][:12] + "7778"})
    assert r.status_code == 409
    r = await client.post(f"/v1/households/{out['household_ref']}/split", headers=OPS,
                          json={**body, "head": "p-someone-else"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "head"


async def test_merge_absorbs_members_and_closes_the_other_household(client):
    first, second = households(2, seed=18)
    a, b = await register(client, first), await register(client, second)
    r = await client.post(f"/v1/households/{a['household_ref']}/merge", headers=OPS,
                          json={"absorbed": b["household_ref"]})
    assert r.status_code == 200, r.text
    merged = r.json()
    assert len(merged["members"]) == len(first["members"]) + len(second["members"])
    assert sum(m["relation"] == "kepala" for m in merged["members"]) == 1  # the other head joins as family
    assert merged["verification"] == "verified"  # the absorbed household's NIKs left with it
    gone = (await client.get(f"/v1/households/{b['household_ref']}", headers=OPS)).json()
    assert gone["status"] == "merged"
    r = await client.post(f"/v1/households/{b['household_ref']}/corrections", headers=OPS,
                          json={"reason": "koreksi alamat", "address": "Jl. Baru 1"})
    assert r.status_code == 409
    assert a["household_ref"] in r.json()["detail"]
    r = await client.post(f"/v1/households/{a['household_ref']}/merge", headers=OPS,
                          json={"absorbed": a["household_ref"]})
    assert r.status_code == 422
    personal = (await client.get(f"/v1/households/{a['household_ref']}/personal", headers=OPS,
                                 params={"purpose": "cek penggabungan"})).json()
    assert {p["nik"] for p in personal["members"].values()} == {m["nik"] for m in first["members"] + second["members"]}
