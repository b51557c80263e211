"""The IATI file passes the IATI Standard Ruleset's rules on sectors, transactions and the organisations and
activities they link (tests/fixtures/iati-rulesets, read by tests/iati_rules.py), and each activity's money is
what the producers paid: a program's disbursements are its households' payments net of returns, a CSR fund's
disbursements are the incoming funds of the program it paid. Broken files are reported, so the check can fail."""

import importlib.util
import sys
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any
from uuid import uuid4

import httpx
import pytest
from gotong_contracts import csr_ledger, disbursement
from lxml import etree

from canvas_projector.adapters.iati_xml import activities_xml
from canvas_projector.domain.iati import build_activities
from gotong.testing.wait import eventually

TESTS = Path(__file__).parents[1]
RULESET = TESTS / "fixtures" / "iati-rulesets" / "standard-sectors-transactions.json"
IATI_SCHEMA = TESTS / "fixtures" / "iati-2.03" / "iati-activities-schema.xsd"
REF = "XI-IATI-GOTONG"


def _load(name: str, path: Path) -> ModuleType:
    """Tests are imported with --import-mode=importlib, so a module beside them is not importable by name."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


iati_rules = _load("iati_rules", TESTS / "iati_rules.py")
opendata = _load("opendata_iati_fixtures", Path(__file__).with_name("test_opendata.py"))
client = opendata.client  # the projector reading real topics, as the open-data test runs it
AT = opendata.AT


def violations(document: etree._Element, now: datetime | None = None) -> set[tuple[str, str]]:
    found = iati_rules.check(iati_rules.load(RULESET), document, now or datetime.now(UTC))
    return {(v.rule_id, v.activity) for v in found}


def totals(activity: etree._Element) -> dict[str, int]:
    """Rupiah per TransactionType code."""
    by_type: dict[str, int] = defaultdict(int)
    for t in activity.iter("transaction"):
        by_type[str(t.find("transaction-type").get("code"))] += int(str(t.findtext("value")))
    return dict(by_type)


# -- the export from real topics ---------------------------------------------------------------------------------

def paid(tag: str, n: int, code: str, amount: int, status: str, *, attempt: int = 1, period: str = "2026-Q4",
         at: str = AT) -> disbursement.PaymentRecorded:
    program_id = f"{code.split('-')[0].lower()}-{tag}"
    return disbursement.PaymentRecorded(
        payment_id=f"pay-{tag}-{n}-{period}", attempt=attempt, household_ref=f"hh_{tag}_{n}", program_id=program_id,
        program_code=code, cycle_id=f"{period}-{tag}", period=period, amount=amount, region_code="32.73.01.1001",
        province_code="32", regency_code="32.73", desil=2, status=status, occurred_at=at,
        funding_source="csr" if code.startswith("PANGAN") else "apbn")


async def test_the_export_from_real_topics_passes_the_ruleset_and_pays_what_the_producers_paid(
        client: httpx.AsyncClient, test_infra: Any, kafka_bootstrap: str) -> None:
    tag = uuid4().hex[:6]
    company, pkh, pangan = f"co-{tag}", f"PKH-{tag}", f"PANGAN-{tag}"
    payments = [
        paid(tag, 1, pkh, 500_000, "paid", period="2026-Q3", at="2026-09-28T08:00:00Z"),
        paid(tag, 1, pkh, 750_000, "paid"),
        # paid, returned by the bank and reissued: paid once
        paid(tag, 2, pkh, 750_000, "paid"), paid(tag, 2, pkh, 750_000, "returned"),
        paid(tag, 2, pkh, 750_000, "paid", attempt=2),
        paid(tag, 3, pkh, 750_000, "paid"), paid(tag, 3, pkh, 750_000, "returned"),  # returned for good: nothing
        paid(tag, 4, pkh, 750_000, "failed"),  # never paid
        paid(tag, 5, pangan, 300_000, "paid"), paid(tag, 6, pangan, 300_000, "paid"),
    ]
    await opendata.produce(test_infra, kafka_bootstrap, "disbursement", [
        disbursement.ProgramDefined(program_id=f"pkh-{tag}", code=pkh, name="Program Keluarga Harapan",
                                    funding_source="apbn", eligibility_summary="Keluarga desil 1\u20134.",
                                    rule_version="1", occurred_at="2026-09-01T08:00:00Z"),
        disbursement.ProgramDefined(program_id=f"pangan-{tag}", code=pangan, name="Program Pangan Jawa Barat",
                                    funding_source="csr", eligibility_summary="Rumah tangga desil 1\u20134.",
                                    rule_version="1", occurred_at=AT),
        *payments], twice=True)
    await opendata.produce(test_infra, kafka_bootstrap, "csr-ledger", [
        csr_ledger.CompanyRegistered(company_id=company, name=f"PT Uji {tag}", sector="energi", tjsl_mandatory=True,
                                     occurred_at=AT),
        csr_ledger.PledgeMade(pledge_id=f"pl-{tag}", company_id=company, year=2026, amount=5_000_000_000,
                              themes=["pangan"], sdgs=[2], regions=["32"], occurred_at=AT),
        csr_ledger.DepositReceived(transfer_id=f"tr-{tag}", company_id=company, amount=2_000_000_000, occurred_at=AT),
        csr_ledger.AllocationDecided(allocation_id=f"al-{tag}", company_id=company, target_kind="program",
                                     target_id=f"pangan-{tag}", target_name="Program Pangan Jawa Barat",
                                     amount=1_000_000_000, sdgs=[2], status="approved", occurred_at=AT),
        *[csr_ledger.SpendingRecorded(payment_id=p.payment_id, allocation_id=f"al-{tag}", company_id=company,
                                      program_id=p.program_id, province_code="32", regency_code="32.73",
                                      amount=p.amount, status="paid", occurred_at=AT)
          for p in payments if p.program_code == pangan],
    ], twice=True)
    # What the disbursement side paid, per program: paid minus returned, whatever failed or was delivered twice.
    net: dict[str, int] = defaultdict(int)
    for p in payments:
        net[p.program_code] += {"paid": p.amount, "returned": -p.amount}.get(p.status, 0)
    assert net == {pkh: 2_000_000, pangan: 600_000}
    ids = {pkh: f"{REF}-{pkh}", pangan: f"{REF}-{pangan}", company: f"{REF}-CSR-{company}"}

    async def exported() -> tuple[etree._Element, dict[str, dict[str, int]]]:
        document = etree.fromstring((await client.get("/opendata/iati-activities.xml")).content)
        acts = {a.findtext("iati-identifier"): a for a in document.iter("iati-activity")}
        return document, {key: totals(acts[i]) for key, i in ids.items() if i in acts}

    # The program paid its households what the fund paid the program (incoming 1, disbursement 3); the fund reports
    # its pledge (13), deposit (1) and allocation (2) besides.
    expected = {pkh: {"3": net[pkh]}, pangan: {"3": net[pangan], "1": net[pangan]},
                company: {"13": 5_000_000_000, "1": 2_000_000_000, "2": 1_000_000_000, "3": net[pangan]}}
    document, money = await eventually(exported, lambda got: got[1] == expected, timeout=180,
                                       what="every program's payments and the fund's money in the IATI file")
    assert money == expected, "each activity reports what was paid: net of returns, each payment once"

    schema = etree.XMLSchema(etree.parse(str(IATI_SCHEMA)))
    assert schema.validate(document), schema.error_log
    found = iati_rules.check(iati_rules.load(RULESET), document, datetime.now(UTC))
    assert found == [], "\n".join(map(str, found))
    assert iati_rules.unresolved_links(document) == []
    acts = {a.findtext("iati-identifier"): a for a in document.iter("iati-activity")}
    linked = acts[ids[company]].xpath("transaction/receiver-org/@receiver-activity-id")
    assert linked == [ids[pangan]], "the fund's disbursement names the program it paid"

    # The same file, with the program's sector moved onto one of its two transactions only, is reported.
    program = acts[ids[pangan]]
    program.remove(program.find("sector"))
    etree.SubElement(program.find("transaction"), "sector", vocabulary="1", code="16010")
    assert len(program.findall("transaction")) == 2
    assert violations(document) == {("6.7.2", ids[pangan])}


# -- the checker fails on broken files -----------------------------------------------------------------------------

def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T08:00:00+00:00")


NOW = at("2026-12-01")
PROGRAMS = [{"program_id": "pkh", "code": "PKH", "name": "PKH", "eligibility_summary": "Desil 1-4.",
             "funding_source": "apbn"},
            {"program_id": "pangan", "code": "PANGAN", "name": "Pangan Jabar", "eligibility_summary": "Desil 1-2.",
             "funding_source": "csr"}]
PERIODS = [{"code": "PKH", "period": "2026-Q4", "first_at": at("2026-10-01"), "last_at": at("2026-11-28"),
            "amount": 1_500_000},
           {"code": "PANGAN", "period": "2026-Q4", "first_at": at("2026-11-02"), "last_at": at("2026-11-03"),
            "amount": 600}]


def flow(kind: str, amount: int, day: str, counterpart: str | None = None) -> dict[str, Any]:
    return {"company_id": "co-1", "name": "PT Satu", "registered_at": at("2026-01-05"), "kind": kind,
            "amount": amount, "counterpart": counterpart, "occurred_at": at(day)}


FLOWS = [flow("pledge", 5_000, "2026-02-01", "2026"), flow("deposit", 2_000, "2026-03-01"),
         flow("allocation", 1_000, "2026-04-01", "Pangan Jabar"), flow("spending", 600, "2026-11-03", "pangan")]
FUND, PKH, PANGAN = f"{REF}-CSR-co-1", f"{REF}-PKH", f"{REF}-PANGAN"


@pytest.fixture
def document() -> etree._Element:
    """A valid export, from the domain's own rows (no database)."""
    xml = activities_xml(build_activities(REF, PROGRAMS, PERIODS, FLOWS), NOW - timedelta(hours=1))
    return etree.fromstring(xml)


