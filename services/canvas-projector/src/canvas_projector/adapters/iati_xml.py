"""The IATI 2.03 activity file (iatistandard.org/en/iati-standard/203/activity-standard) as XML: the format the
IATI registry reads. What goes in it is decided in `domain/iati.py`."""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree

from canvas_projector.domain.iati import (
    ACTIVITY_DATE_ACTUAL_START,
    ACTIVITY_STATUS_IMPLEMENTATION,
    REPORTING_ORG_REF,
    REPORTING_ORG_TYPE,
    ROLE_FUNDING,
    ROLE_IMPLEMENTING,
    SECTOR_SOCIAL_PROTECTION,
    Activity,
)


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
