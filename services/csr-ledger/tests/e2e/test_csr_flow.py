"""The CSR desk end to end over HTTP, with a real database and broker: companies, pledges, deposits,
allocations under maker–checker, spending from disbursement events (delivered twice), reports, published events."""

from uuid import uuid4

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from gotong_contracts.disbursement import PaymentRecorded

from csr_ledger.config import Settings
from csr_ledger.entrypoints.api.app import create_app
from gotong.api.app import runtime
from gotong.messaging.topics import dlq_topic, ensure_topics
from gotong.testing.kafka import read_topic
from gotong.testing.tokens import TokenIssuer
from gotong.testing.wait import eventually

ISSUER = TokenIssuer()


def auth(sub: str, scopes: str = "csr-ledger:read csr-ledger:write") -> dict[str, str]:
    return ISSUER.headers(sub, scopes)


OPS = auth("ops-1")
SUP_A = auth("sup-a", "csr-ledger:read csr-ledger:write csr-ledger:approve")


@pytest.fixture
async def client(database_url, kafka_bootstrap, unique_name):
    topics = ["csr-ledger.events", "disbursement.events"]
    await ensure_topics(kafka_bootstrap, [*topics, *(dlq_topic(t) for t in topics)])
    settings = Settings(database_url=database_url, kafka_bootstrap_servers=kafka_bootstrap,
                        allocation_approval_threshold=100_000_000, relay_enabled=False)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        app.state.token_verifier = ISSUER.verifier()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://csr") as c:
            c.app = app
            yield c


async def company(client, nib="9120001234567") -> str:
    r = await client.post("/v1/companies", headers=OPS, json={
        "name": "PT Semen Nusantara Tbk", "nib": nib, "npwp": "01.234.567.8-901.000", "sector": "mining",
        "tjsl_mandatory": True})
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def test_bad_company_input_names_the_field(client):
    r = await client.post("/v1/companies", headers=OPS, json={"name": "PT X", "nib": "123", "npwp": "1",
                                                               "sector": "retail", "tjsl_mandatory": False})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "nib"
    await company(client)
    dup = await client.post("/v1/companies", headers=OPS, json={"name": "PT Y", "nib": "9120001234567",
                                                                 "npwp": "012345678901000", "sector": "retail",
                                                                 "tjsl_mandatory": False})
    assert (dup.status_code, dup.json()["errors"][0]["field"]) == (409, "nib")


async def test_deposits_are_idempotent_by_transfer_id(client):
    cid = await company(client)
    tid = str(uuid4())
    body = {"amount": 2_000_000_000, "reference": "BNI-2026-11-001", "transfer_id": tid}
    first = await client.post(f"/v1/companies/{cid}/deposits", headers=OPS, json=body)
    assert first.status_code == 201, first.text
    again = await client.post(f"/v1/companies/{cid}/deposits", headers=OPS, json=body)
    assert (first.json()["result"], again.json()["result"]) == ("ok", "exists")
    changed = await client.post(f"/v1/companies/{cid}/deposits", headers=OPS, json={**body, "amount": 1})
    assert changed.status_code == 409
    assert changed.json()["reason"] == "exists_with_different_amount"
    report = (await client.get(f"/v1/companies/{cid}/report", headers=OPS)).json()
    assert report["deposited"] == 2_000_000_000