def activity(document: etree._Element, identifier: str) -> etree._Element:
    found: list[etree._Element] = document.xpath("iati-activity[iati-identifier = $i]", i=identifier)
    assert len(found) == 1
    return found[0]


def test_the_vendored_cases_are_all_evaluated_and_a_valid_export_passes(document: etree._Element) -> None:
    ruleset = iati_rules.load(RULESET)
    ids = [case_id for rules in ruleset.values() for kind, rule in rules.items() for case in rule["cases"]
           for case_id in ([s["ruleInfo"]["id"] for d in case["do"].values() for s in d["cases"]] if kind == "loop"
                           else [case["ruleInfo"]["id"]])]
    assert sorted(ids) == sorted(["6.2.2", "6.7.2", "11.2.1", "11.2.2", "2.1.2", "2.1.1", "2.1.4", "2.1.2",
                                  "12.3.2", "2.2.1", "102.1.1", "2.1.1", "2.1.4", "6.6.2", "3.6.2", "3.7.1", "3.7.2",
                                  "6.9.1", "1.10.13", "1.10.1", "1.4.1", "6.9.2", "1.15.1", "1.5.1", "1.15.13"])
    assert iati_rules.check(ruleset, document, NOW) == []
    assert iati_rules.unresolved_links(document) == []
    assert {a.findtext("iati-identifier") for a in document} == {FUND, PKH, PANGAN}


