"""SLA deadlines per kind: a warning two days before, a breach at the deadline, each once per deadline."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from grievance.domain.case import Case
from grievance.domain.catalogue import SLA_DAYS

NOW = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)


def case(kind: str, category: str) -> Case:
    c = Case.receive(uuid4(), kind=kind, category=category, channel="officer", region_code="32.73",
                     tracking_number="GRV-AAAA-BBBB-CCCC", subject_ref=str(uuid4()), anonymous=False,
                     sealed_details="x", sealed_reporter=None, submitted_by="o", now=NOW)
    c.mark_saved()
    return c


@pytest.mark.parametrize(("kind", "category", "days"), [
    ("sanggah", "desil", 14), ("payment_complaint", "wrong_amount", 7), ("data_correction", "member_born", 21),
    ("usul", "reassessment", 30)])
def test_warning_two_days_before_and_breach_at_the_deadline(kind, category, days):
    assert SLA_DAYS[kind] == days
    c = case(kind, category)
    assert c.check_sla(NOW + timedelta(days=days - 2, seconds=-1)) == []
    assert c.check_sla(NOW + timedelta(days=days - 2)) == ["warning"]
    assert c.check_sla(NOW + timedelta(days=days, seconds=-1)) == []
    assert c.check_sla(NOW + timedelta(days=days)) == ["breach"]
    assert c.check_sla(NOW + timedelta(days=days + 5)) == []
    assert [e.event_type for e in c.pending_events] == ["SlaWarningRaised", "SlaBreached"]


def test_a_late_check_raises_warning_and_breach_together():
    c = case("sanggah", "inclusion")
    assert c.check_sla(NOW + timedelta(days=30)) == ["warning", "breach"]


def test_a_decided_case_has_no_deadline():
    c = case("sanggah", "inclusion")
    c.triage("o", "o", NOW)
    c.investigate(True, "o", NOW)
    c.propose_decision("rejected", "duplicate", "o", NOW)
    c.decide("o", NOW)
    assert c.check_sla(NOW + timedelta(days=30)) == []