async def test_allocation_maker_checker_and_overdraft(client):
    cid = await company(client)
    await client.post(f"/v1/companies/{cid}/pledges", headers=OPS,
                      json={"year": 2026, "amount": 5_000_000_000, "themes": ["pangan"], "sdgs": [2]})
    await client.post(f"/v1/companies/{cid}/deposits", headers=OPS,
                      json={"amount": 1_000_000_000, "reference": "MANDIRI-1"})
    small = await client.post(f"/v1/companies/{cid}/allocations", headers=OPS, json={
        "target_kind": "program", "target_id": "csr-pangan-jabar", "target_name": "Pangan Jawa Barat",
        "amount": 50_000_000, "sdgs": [2], "region": "32"})
    assert small.json()["status"] == "approved"
    big = await client.post(f"/v1/companies/{cid}/allocations", headers=SUP_A, json={
        "target_kind": "project", "target_id": "tpst-surabaya", "target_name": "TPST Surabaya",
        "amount": 900_000_000, "sdgs": [11, 12], "region": "35"})
    assert big.json()["status"] == "pending_approval"
    # The reservation counts: nothing more than what is left can be allocated meanwhile.
    over = await client.post(f"/v1/companies/{cid}/allocations", headers=OPS, json={
        "target_kind": "program", "target_id": "x", "target_name": "X", "amount": 60_000_000})
    assert (over.status_code, over.json()["reason"]) == (409, "exceeds_credits")
    big_id = big.json()["id"]
    own = await client.post(f"/v1/allocations/{big_id}/approve", headers=SUP_A)
    assert own.status_code == 403, "the maker cannot approve"
    no_scope = await client.post(f"/v1/allocations/{big_id}/approve", headers=OPS)
    assert no_scope.status_code == 403
    ok = await client.post(f"/v1/allocations/{big_id}/approve",
                           headers=auth("sup-b", "csr-ledger:read csr-ledger:approve"))
    assert ok.json()["status"] == "approved"
    twice = await client.post(f"/v1/allocations/{big_id}/approve",
                              headers=auth("sup-c", "csr-ledger:read csr-ledger:approve"))
    assert twice.status_code == 409
    report = (await client.get(f"/v1/companies/{cid}/report", headers=OPS)).json()
    assert (report["pledged"], report["allocated"], report["unallocated"]) == (5_000_000_000, 950_000_000,
                                                                               50_000_000)
    assert {r["sdg"]: r["allocated"] for r in report["by_sdg"]} == {2: 50_000_000, 11: 900_000_000,
                                                                    12: 900_000_000}


async def test_spending_from_disbursement_events_posts_once_and_reverses_returns(client, kafka_bootstrap):
    cid = await company(client)
    await client.post(f"/v1/companies/{cid}/deposits", headers=OPS, json={"amount": 10_000_000, "reference": "r"})
    alloc = (await client.post(f"/v1/companies/{cid}/allocations", headers=OPS, json={
        "target_kind": "program", "target_id": "p1", "target_name": "Pangan", "amount": 1_000_000})).json()
    # A second company's allocation: its payment, sent last, is the barrier (see below).
    other = await company(client, nib="9120007777777")
    await client.post(f"/v1/companies/{other}/deposits", headers=OPS, json={"amount": 1_000_000, "reference": "b"})
    barrier = (await client.post(f"/v1/companies/{other}/allocations", headers=OPS, json={
        "target_kind": "program", "target_id": "p2", "target_name": "Barrier", "amount": 500_000})).json()

    def payment(pid: str, status: str, allocation: str = alloc["id"]) -> PaymentRecorded:
        return PaymentRecorded(payment_id=pid, household_ref="hh_3f9a", program_id="p1", program_code="CSR-PANGAN",
                               cycle_id="c1", period="2026-Q4", amount=300_000, region_code="32.73.01.1001",
                               province_code="32", regency_code="32.73", desil=2, funding_source="csr",
                               csr_allocation_id=allocation, status=status, occurred_at="2026-11-28T08:00:00Z")

    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    for p in [payment("pay-1", "paid"), payment("pay-1", "paid"), payment("pay-2", "paid"),
              payment("pay-2", "returned"), payment("pay-2", "returned"),
              payment(f"pay-barrier-{uuid4().hex[:6]}", "paid", barrier["id"])]:
        headers = [("ce_specversion", b"1.0"), ("ce_id", str(uuid4()).encode()),
                   ("ce_source", b"/gotong/disbursement"),
                   ("ce_type", b"id.gotong.disbursement.PaymentRecorded.v1"), ("content-type", b"application/json"),
                   ("ce_subject", str(uuid4()).encode())]  # no store position: these are redeliveries by offset
        # one key, so one partition: the consumer applies them in this order
        await producer.send_and_wait("disbursement.events", p.model_dump_json().encode(), key=b"k", headers=headers)
    await producer.stop()

    async def statement(allocation: dict) -> dict:
        return (await client.get(f"/v1/accounts/{allocation['account_id']}/statement", headers=OPS)).json()

    # The barrier: the last message of the partition has been applied, so every duplicate before it has been
    # consumed too (other tests publish on the same topic: wait up to a minute, for the effect, not a time).
    await eventually(lambda: statement(barrier), lambda s: any(e["code"] == "spending" for e in s["entries"]),
                     what="the barrier payment's spending")
    rows = await statement(alloc)
    entries = [(e["code"], e["side"], e["amount"]) for e in rows["entries"]]
    assert entries == [("allocation", "credit", 1_000_000), ("spending", "debit", 300_000),
                       ("spending", "debit", 300_000), ("reversal", "credit", 300_000)]
    assert rows["account"]["debits_posted"] - rows["account"]["credits_posted"] == -700_000
    report = (await client.get(f"/v1/companies/{cid}/report", headers=OPS)).json()
    assert report["spent"] == 300_000
    assert report["reach"] == [{"program_id": "p1", "province_code": "32", "households": 1, "amount": 300_000}]
    gri = await client.get("/v1/reports/gri", params={"format": "csv"}, headers=OPS)
    assert gri.headers["content-type"].startswith("text/csv")
    assert "gri_201_1_community_investment" in gri.text.splitlines()[0]
    public = {c["id"]: c for c in (await client.get("/public/companies")).json()}
    assert (public[cid]["spent"], public[other]["spent"]) == (300_000, 300_000)
    assert "hh_3f9a" not in str(public)


