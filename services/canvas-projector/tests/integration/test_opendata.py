"""Open data from real topics: programs and CSR money flow in from the producers' contracts, the IATI file
validates against the official schema, CSV/JSON downloads agree, and redelivery changes nothing."""

import csv
import io
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from gotong_contracts import csr_ledger, disbursement
from lxml import etree

from canvas_projector.bootstrap import create_app
from canvas_projector.config import Settings
from gotong.db import create_engine
from gotong.eventstore import AppendRequest, EventData
from gotong.eventstore.postgres import PostgresEventStore
from gotong.messaging.relay import OutboxRelay
from gotong.messaging.topics import dlq_topic, ensure_topics
from gotong.testing.plugin import create_test_database
from gotong.testing.wait import eventually

AT = "2026-11-28T08:00:00Z"

IATI_SCHEMA = Path(__file__).parents[1] / "fixtures" / "iati-2.03" / "iati-activities-schema.xsd"


async def produce(test_infra, bootstrap: str, service: str, facts: list, twice: bool = False) -> None:
    url = await create_test_database(test_infra.database_url)
    engine = create_engine(url, pool_size=2)
    async with PostgresEventStore(engine).transaction() as tx:
        await tx.append_batch([AppendRequest(uuid4(), "fact", 0, [EventData(f.event_type, f.model_dump(mode="json"))])
                               for f in facts])
    relay = OutboxRelay(engine, service=service, bootstrap=bootstrap)
    await relay.drain()
    if twice:
        relay.state.checkpoint = relay.state.checkpoint.__class__(0, 0)
        await relay.drain()
    await relay.close()
    await engine.dispose()


@pytest.fixture
async def client(database_url, kafka_bootstrap, tmp_path):
    topics = ["disbursement.events", "csr-ledger.events"]
    await ensure_topics(kafka_bootstrap, [*topics, *(dlq_topic(t) for t in topics)])
    settings = Settings(database_url=database_url, kafka_bootstrap_servers=kafka_bootstrap, relay_enabled=False,
                        auth_required=False, tlog_signing_key_path=str(tmp_path / "k.pem"))
    app = create_app(settings)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://projector") as c:
        c.app = app
        yield c