def test_sector_percentages_that_do_not_add_up_to_100_are_reported(document: etree._Element) -> None:
    pkh = activity(document, PKH)
    pkh.find("sector").set("percentage", "60")
    etree.SubElement(pkh, "sector", vocabulary="1", code="16050", percentage="30")
    assert violations(document, NOW) == {("2.1.2", PKH)}

    pangan = activity(document, PANGAN)
    pangan.find("sector").set("percentage", "50")  # a single sector is all of the activity or has no percentage
    assert violations(document, NOW) == {("2.1.2", PKH), ("2.1.4", PANGAN)}


def test_sector_percentages_in_another_vocabulary_and_below_zero_are_reported(document: etree._Element) -> None:
    fund = activity(document, FUND)
    etree.SubElement(fund, "sector", vocabulary="2", code="1", percentage="40")
    etree.SubElement(fund, "sector", vocabulary="2", code="2", percentage="-10")
    assert violations(document, NOW) == {("2.1.2", FUND), ("12.3.2", FUND)}


def test_a_transaction_without_sector_where_the_activity_has_none_is_reported(document: etree._Element) -> None:
    fund = activity(document, FUND)
    fund.remove(fund.find("sector"))
    etree.SubElement(fund.find("transaction"), "sector", vocabulary="1", code="16010")
    assert len(fund.findall("transaction")) == 4
    found = iati_rules.check(iati_rules.load(RULESET), document, NOW)
    assert [(v.rule_id, v.activity) for v in found] == [("6.7.2", FUND)] * 3, "one for each transaction without"

    pkh = activity(document, PKH)
    pkh.remove(pkh.find("sector"))  # no sector anywhere
    assert violations(document, NOW) == {("6.7.2", FUND), ("6.2.2", PKH), ("6.7.2", PKH)}


