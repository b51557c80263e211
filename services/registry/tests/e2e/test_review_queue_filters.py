"""The review queue filtered as a reviewer works it: by reason code, by region (any level of the Kepmendagri
code) and by age; bad filters are refused naming the field."""

from registry.synthetic import households

from .conftest import OPS, client  # noqa: F401 (the fixture)


async def register(client, body):  # noqa: F811
    r = await client.post("/v1/households", json=body, headers=OPS)
    assert r.status_code == 201, r.text
    return r.json()


async def test_the_queue_filters_by_reason_region_and_age(client):  # noqa: F811
    a, b, c, d = list(households(4, seed=71))
    b["members"].append({**a["members"][0], "relation": "famili"})  # a NIK another household holds
    d["kk"] = c["kk"]  # a KK another household holds
    for body in (a, b, c, d):
        await register(client, body)

    everything = (await client.get("/v1/reviews", headers=OPS)).json()
    by_code = {r["household_ref"]: {x["code"] for x in r["reasons"]} for r in everything["items"]}
    dup_nik = [ref for ref, codes in by_code.items() if "duplicate_nik" in codes]
    dup_kk = [ref for ref, codes in by_code.items() if "duplicate_kk" in codes]
    assert dup_nik
    assert dup_kk

    r = await client.get("/v1/reviews", params={"reason": "duplicate_nik"}, headers=OPS)
    assert r.status_code == 200, r.text
    assert [x["household_ref"] for x in r.json()["items"]] == dup_nik
    assert r.json()["total"] == len(dup_nik)

    flagged = everything["items"][0]
    province = flagged["village_code"][:2]
    inside = (await client.get("/v1/reviews", params={"region": province}, headers=OPS)).json()
    assert flagged["household_ref"] in [x["household_ref"] for x in inside["items"]]
    assert all(x["village_code"].startswith(province + ".") for x in inside["items"])
    village = (await client.get("/v1/reviews", params={"region": flagged["village_code"]}, headers=OPS)).json()
    assert {x["village_code"] for x in village["items"]} == {flagged["village_code"]}
    elsewhere = "11" if province != "11" else "12"
    assert (await client.get("/v1/reviews", params={"region": elsewhere, "reason": "duplicate_kk"},
                             headers=OPS)).json()["total"] == sum(
        1 for x in everything["items"] if x["village_code"].startswith(elsewhere + ".") and x["household_ref"]
        in dup_kk)

    fresh = await client.get("/v1/reviews", params={"older_than_days": 0}, headers=OPS)
    assert fresh.json()["total"] == everything["total"]
    old = await client.get("/v1/reviews", params={"older_than_days": 1}, headers=OPS)
    assert old.json() == {"total": 0, "total_relation": "eq", "items": []}


async def test_bad_queue_filters_name_the_field(client):  # noqa: F811
    for params, field in (({"reason": "Duplicate NIK"}, "query.reason"), ({"region": "jatim"}, "query.region"),
                          ({"older_than_days": -1}, "query.older_than_days")):
        r = await client.get("/v1/reviews", params=params, headers=OPS)
        assert r.status_code == 422, (params, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert field in [e["field"] for e in r.json()["errors"]], r.json()
