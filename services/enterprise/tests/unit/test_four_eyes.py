"""Four eyes on enterprises with three officers: the registrant cannot verify (even after the enterprise was
rebuilt from its events); an impact report version cannot be reviewed by whoever submitted *that* version,
whoever submitted an earlier one or registered the enterprise may review it."""

from datetime import date
from uuid import uuid4

import pytest

from enterprise.domain.enterprise import Enterprise
from enterprise.domain.reports import ImpactReport, ImpactReportAccepted, parse_period
from gotong.domain.errors import Forbidden

NOW = "2026-11-01T08:00:00+00:00"
TODAY = date(2026, 11, 1)
GOOD = {"earned_revenue": 420_000_000, "total_expenses": 480_000_000, "grants_received": 60_000_000,
        "employees": 24, "employees_vulnerable": 18, "beneficiaries_served": 1_200}


def registered(by: str) -> Enterprise:
    return Enterprise.register(name="Koperasi Batik Tulis Difabel Sragen", nib="8120201000003",
                               legal_form="koperasi", mission="Perajin batik penyandang disabilitas", sdgs=[8, 10],
                               region_code="33.14", groups_served=["disabled"], groups_employed=["disabled"],
                               registered_by=by, now=NOW)


def test_the_registrant_is_refused_with_the_reason_and_the_field():
    e = registered("ops-registrar")
    with pytest.raises(Forbidden, match=r"the officer who registered an enterprise cannot verify it \(four eyes\)") \
            as refused:
        e.change_status("verify", "ops-registrar", NOW)
    assert refused.value.field == "officer"
    assert e.status == "registered"


def test_the_registrant_is_remembered_after_a_rebuild():
    rebuilt = Enterprise.replay(registered("ops-registrar").id,
                                enumerate(registered("ops-registrar").pending_events, start=1))
    assert rebuilt.registered_by == "ops-registrar"
    with pytest.raises(Forbidden):
        rebuilt.change_status("verify", "ops-registrar", NOW)
    rebuilt.change_status("verify", "rev-1", NOW)
    assert rebuilt.status == "verified"


def test_the_submitter_of_the_version_under_review_is_the_one_refused():
    report = ImpactReport.start(uuid4(), parse_period("2026-Q2"))
    period = parse_period("2026-Q2")
    report.submit(period, "active", GOOD, {}, "ops-first", NOW, TODAY)
    report.return_for_correction(1, "rev-1", "service hours missing", NOW)
    report.submit(period, "active", GOOD, {}, "ops-second", NOW, TODAY)
    for decide in (lambda: report.accept(2, "ops-second", {}, "33", "33.14", NOW),
                   lambda: report.return_for_correction(2, "ops-second", "again", NOW)):
        with pytest.raises(Forbidden, match="the officer who submitted a report cannot review it") as refused:
            decide()
        assert refused.value.field == "reviewer"
    assert report.versions[2].status == "submitted"
    report.accept(2, "ops-first", {}, "33", "33.14", NOW)
    accepted = report.pending_events[-1]
    assert isinstance(accepted, ImpactReportAccepted)
    assert (accepted.version, accepted.reviewed_by) == (2, "ops-first")
