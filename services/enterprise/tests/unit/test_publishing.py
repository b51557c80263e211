"""What leaves the service: internal events mapped to the contract, and nothing personal in any of them."""

import re
from datetime import UTC, date, datetime
from uuid import uuid4

from gotong_contracts.enterprise import EVENTS

from enterprise.application.publishing import publish_contract
from enterprise.domain.enterprise import Enterprise
from enterprise.domain.reports import ImpactReport, parse_period
from gotong.eventstore.model import EventMetadata, RecordedEvent

NOW = "2026-11-01T08:00:00+00:00"
METRICS = {"earned_revenue": 420_000_000, "total_expenses": 480_000_000, "grants_received": 60_000_000,
           "employees": 24, "employees_vulnerable": 18, "beneficiaries_served": 1_200, "service_hours": 3_100}
# Personal or internal text typed into free fields by officers: none of it may be published.
SECRETS = ["Siti Rahayu", "Budi Santoso", "3273014506890001", "8120201000010", "Jl. Merdeka", "ops-1", "rev-1",
           "hh_client01", "mission", "nib", "note", "officer", "reviewed_by", "submitted_by"]


def recorded(stream_id, events):
    return [RecordedEvent(stream_id, "x", i + 1, uuid4(), e.event_type, e.schema_version, e.to_data(),
                          datetime.now(UTC), EventMetadata(actor="ops-1")) for i, e in enumerate(events)]


def everything_published():
    solo = Enterprise.register(name="PT Siti Rahayu Makmur", nib="8120201000010", legal_form="pt_perorangan",
                               mission="Pupuk organik; hubungi Budi Santoso, Jl. Merdeka 1", sdgs=[2],
                               region_code="35.10.01", groups_served=["smallholder_farmers"], groups_employed=[],
                               registered_by="ops-1", now=NOW)
    solo.change_status("verify", "rev-1", NOW, note="dicek oleh Budi Santoso")
    solo.change_status("activate", "rev-1", NOW)
    solo.link_household("hh_worker01", "employee", ["youth"], date(2026, 2, 1), NOW, date(2026, 11, 1))
    solo.link_household("hh_client01", "client", [], date(2026, 2, 1), NOW, date(2026, 11, 1))
    solo.end_link("hh_client01", "client", date(2026, 3, 1), NOW)
    solo.change_status("suspend", "rev-1", NOW, reason="misreporting", note="NIK 3273014506890001 dipakai")
    report = ImpactReport.start(solo.id, parse_period("2026-Q2"))
    report.submit(parse_period("2026-Q2"), "verified", METRICS, {}, "ops-1", NOW, date(2026, 11, 1),
                  note="laporan disusun Siti Rahayu")
    report.return_for_correction(1, "rev-1", "Budi Santoso minta koreksi", NOW)
    report.submit(parse_period("2026-Q2"), "verified", METRICS, {}, "ops-1", NOW, date(2026, 11, 1))
    report.accept(2, "rev-1", {"self_sufficiency": "0.8750", "grant_dependency": "0.1250",
                               "cost_per_beneficiary": 400_000, "revenue_growth": None}, "35", "35.10", NOW)
    events = recorded(solo.id, solo.pending_events) + recorded(report.id, report.pending_events)
    return [(e, publish_contract(e)) for e in events]


def test_only_contract_events_leave_and_they_validate():
    published = [(e.event_type, out) for e, out in everything_published()]
    kept_internal = [t for t, out in published if out is None]
    assert sorted(kept_internal) == ["HouseholdLinkEnded", "HouseholdLinked", "ImpactReportReturned",
                                     "ImpactReportSubmitted", "ImpactReportSubmitted"], "client links stay internal"
    for _, out in published:
        if out is not None:
            event_type, version, data = out
            assert version == EVENTS[event_type].schema_version
            EVENTS[event_type].model_validate(data)


def test_no_names_identity_numbers_or_officers_in_published_events():
    for _, out in everything_published():
        if out is None:
            continue
        text = str(out[2])
        for secret in SECRETS:
            assert secret not in text, (out[0], secret)
        assert not re.search(r"\d{16}", text), "no NIK/KK-shaped number"


def test_a_one_person_company_is_published_without_its_name_others_with():
    registered = next(out for e, out in everything_published() if e.event_type == "EnterpriseRegistered")
    assert registered[2]["name"] is None
    assert (registered[2]["province_code"], registered[2]["regency_code"]) == ("35", "35.10")
    pt = Enterprise.register(name="PT Desa Digital Nusantara", nib="8120201000002", legal_form="pt", mission="m" * 10,
                             sdgs=[9], region_code="35.07", groups_served=[], groups_employed=[],
                             registered_by="ops-1", now=NOW)
    (event,) = recorded(pt.id, pt.pending_events)
    assert publish_contract(event)[2]["name"] == "PT Desa Digital Nusantara"


def test_accepted_report_carries_coded_metrics_and_figures():
    accepted = next(out for e, out in everything_published() if e.event_type == "ImpactReportAccepted")[2]
    assert (accepted["period"], accepted["period_start"], accepted["period_end"]) == ("2026-Q2", "2026-04-01",
                                                                                      "2026-06-30")
    assert (accepted["version"], accepted["supersedes_version"]) == (2, None)
    by_name = {m["name"]: (m["code"], m["value"], m["unit"]) for m in accepted["metrics"]}
    assert by_name["earned_revenue"] == ("PI1775", 420_000_000, "IDR")
    assert by_name["employees_vulnerable"] == ("GOT-EMP-VUL", 18, "people")
    assert by_name["service_hours"] == ("GOT-SVC-HRS", 3_100, "hours")
    assert accepted["derived"]["self_sufficiency"] == "0.8750"


def test_profile_updates_publish_the_public_profile_but_never_the_mission():
    e = Enterprise.register(name="CV Kopi Petani Muda Garut", nib="8120201000005", legal_form="cv", mission="m" * 10,
                            sdgs=[8], region_code="32.05", groups_served=[], groups_employed=["youth"],
                            registered_by="ops-1", now=NOW)
    e.update_profile(NOW, mission="Kontak: Budi Santoso, Jl. Merdeka 1")
    e.update_profile(NOW, legal_form="pt_perorangan", region_code="32.04")
    _, mission_only, converted = [publish_contract(r) for r in recorded(e.id, e.pending_events)]
    assert mission_only is None
    event_type, _, data = converted
    assert event_type == "EnterpriseProfileUpdated"
    assert (data["name"], data["legal_form"], data["regency_code"]) == (None, "pt_perorangan", "32.04")
    assert data["changed"] == ["legal_form", "region_code"]
    assert "Budi" not in str(data)
