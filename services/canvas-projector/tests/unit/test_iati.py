"""The IATI export validates against the official IATI 2.03 activities schema (tests/fixtures/iati-2.03)."""

from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from canvas_projector.adapters.iati_xml import activities_xml
from canvas_projector.domain.iati import (
    DISBURSEMENT,
    INCOMING_FUNDS,
    INCOMING_PLEDGE,
    OUTGOING_COMMITMENT,
    Activity,
    Transaction,
)

IATI_SCHEMA = Path(__file__).parents[1] / "fixtures" / "iati-2.03" / "iati-activities-schema.xsd"


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(IATI_SCHEMA)))


def sample() -> list[Activity]:
    return [
        Activity("ID-GOTONG-PKH", "Program Keluarga Harapan (PKH)", "Bantuan bersyarat per anggota keluarga.",
                 "Pemerintah Indonesia (APBN)", date(2026, 1, 5), [
                     Transaction(DISBURSEMENT, date(2026, 3, 31), 1_250_000_000, "Penyaluran 2026-Q1",
                                 provider="Kementerian Sosial", receiver="Rumah tangga penerima (agregat)")]),
        Activity("ID-GOTONG-CSR-PT-SAWIT", "Dana TJSL PT Sawit Lestari Kalimantan", "Dana CSR perusahaan.",
                 "PT Sawit Lestari Kalimantan", date(2026, 2, 1), [
                     Transaction(INCOMING_PLEDGE, date(2026, 2, 1), 15_000_000_000, "Ikrar 2026",
                                 provider="PT Sawit Lestari Kalimantan"),
                     Transaction(INCOMING_FUNDS, date(2026, 2, 10), 8_750_000_000, "Setoran",
                                 provider="PT Sawit Lestari Kalimantan"),
                     Transaction(OUTGOING_COMMITMENT, date(2026, 2, 20), 1_250_000_000, "Alokasi ke program pangan",
                                 receiver="Program Pangan Jawa Barat"),
                     Transaction(DISBURSEMENT, date(2026, 3, 31), 300_000_000, "Penyaluran program pangan",
                                 receiver="Rumah tangga penerima (agregat)")]),
    ]


def test_export_validates_against_the_official_schema(schema):
    document = etree.fromstring(activities_xml(sample()))
    assert schema.validate(document), schema.error_log
    assert document.get("version") == "2.03"
    codes = [t.get("code") for t in document.iter("transaction-type")]
    assert codes == ["3", "13", "1", "2", "3"]
    assert document.find(".//value").get("currency") == "IDR"
    assert [a.find("sector").get("code") for a in document.iter("iati-activity")] == ["16010", "16010"]
    assert document.find(".//reporting-org").get("ref") == "XI-IATI-GOTONG"


def test_linked_transactions_name_the_other_activity_and_stay_valid(schema):
    fund = Activity("XI-IATI-GOTONG-CSR-1", "Dana TJSL PT A", "Dana CSR.", "PT A", date(2026, 2, 1), [
        Transaction(DISBURSEMENT, date(2026, 3, 31), 300_000, "ke program", receiver="Program Pangan",
                    receiver_activity="XI-IATI-GOTONG-PANGAN")])
    program = Activity("XI-IATI-GOTONG-PANGAN", "Program Pangan", "Pangan.", "Dana CSR", date(2026, 2, 1), [
        Transaction(INCOMING_FUNDS, date(2026, 3, 31), 300_000, "dari dana CSR", provider="PT A",
                    provider_activity="XI-IATI-GOTONG-CSR-1"),
        Transaction(DISBURSEMENT, date(2026, 3, 31), -50_000, "koreksi: dana kembali", receiver="Rumah tangga")])
    document = etree.fromstring(activities_xml([fund, program]))
    assert schema.validate(document), schema.error_log
    assert document.find(".//receiver-org").get("receiver-activity-id") == "XI-IATI-GOTONG-PANGAN"
    assert document.find(".//provider-org").get("provider-activity-id") == "XI-IATI-GOTONG-CSR-1"


def test_the_validator_is_not_a_rubber_stamp(schema):
    document = etree.fromstring(activities_xml(sample()))
    document.find("iati-activity").remove(document.find(".//activity-status"))  # a required element
    assert not schema.validate(document)
