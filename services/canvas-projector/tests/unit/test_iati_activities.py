"""Which IATI activities and transactions the open data reports, from the replicas' rows (no database): money
counted once across a CSR fund and the program it funds, spending net of returns per program and month."""

from datetime import UTC, date, datetime
from pathlib import Path

from lxml import etree

from canvas_projector.adapters.iati_xml import activities_xml
from canvas_projector.domain.iati import (
    DISBURSEMENT,
    INCOMING_FUNDS,
    INCOMING_PLEDGE,
    OUTGOING_COMMITMENT,
    build_activities,
)
from gotong.domain.clock import FixedClock

IATI_SCHEMA = Path(__file__).parents[1] / "fixtures" / "iati-2.03" / "iati-activities-schema.xsd"
REF = "XI-IATI-TEST"


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T08:00:00+00:00")


PROGRAMS = [{"program_id": "pkh", "code": "PKH", "name": "PKH", "eligibility_summary": "Desil 1-4.",
             "funding_source": "apbn"},
            {"program_id": "pangan", "code": "PANGAN", "name": "Pangan Jabar", "eligibility_summary": "Desil 1-2.",
             "funding_source": "csr"}]
PERIODS = [{"code": "PKH", "period": "2026-Q3", "first_at": at("2026-08-01"), "last_at": at("2026-09-30"),
            "amount": 1_500_000},
           {"code": "PKH", "period": "2026-Q4", "first_at": at("2026-10-01"), "last_at": at("2026-11-28"),
            "amount": 0},  # every payment returned: no disbursement
           {"code": "LAMA", "period": "2026-Q4", "first_at": at("2026-10-02"), "last_at": at("2026-10-03"),
            "amount": 10}]  # a program whose definition has not arrived


def flow(kind: str, amount: int, day: str, counterpart: str | None = None, company: str = "co-1") -> dict:
    return {"company_id": company, "name": f"PT {company}", "registered_at": at("2026-01-05"), "kind": kind,
            "amount": amount, "counterpart": counterpart, "occurred_at": at(day)}


FLOWS = [flow("pledge", 5_000, "2026-02-01", "2026"), flow("deposit", 2_000, "2026-03-01"),
         flow("allocation", 1_000, "2026-04-01", "Pangan Jabar"),
         flow("spending", 300, "2026-11-02", "pangan"), flow("spending", 300, "2026-11-03", "pangan"),
         flow("spending", -300, "2026-11-04", "pangan"),  # a return in the same month
         flow("spending", 100, "2026-12-01", "pangan"), flow("spending", -100, "2026-12-02", "pangan"),  # nets to 0
         flow("spending", 50, "2026-11-05", "ghost")]  # a program not known yet


def activities():
    return {a.identifier: a for a in build_activities(REF, PROGRAMS, PERIODS, FLOWS)}


def test_programs_report_their_net_disbursements_per_period():
    pkh = activities()[f"{REF}-PKH"]
    assert (pkh.title, pkh.description, pkh.funder, pkh.start) == ("PKH", "Desil 1-4.", "Pemerintah Indonesia",
                                                                   date(2026, 8, 1))
    assert [(t.type, t.day, t.amount, t.description) for t in pkh.transactions] == [
        (DISBURSEMENT, date(2026, 9, 30), 1_500_000, "Penyaluran 2026-Q3")]
    unknown = activities()[f"{REF}-LAMA"]
    assert (unknown.title, unknown.description) == ("LAMA", "Program LAMA")


def test_a_company_fund_reports_pledges_and_deposits_in_and_allocations_out():
    fund = activities()[f"{REF}-CSR-co-1"]
    assert (fund.title, fund.funder, fund.start) == ("Dana TJSL PT co-1", "PT co-1", date(2026, 1, 5))
    first = [(t.type, t.amount, t.provider, t.receiver) for t in fund.transactions[:3]]
    assert first == [(INCOMING_PLEDGE, 5_000, "PT co-1", None), (INCOMING_FUNDS, 2_000, "PT co-1", None),
                     (OUTGOING_COMMITMENT, 1_000, None, "Pangan Jabar")]


def test_csr_money_spent_on_a_program_is_counted_once_from_each_side_and_linked():
    acts = activities()
    fund, program = acts[f"{REF}-CSR-co-1"], acts[f"{REF}-PANGAN"]
    out = [t for t in fund.transactions if t.type == DISBURSEMENT]
    assert [(t.amount, t.description, t.receiver, t.receiver_activity) for t in out] == [
        (300, "Penyaluran 2026-11 ke Pangan Jabar", "Pangan Jabar", f"{REF}-PANGAN"),  # 300 + 300 - 300
        (50, "Penyaluran 2026-11", "Program ghost", None)]  # December nets to zero: nothing reported
    incoming = [(t.type, t.amount, t.provider, t.provider_activity) for t in program.transactions]
    assert incoming == [(INCOMING_FUNDS, 300, "PT co-1", f"{REF}-CSR-co-1")]
    assert program.funder == "Dana CSR perusahaan"
    assert program.start == date(2026, 11, 4)  # the program's first money is the fund's


def test_the_file_validates_with_the_time_it_is_given():
    clock = FixedClock(datetime(2026, 11, 30, 12, 0, 0, 123456, tzinfo=UTC))
    xml = activities_xml(build_activities(REF, PROGRAMS, PERIODS, FLOWS), clock.now(), reporting_org=REF)
    document = etree.fromstring(xml)
    schema = etree.XMLSchema(etree.parse(str(IATI_SCHEMA)))
    assert schema.validate(document), schema.error_log
    assert document.get("generated-datetime") == "2026-11-30T12:00:00+00:00"
    assert {a.findtext("iati-identifier") for a in document} == set(activities())
