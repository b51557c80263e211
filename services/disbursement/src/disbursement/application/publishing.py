"""What the service publishes on `disbursement.events`: the contract events, mapped from its own."""

from __future__ import annotations

from typing import Any

from gotong_contracts.disbursement import EVENTS, CycleApproved, CycleClosed

from gotong.eventstore.model import RecordedEvent


def publish_contract(event: RecordedEvent) -> tuple[str, int, dict[str, Any]] | None:
    """Publish the contract events; internal ones (cycle opened, computed, reviewed …, program rules, payment
    exceptions) stay inside. The internal CycleApproved/CycleClosed carry the officer, which the contract leaves
    out; `PaymentRecorded` and `ProgramDefined` are stored as published."""
    if event.event_type == "PaymentRecorded" or event.event_type == "ProgramDefined":
        return event.event_type, event.schema_version, dict(event.data)
    if event.event_type in (CycleApproved.event_type, CycleClosed.event_type):
        model = EVENTS[event.event_type]
        return event.event_type, model.schema_version, model.model_validate(dict(event.data)).model_dump(mode="json")
    return None
