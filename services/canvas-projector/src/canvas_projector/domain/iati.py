"""IATI 2.03 activity XML (iatistandard.org/en/iati-standard/203/activity-standard): programs and company CSR
funds as activities, money movements as transactions with the standard TransactionType codes:

  1 Incoming Funds (CSR deposits)      2 Outgoing Commitment (CSR allocations)
  3 Disbursement (payments to households, net of returns)      13 Incoming Pledge (CSR pledges)

Amounts are whole rupiah (`default-currency="IDR"`); transactions are aggregates (per period, per company), never
per household.

- **Reporting organisation.** Gotong has no identifier from a registration agency yet: the reporting-org ref and
  every activity identifier's prefix is the `IATI_REPORTING_ORG_REF` setting, by default `XI-IATI-GOTONG`, the
  form of identifier the IATI Secretariat allocates (the `XI-IATI` list) to organisations no registration agency
  lists. Operators set the identifier they are given (an `ID-…` agency prefix or the allocated `XI-IATI-…`).
- **Sector.** Every activity is DAC 5-digit sector 16010 *Social protection* (vocabulary 1), 100%.
- **Money counted once.** A company's CSR fund and the program it funds are two activities. The fund's
  disbursements to a program name the program's activity (`receiver-activity-id`); the program reports the same
  money as incoming funds naming the fund's activity (`provider-activity-id`). Aggregators follow the links and
  count it once; only the program's disbursements to households leave Gotong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from lxml import etree

REPORTING_ORG_REF = "XI-IATI-GOTONG"  # the default of the IATI_REPORTING_ORG_REF setting (see above)
SECTOR_SOCIAL_PROTECTION = "16010"  # DAC 5-digit purpose code (Sector vocabulary 1)
REPORTING_ORG_TYPE = "10"  # OrganisationType 10: Government
ACTIVITY_STATUS_IMPLEMENTATION = "2"
ACTIVITY_DATE_ACTUAL_START = "2"
ROLE_FUNDING, ROLE_IMPLEMENTING = "1", "4"

INCOMING_FUNDS, OUTGOING_COMMITMENT, DISBURSEMENT, INCOMING_PLEDGE = "1", "2", "3", "13"


@dataclass(frozen=True)
class Transaction:
    type: str
    day: date
    amount: int
    description: str
    provider: str | None = None
    receiver: str | None = None
    provider_activity: str | None = None  # the IATI activity the money came from
    receiver_activity: str | None = None  # the IATI activity the money went to


@dataclass
class Activity:
    identifier: str
    title: str
    description: str
    funder: str
    start: date
    transactions: list[Transaction] = field(default_factory=list)


def _narrative(parent: etree._Element, tag: str, text: str, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, tag, **attrs)
    etree.SubElement(element, "narrative").text = text
    return element


def activities_xml(activities: list[Activity], generated: datetime | None = None,
                   reporting_org: str = REPORTING_ORG_REF) -> bytes:
    generated = generated or datetime.now(UTC)
    root = etree.Element("iati-activities", version="2.03",
                         **{"generated-datetime": generated.replace(microsecond=0).isoformat()})
    for a in activities:
        act = etree.SubElement(root, "iati-activity", **{
            "last-updated-datetime": generated.replace(microsecond=0).isoformat(), "default-currency": "IDR",
            "{http://www.w3.org/XML/1998/namespace}lang": "id"})
        etree.SubElement(act, "iati-identifier").text = a.identifier
        _narrative(act, "reporting-org", "Gotong — platform program sosial", ref=reporting_org,
                   type=REPORTING_ORG_TYPE)
        _narrative(act, "title", a.title)
        _narrative(act, "description", a.description, type="1")
        _narrative(act, "participating-org", a.funder, role=ROLE_FUNDING)
        _narrative(act, "participating-org", "Gotong", role=ROLE_IMPLEMENTING, ref=reporting_org)
        etree.SubElement(act, "activity-status", code=ACTIVITY_STATUS_IMPLEMENTATION)
        etree.SubElement(act, "activity-date", type=ACTIVITY_DATE_ACTUAL_START, **{"iso-date": a.start.isoformat()})
        etree.SubElement(act, "recipient-country", code="ID", percentage="100")
        etree.SubElement(act, "sector", vocabulary="1", code=SECTOR_SOCIAL_PROTECTION, percentage="100")
        for t in a.transactions:
            tx = etree.SubElement(act, "transaction")
            etree.SubElement(tx, "transaction-type", code=t.type)
            etree.SubElement(tx, "transaction-date", **{"iso-date": t.day.isoformat()})
            value = etree.SubElement(tx, "value", currency="IDR", **{"value-date": t.day.isoformat()})
            value.text = str(t.amount)
            _narrative(tx, "description", t.description)
            if t.provider:
                _narrative(tx, "provider-org", t.provider,
                           **({"provider-activity-id": t.provider_activity} if t.provider_activity else {}))
            if t.receiver:
                _narrative(tx, "receiver-org", t.receiver,
                           **({"receiver-activity-id": t.receiver_activity} if t.receiver_activity else {}))
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
