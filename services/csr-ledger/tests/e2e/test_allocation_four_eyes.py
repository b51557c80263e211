"""Four eyes on a CSR allocation above the threshold, with three officers who all hold the approve scope:
the one who requested it can neither approve nor reject it (403 naming the rule); a second officer decides."""

from .test_csr_flow import OPS, auth, client, company  # noqa: F401 (the fixture)

APPROVE = "csr-ledger:read csr-ledger:write csr-ledger:approve"


async def test_the_maker_can_neither_approve_nor_reject_and_another_officer_approves(client):  # noqa: F811
    cid = await company(client, nib="9120004444444")
    await client.post(f"/v1/companies/{cid}/deposits", headers=OPS, json={"amount": 1_000_000_000, "reference": "r"})
    maker, checker = auth("sup-maker", APPROVE), auth("sup-checker", APPROVE)
    big = await client.post(f"/v1/companies/{cid}/allocations", headers=maker, json={
        "target_kind": "project", "target_id": "tpst-surabaya", "target_name": "TPST Surabaya",
        "amount": 900_000_000, "sdgs": [11], "region": "35"})
    assert big.json()["status"] == "pending_approval", big.text
    allocation = big.json()["id"]
    for decision in ("approve", "reject"):
        r = await client.post(f"/v1/allocations/{allocation}/{decision}", headers=maker)
        assert r.status_code == 403, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["detail"] == "the officer who requested an allocation cannot approve it (maker–checker)"
    report = (await client.get(f"/v1/companies/{cid}/report", headers=OPS)).json()
    assert report["allocated"] == 0, "a pending allocation is not allocated yet"
    r = await client.post(f"/v1/allocations/{allocation}/approve", headers=checker)
    assert (r.status_code, r.json()["status"]) == (200, "approved")
    report = (await client.get(f"/v1/companies/{cid}/report", headers=OPS)).json()
    assert report["allocated"] == 900_000_000