async def test_published_events_are_the_contract_and_carry_no_personal_data(client, kafka_bootstrap):
    from gotong_contracts.csr_ledger import EVENTS

    from gotong.messaging.cloudevents import decode
    from gotong.messaging.relay import OutboxRelay

    cid = await company(client, nib="9120009999999")
    await client.post(f"/v1/companies/{cid}/deposits", headers=OPS, json={"amount": 5_000_000, "reference": "r1"})
    await client.post(f"/v1/companies/{cid}/allocations", headers=OPS, json={
        "target_kind": "enterprise", "target_id": "koperasi-bank-sampah", "target_name": "Koperasi Bank Sampah",
        "amount": 1_000_000})
    relay = OutboxRelay(client.app.state.engine, service="csr-ledger", bootstrap=kafka_bootstrap,
                        mapper=runtime(client.app).contract_mapper)
    await relay.drain()
    await relay.close()

    records = await read_topic(kafka_bootstrap, "csr-ledger.events")
    events = [e for e in (decode(r.value, r.headers) for r in records) if e.service != "kit"]
    mine = [e for e in events if e.data.get("company_id") == cid]
    assert sorted(e.event_type for e in mine) == ["AllocationDecided", "CompanyRegistered", "DepositReceived"]
    assert all(e.event_type in EVENTS for e in events), "ledger internals stay internal"
    for e in mine:
        EVENTS[e.event_type].model_validate(e.data)
        assert "npwp" not in e.data
        assert "nib" not in e.data


async def test_demo_data_loads_once_with_balanced_books(database_url):
    from csr_ledger.adapters.desk_tables import Reports
    from csr_ledger.adapters.ledger_store import LedgerBooks
    from csr_ledger.demo import COMPANIES, load_demo
    from gotong.adapters.sql import Database
    from gotong.db import create_engine

    settings = Settings(database_url=database_url)
    await load_demo(settings)
    await load_demo(settings)  # a second `gotong up` adds nothing
    engine = create_engine(database_url, pool_size=1)
    try:
        async with Database(engine).read() as sql:
            from csr_ledger.application.queries import company_totals

            totals = await company_totals(Reports(sql))
        assert len(totals) == len(COMPANIES)
        assert all(t["deposited"] > t["allocated"] > 0 for t in totals)
        assert sum(t["awaiting_approval"] > 0 for t in totals) == len(COMPANIES)
        async with Database(engine).transaction() as sql:
            assert await LedgerBooks(sql).recompute_from_events() == []
    finally:
        await engine.dispose()