def test_sectors_on_both_the_activity_and_its_transactions_are_reported(document: etree._Element) -> None:
    for transaction in activity(document, PKH).iter("transaction"):
        etree.SubElement(transaction, "sector", vocabulary="1", code="16010")
    assert violations(document, NOW) == {("6.6.2", PKH)}


def test_transactions_in_the_future_and_padded_activity_links_are_reported(document: etree._Element) -> None:
    transaction = activity(document, PKH).find("transaction")
    transaction.find("transaction-date").set("iso-date", "2026-12-02")
    transaction.find("value").set("value-date", "2026-12-02")
    receiver = activity(document, FUND).find("transaction/receiver-org[@receiver-activity-id]")
    receiver.set("receiver-activity-id", f"{PANGAN} ")
    assert violations(document, NOW) == {("11.2.1", PKH), ("11.2.2", PKH), ("1.5.1", FUND)}
    assert sorted(iati_rules.unresolved_links(document)) == [
        f"{FUND}: receiver-activity-id {PANGAN}  (600 on 2026-11-03) names no activity in the file",
        f"{PANGAN}: provider-activity-id {FUND} (600 on 2026-11-03) is not linked back"]


def test_a_link_the_other_activity_does_not_report_back_is_reported(document: etree._Element) -> None:
    incoming = activity(document, PANGAN).xpath("transaction[provider-org/@provider-activity-id]")[0]
    incoming.find("value").text = "500"
    assert sorted(iati_rules.unresolved_links(document)) == [
        f"{FUND}: receiver-activity-id {PANGAN} (600 on 2026-11-03) is not linked back",
        f"{PANGAN}: provider-activity-id {FUND} (500 on 2026-11-03) is not linked back"]


@pytest.mark.parametrize("ruleset", [
    {"//iati-activity": {"dependent": {"cases": [{"paths": ["sector"]}]}}},  # a rule kind it does not know
    {"//iati-activity": {"atleast_one": {"cases": [{"paths": ["sector"], "prefix": ["reporting-org/@ref"]}]}}},
    {"//iati-activity": {"one_or_all": {"cases": [{"one": "@xml:lang", "all": "lang"}]}}},
    {"//iati-activity": {"loop": {"cases": [{"foreach": "sector/@vocabulary", "subs": ["paths"],
                                             "do": {"time_limit": {"cases": [{"start": "a", "end": "b"}]}}}]}}},
])
def test_a_rule_the_checker_cannot_evaluate_fails_loudly(document: etree._Element, ruleset: dict[str, Any]) -> None:
    with pytest.raises(iati_rules.UnsupportedRule):
        iati_rules.check(ruleset, document, NOW)