async def test_iati_and_csv_from_real_events(client, test_infra, kafka_bootstrap):
    tag = uuid4().hex[:6]
    company = f"co-{tag}"
    await produce(test_infra, kafka_bootstrap, "disbursement", [disbursement.ProgramDefined(
        program_id=f"prog-{tag}", code=f"PANGAN-{tag}", name="Program Pangan Jawa Barat", funding_source="csr",
        eligibility_summary="Rumah tangga desil 1\u20134 di Jawa Barat.", rule_version="1", occurred_at=AT)])
    await produce(test_infra, kafka_bootstrap, "csr-ledger", [
        csr_ledger.CompanyRegistered(company_id=company, name=f"PT Uji {tag}", sector="energi", tjsl_mandatory=True,
                                     occurred_at=AT),
        csr_ledger.PledgeMade(pledge_id=f"pl-{tag}", company_id=company, year=2026, amount=5_000_000_000,
                              themes=["pangan"], sdgs=[2], regions=["32"], occurred_at=AT),
        csr_ledger.DepositReceived(transfer_id=f"tr-{tag}", company_id=company, amount=2_000_000_000, occurred_at=AT),
        csr_ledger.AllocationDecided(allocation_id=f"al-{tag}", company_id=company, target_kind="program",
                                     target_id=f"prog-{tag}", target_name="Program Pangan Jawa Barat",
                                     amount=1_000_000_000, sdgs=[2], status="approved", occurred_at=AT),
        csr_ledger.SpendingRecorded(payment_id=f"p-{tag}", allocation_id=f"al-{tag}", company_id=company,
                                    program_id=f"prog-{tag}", province_code="32", regency_code="32.73",
                                    amount=300_000, status="paid", occurred_at=AT),
        # another payment paid, returned and reissued: its money is spent once, not twice and not zero times
        *[csr_ledger.SpendingRecorded(payment_id=f"p2-{tag}", attempt=attempt, transfer_id=f"t2-{tag}-{n}",
                                      allocation_id=f"al-{tag}", company_id=company, program_id=f"prog-{tag}",
                                      province_code="32", regency_code="32.73", amount=300_000, status=status,
                                      occurred_at=AT)
          for n, (attempt, status) in enumerate([(1, "paid"), (1, "returned"), (2, "paid")])],
    ], twice=True)
    expected = [{"company": f"PT Uji {tag}", "sector": "energi", "tjsl_mandatory": "true",
                 "pledged_idr": "5000000000", "deposited_idr": "2000000000", "allocated_idr": "1000000000",
                 "spent_idr": "600000"}]

    async def published() -> tuple[list[dict[str, str]], list[str] | None]:
        """The company's CSV row and its IATI activity's transaction types: both need every fact of both topics."""
        rows = list(csv.DictReader(io.StringIO((await client.get("/opendata/csr-companies.csv")).text)))
        document = etree.fromstring((await client.get("/opendata/iati-activities.xml")).content)
        activity = next((a for a in document.iter("iati-activity")
                         if a.findtext("iati-identifier") == f"XI-IATI-GOTONG-CSR-{company}"), None)
        codes = None if activity is None else sorted(t.get("code") for t in activity.iter("transaction-type"))
        return [r for r in rows if r["company"] == f"PT Uji {tag}"], codes

    mine, codes = await eventually(published, lambda got: got[0] == expected and got[1] == ["1", "13", "2", "3"],
                                   what="the company's figures in the CSV and the IATI file")
    assert mine == expected, "each fact once, though every event was delivered twice"
    as_json = (await client.get("/opendata/csr-companies.json")).json()
    assert next(r for r in as_json if r["company"] == f"PT Uji {tag}")["pledged_idr"] == 5_000_000_000

    xml = await client.get("/opendata/iati-activities.xml")
    assert xml.headers["content-type"].startswith("application/xml")
    document = etree.fromstring(xml.content)
    schema = etree.XMLSchema(etree.parse(str(IATI_SCHEMA)))
    assert schema.validate(document), schema.error_log
    assert codes == ["1", "13", "2", "3"]
    # The fund's spending names the program's activity, which reports the same money as incoming from the fund:
    # linked both ways, so aggregators count it once; the receiver by name, never by id.
    ref = "XI-IATI-GOTONG"
    acts = {a.findtext("iati-identifier"): a for a in document.iter("iati-activity")}
    fund, program = acts[f"{ref}-CSR-{company}"], acts[f"{ref}-PANGAN-{tag}"]
    assert all(a.find("reporting-org").get("ref") == ref for a in acts.values())
    assert all(a.find("sector").get("code") == "16010" and a.find("sector").get("vocabulary") == "1"
               for a in acts.values())
    out = [t for t in fund.iter("transaction") if t.find("transaction-type").get("code") == "3"]
    assert [(t.find("receiver-org").get("receiver-activity-id"), t.findtext("receiver-org/narrative"),
             t.findtext("value")) for t in out] == [(f"{ref}-PANGAN-{tag}", "Program Pangan Jawa Barat", "600000")]
    incoming = [t for t in program.iter("transaction") if t.find("transaction-type").get("code") == "1"]
    assert [(t.find("provider-org").get("provider-activity-id"), t.findtext("provider-org/narrative"),
             t.findtext("value")) for t in incoming] == [(f"{ref}-CSR-{company}", f"PT Uji {tag}", "600000")]
    assert (await client.get("/opendata/csr-companies.xlsx")).status_code == 404

    # The canvas shows the CSR money with its evidence, tagged with the approach that brought it ...
    canvas = (await client.get("/canvas")).json()
    assert set(canvas["blocks"]) == {"customer_segments", "value_propositions", "channels",
                                     "customer_relationships", "revenue_streams", "key_resources",
                                     "key_activities", "key_partners", "cost_structure"}
    revenue = {i["key"]: i for i in canvas["blocks"]["revenue_streams"]}
    deposits = revenue["csr_deposits"]
    assert deposits["approach"] == "csr"
    assert deposits["evidence"]["source"] == "csr-ledger.events"
    assert f"deposit:tr-{tag}" in deposits["evidence"]["keys"]
    assert any(i["approach"] == "dtsen" for i in canvas["blocks"]["key_resources"])
    # ... and as of a day before anything happened, the CSR blocks are empty.
    before = (await client.get("/canvas", params={"as_of": "2026-11-27"})).json()
    # (other tests in the run publish state-funded programs to the same topic: only the CSR items are this test's)
    assert [i for i in before["blocks"]["revenue_streams"] if i["approach"] == "csr"] == []
    assert before["as_of"] == "2026-11-27"
    page = await client.get("/kanvas", params={"lang": "en"})
    assert "Key partners" in page.text
    assert "csr-ledger.events" not in page.text, "the page speaks plain words, not topic names"
