"""CSR spending per payment attempt and per funder, through the consumer of `disbursement.events` (a real broker
and database): paid → returned → reissued → paid books the second attempt; a program two companies fund charges
the oldest allocation first and the next one for the rest; every figure the service publishes agrees."""

from uuid import uuid4

from aiokafka import AIOKafkaProducer
from gotong_contracts.disbursement import PaymentRecorded

from gotong.testing.wait import eventually

from .test_csr_flow import OPS, SUP_A, auth, client, company  # noqa: F401  (the client fixture)

SUP_B = auth("sup-b", "csr-ledger:read csr-ledger:write csr-ledger:approve")


async def _allocate(client, cid: str, program: str, amount: int) -> dict:  # noqa: F811
    r = await client.post(f"/v1/companies/{cid}/allocations", headers=OPS, json={
        "target_kind": "program", "target_id": program.lower(), "target_name": "Pangan", "amount": amount})
    assert r.status_code in (200, 201), r.text
    return r.json()


async def _send(bootstrap: str, records: list, key: bytes = b"k") -> None:
    """Publish disbursement's records as its relay would (CloudEvents headers), in order on one partition."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for record in records:
            headers = [("ce_specversion", b"1.0"), ("ce_id", str(uuid4()).encode()),
                       ("ce_source", b"/gotong/disbursement"),
                       ("ce_type", f"id.gotong.disbursement.{record.event_type}.v1".encode()),
                       ("content-type", b"application/json"), ("ce_subject", str(uuid4()).encode())]
            await producer.send_and_wait("disbursement.events", record.model_dump_json().encode(), key=key,
                                         headers=headers)
    finally:
        await producer.stop()


async def test_reissued_payment_and_two_funders_add_up(client, kafka_bootstrap):  # noqa: F811
    tag = uuid4().hex[:6].upper()
    program = f"CSR-DUO-{tag}"
    first, second = await company(client), await company(client, nib="9120005555555")
    for cid in (first, second):
        r = await client.post(f"/v1/companies/{cid}/deposits", headers=OPS,
                              json={"amount": 5_000_000, "reference": f"dep-{cid}"})
        assert r.status_code in (200, 201), r.text
    a = await _allocate(client, first, program, 1_000_000)
    b = await _allocate(client, second, program, 1_000_000)
    barrier_company = await company(client, nib="9120006666666")
    await client.post(f"/v1/companies/{barrier_company}/deposits", headers=OPS,
                      json={"amount": 1_000_000, "reference": "barrier"})

    def pay(pid: str, status: str, attempt: int = 1, amount: int = 400_000, prog: str = program,
            allocation: str = a["id"]) -> PaymentRecorded:
        return PaymentRecorded(payment_id=pid, household_ref=f"hh_{pid}", program_id=f"pid-{prog}",
                               program_code=prog, cycle_id="c1", period="2026-Q4", amount=amount,
                               region_code="32.73.01.1001", province_code="32", regency_code="32.73", desil=2,
                               funding_source="csr", csr_allocation_id=allocation, status=status,
                               occurred_at="2026-11-28T08:00:00Z", attempt=attempt)

    barriers: list[str] = []

    async def settle(*payments: PaymentRecorded) -> None:
        """Send the records and a last one (its own program, same partition): once the barrier company's spending
        shows it, every record before it has been consumed."""
        barrier_program = f"CSR-BARRIER-{uuid4().hex[:6].upper()}"
        barrier = await _allocate(client, barrier_company, barrier_program, 10_000)
        barriers.append(barrier["id"])
        await _send(kafka_bootstrap, [*payments, pay(f"bar-{uuid4().hex[:6]}", "paid", amount=10_000,
                                                     prog=barrier_program, allocation=barrier["id"])])

        async def spent() -> int:
            return int((await client.get(f"/v1/companies/{barrier_company}/report", headers=OPS)).json()["spent"])
        await eventually(spent, lambda s: s == 10_000 * len(barriers), what="the barrier payment's spending")

    async def report(cid: str) -> dict:
        return (await client.get(f"/v1/companies/{cid}/report", headers=OPS)).json()

    # paid → returned → reissued → paid, every record delivered twice: attempt 2's money is spent once more.
    await settle(*[p for p in (pay("pa", "paid"), pay("pa", "returned"), pay("pa", "paid", attempt=2))
                   for p in (p, p)])
    assert ((await report(first))["spent"], (await report(second))["spent"]) == (400_000, 0)

    # A second funder: pay-b still fits in the first allocation (200,000 left after it); pay-c takes those
    # 200,000 and 200,000 from the second company's allocation; pay-d comes from the second alone.
    await settle(pay("pb", "paid"), pay("pc", "paid"), pay("pc", "paid"), pay("pd", "paid"))
    one, two = await report(first), await report(second)
    assert (one["spent"], two["spent"]) == (1_000_000, 600_000)
    assert one["spent"] + two["spent"] == 4 * 400_000, "the companies' spending is what the households kept"
    assert {r["program_id"]: r["households"] for r in two["reach"]} == {f"pid-{program}": 2}

    # pay-c comes back: each part returns to the allocation that paid it.
    await settle(pay("pc", "returned"), pay("pc", "returned"))
    one, two = await report(first), await report(second)
    assert (one["spent"], two["spent"]) == (800_000, 400_000)
    for allocation, left in ((a, 200_000), (b, 600_000)):
        account = (await client.get(f"/v1/accounts/{allocation['account_id']}/statement", headers=OPS)).json()
        balance = account["account"]
        assert balance["credits_posted"] - balance["debits_posted"] == left
    gri = (await client.get("/v1/reports/gri", headers=OPS)).json()
    assert sorted(r["gri_201_1_community_investment"] for r in gri) == [30_000, 400_000, 800_000]
    public = {c["id"]: c["spent"] for c in (await client.get("/public/companies")).json()}
    assert (public[first], public[second]) == (800_000, 400_000)


async def test_more_than_every_allocation_holds_is_refused_not_booked(client, kafka_bootstrap):  # noqa: F811
    tag = uuid4().hex[:6].upper()
    program = f"CSR-SMALL-{tag}"
    cid = await company(client)
    await client.post(f"/v1/companies/{cid}/deposits", headers=OPS, json={"amount": 5_000_000, "reference": "d"})
    a = await _allocate(client, cid, program, 500_000)
    other = await company(client, nib="9120006666666")
    await client.post(f"/v1/companies/{other}/deposits", headers=OPS, json={"amount": 1_000_000, "reference": "b"})
    barrier = await _allocate(client, other, f"CSR-B-{tag}", 10_000)

    def pay(pid: str, amount: int, prog: str, allocation: str) -> PaymentRecorded:
        return PaymentRecorded(payment_id=pid, household_ref="hh_x", program_id=f"pid-{prog}", program_code=prog,
                               cycle_id="c1", period="2026-Q4", amount=amount, region_code="32.73.01.1001",
                               province_code="32", regency_code="32.73", desil=2, funding_source="csr",
                               csr_allocation_id=allocation, status="paid", occurred_at="2026-11-28T08:00:00Z")

    await _send(kafka_bootstrap, [pay("too-much", 600_000, program, a["id"]),
                                  pay(f"bar-{tag}", 10_000, f"CSR-B-{tag}", barrier["id"])])

    async def spent(c: str) -> int:
        return int((await client.get(f"/v1/companies/{c}/report", headers=OPS)).json()["spent"])
    await eventually(lambda: spent(other), lambda s: s == 10_000, what="the barrier payment's spending")
    assert await spent(cid) == 0, "no part of a payment the allocations cannot cover is booked"
    statement = (await client.get(f"/v1/accounts/{a['account_id']}/statement", headers=OPS)).json()
    assert [e["code"] for e in statement["entries"]] == ["allocation"]


async def test_an_allocation_names_a_csr_program_as_disbursement_spells_it(client, kafka_bootstrap):  # noqa: F811
    from gotong_contracts.disbursement import ProgramDefined

    tag = uuid4().hex[:6].upper()
    cid = await company(client)
    await client.post(f"/v1/companies/{cid}/deposits", headers=OPS, json={"amount": 5_000_000, "reference": "d"})
    unknown = await _allocate(client, cid, f"CSR-NOPE-{tag}", 100_000)
    assert len(unknown["warnings"]) == 1, "accepted, but said so"
    assert "is known yet" in unknown["warnings"][0]

    await _send(kafka_bootstrap, [
        ProgramDefined(program_id=f"pid-{code}", code=code, name=f"Program {code}", funding_source=funding,
                       eligibility_summary="desil 1-4", rule_version="1", occurred_at="2026-11-30T08:00:00+00:00")
        for code, funding in ((f"CSR-OK-{tag}", "csr"), (f"APBN-{tag}", "apbn"))], key=b"p")

    async def refused() -> int:
        r = await client.post(f"/v1/companies/{cid}/allocations", headers=OPS, json={
            "target_kind": "program", "target_id": f"apbn-{tag}", "target_name": "x", "amount": 1_000})
        return r.status_code
    await eventually(refused, lambda status: status == 422, what="the ledger learning the APBN program")
    r = await client.post(f"/v1/companies/{cid}/allocations", headers=OPS, json={
        "target_kind": "program", "target_id": f"apbn-{tag}", "target_name": "x", "amount": 1_000})
    assert r.json()["errors"][0]["field"] == "target_id"
    assert "not by CSR" in r.json()["detail"]
    # typed in another case, or by the program's id: stored as disbursement's code, which is how it links
    for typed in (f"Csr-Ok-{tag}", f"pid-CSR-OK-{tag}"):
        ok = await _allocate(client, cid, typed, 100_000)
        assert (ok["target_id"], ok["warnings"]) == (f"csr-ok-{tag}".lower(), [])
