"""The allocation list the CSR desk works from: waiting-for-approval first in line, by company and program, paged
by cursor; bad filters and cursors are refused naming the field."""

from .test_csr_flow import OPS, SUP_A, auth, client, company  # noqa: F401 (the fixture)

APPROVE = "csr-ledger:read csr-ledger:write csr-ledger:approve"


async def allocate(client, cid, target_kind, target_id, amount, who=SUP_A):  # noqa: F811
    r = await client.post(f"/v1/companies/{cid}/allocations", headers=who, json={
        "target_kind": target_kind, "target_id": target_id, "target_name": target_id.upper(), "amount": amount,
        "sdgs": [1], "region": "35"})
    assert r.status_code == 201, r.text
    return r.json()


async def test_the_queue_lists_allocations_waiting_for_approval_by_company_and_program(client):  # noqa: F811
    first, second = await company(client, nib="9120005555551"), await company(client, nib="9120005555552")
    for cid in (first, second):
        r = await client.post(f"/v1/companies/{cid}/deposits", headers=OPS,
                              json={"amount": 5_000_000_000, "reference": "r"})
        assert r.status_code == 201, r.text
    big = [await allocate(client, first, "project", f"proj-{i}", 200_000_000) for i in range(3)]
    small = await allocate(client, first, "project", "kecil", 1_000_000)
    other = await allocate(client, second, "project", "proj-x", 300_000_000)
    assert {a["status"] for a in big} == {"pending_approval"}
    assert small["status"] == "approved"

    waiting = await client.get("/v1/allocations", headers=OPS, params={"status": "pending_approval"})
    assert waiting.status_code == 200, waiting.text
    assert [a["id"] for a in waiting.json()["items"]] == [*(a["id"] for a in big), other["id"]]
    row = waiting.json()["items"][0]
    assert (row["company_name"], row["amount"], row["maker"], row["target_kind"]) == (
        "PT Semen Nusantara Tbk", 200_000_000, "sup-a", "project")

    mine = await client.get("/v1/allocations", headers=OPS, params={"company_id": second})
    assert [a["id"] for a in mine.json()["items"]] == [other["id"]]

    pages, cursor = [], None
    while True:
        r = await client.get("/v1/allocations", headers=OPS, params={"status": "pending_approval", "limit": 2,
                                                                     **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200, r.text
        pages.append([a["id"] for a in r.json()["items"]])
        cursor = r.json()["next_cursor"]
        assert ("link" in r.headers) == bool(cursor)
        if not cursor:
            break
    assert sum(pages, []) == [a["id"] for a in waiting.json()["items"]]
    assert [len(p) for p in pages] == [2, 2, 0]

    # deciding takes it out of the queue
    r = await client.post(f"/v1/allocations/{big[0]['id']}/approve", headers=auth("sup-b", APPROVE))
    assert r.status_code == 200, r.text
    waiting = await client.get("/v1/allocations", headers=OPS, params={"status": "pending_approval"})
    assert big[0]["id"] not in [a["id"] for a in waiting.json()["items"]]


async def test_allocations_to_a_program_are_found_by_its_code_in_any_case(client):  # noqa: F811
    r = await client.get("/v1/allocations", headers=OPS, params={"program": "pkh"})
    assert (r.status_code, r.json()["items"]) == (200, [])


async def test_bad_filters_and_cursors_name_the_field(client):  # noqa: F811
    for params, field in (({"status": "waiting"}, "status"), ({"company_id": "nope"}, "company_id"),
                          ({"cursor": "!!"}, "cursor"), ({"cursor": "WzFd"}, "cursor"),
                          ({"cursor": "WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiw1XQ"}, "cursor"), ({"limit": 0}, "limit"),
                          ({"target_kind": "household"}, "target_kind")):
        r = await client.get("/v1/allocations", headers=OPS, params=params)
        assert r.status_code == 422, (params, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert field in [e["field"].removeprefix("query.") for e in r.json()["errors"]], r.json()
    r = await client.get("/v1/allocations", headers=auth("nobody", "enterprise:read"))
    assert r.status_code == 403


async def test_a_companys_pledges_and_its_fund_account_for_the_desk(client):  # noqa: F811
    cid = await company(client, nib="9120005555553")
    r = await client.post(f"/v1/companies/{cid}/pledges", headers=OPS, json={
        "amount": 2_500_000_000, "year": 2026, "themes": ["pendidikan"], "sdgs": [4], "regions": ["35"]})
    assert r.status_code == 201, r.text
    pledges = await client.get(f"/v1/companies/{cid}/pledges", headers=OPS)
    assert [(p["year"], p["amount"], p["themes"]) for p in pledges.json()] == [(2026, 2_500_000_000, ["pendidikan"])]
    [totals] = [c for c in (await client.get("/v1/companies", headers=OPS)).json() if c["id"] == cid]
    statement = await client.get(f"/v1/accounts/{totals['fund_account_id']}/statement", headers=OPS)
    assert statement.status_code == 200, statement.text
    missing = await client.get("/v1/companies/00000000-0000-0000-0000-000000000000/pledges", headers=OPS)
    assert (missing.status_code, missing.json()["errors"][0]["field"]) == (404, "company_id")
