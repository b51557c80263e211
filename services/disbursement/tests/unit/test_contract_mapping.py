"""What reaches `disbursement.events`: contract payloads only, the officer left out, internal events kept in."""

from datetime import UTC, datetime
from uuid import uuid4

from gotong_contracts.disbursement import CycleApproved, PaymentRecorded

from disbursement.application.publishing import publish_contract
from gotong.eventstore.model import EventMetadata, RecordedEvent


def recorded(event_type: str, data: dict) -> RecordedEvent:
    return RecordedEvent(uuid4(), "cycle", 1, uuid4(), event_type, 1, data, datetime.now(UTC), EventMetadata())


def test_cycle_approved_is_published_without_the_officer():
    data = {"program_id": "p", "cycle_id": "c", "period": "2026-Q4", "households": 2, "total_amount": 1_200_000,
            "approved_by": "sup-1", "occurred_at": "2026-10-01T00:00:00+00:00"}
    event_type, version, payload = publish_contract(recorded("CycleApproved", data))
    assert (event_type, version) == ("CycleApproved", 1)
    assert "approved_by" not in payload
    assert CycleApproved.model_validate(payload).total_amount == 1_200_000


def test_payment_recorded_is_published_as_stored_and_is_a_valid_contract():
    data = {"payment_id": "x", "household_ref": "HH-1", "program_id": "p", "program_code": "BPNT", "cycle_id": "c",
            "period": "2026-Q4", "amount": 600_000, "region_code": "32.73.01.1001", "province_code": "32",
            "regency_code": "32.73", "desil": 2, "funding_source": "apbn", "csr_allocation_id": None,
            "status": "instructed", "attempt": 1, "occurred_at": "2026-10-01T00:00:00+00:00"}
    _, _, payload = publish_contract(recorded("PaymentRecorded", data))
    assert PaymentRecorded.model_validate(payload).status == "instructed"


def test_internal_cycle_events_are_not_published():
    for internal in ("CycleOpened", "EntitlementsComputed", "CycleReviewed", "PaymentsInstructed", "CycleReconciled"):
        assert publish_contract(recorded(internal, {})) is None
