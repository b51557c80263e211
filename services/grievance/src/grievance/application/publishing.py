"""Internal events -> the published contract (`gotong_contracts.grievance`). The sealed fields, the tracking
number, the subject reference, officers' names and evidence digests stay internal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gotong_contracts import grievance as contract
from gotong_contracts.base import IntegrationEvent

from gotong.eventstore.model import RecordedEvent


def _received(e: RecordedEvent, d: dict[str, Any]) -> IntegrationEvent:
    return contract.CaseReceived(case_id=str(e.stream_id), kind=d["kind"], category=d["category"],
                                 channel=d["channel"], region_code=d["region_code"], due_at=d["due_at"],
                                 occurred_at=d["occurred_at"])


def _status(status: str, appeal: bool = False) -> Callable[[RecordedEvent, dict[str, Any]], IntegrationEvent]:
    def mapper(e: RecordedEvent, d: dict[str, Any]) -> IntegrationEvent:
        return contract.CaseStatusChanged(case_id=str(e.stream_id), status=status,
                                          appeal=appeal, occurred_at=d["occurred_at"])
    return mapper


def _decided(e: RecordedEvent, d: dict[str, Any]) -> IntegrationEvent:
    return contract.CaseDecided(case_id=str(e.stream_id), outcome=d["outcome"], reason_code=d["reason_code"],
                                appeal=d["appeal"], follow_up=d.get("follow_up"), occurred_at=d["occurred_at"])


def _warning(e: RecordedEvent, d: dict[str, Any]) -> IntegrationEvent:
    return contract.SlaWarning(case_id=str(e.stream_id), due_at=d["due_at"], occurred_at=d["occurred_at"])


def _breach(e: RecordedEvent, d: dict[str, Any]) -> IntegrationEvent:
    return contract.SlaBreached(case_id=str(e.stream_id), due_at=d["due_at"], occurred_at=d["occurred_at"])


def _follow_up(e: RecordedEvent, d: dict[str, Any]) -> IntegrationEvent:
    return contract.FollowUpRecorded(case_id=str(e.stream_id), action=d["action"], result=d["result"],
                                     status_code=d.get("status_code"), occurred_at=d["occurred_at"])


_MAPPERS: dict[str, Callable[[RecordedEvent, dict[str, Any]], IntegrationEvent]] = {
    "CaseReceived": _received, "CaseTriaged": _status("triaged"), "InvestigationStarted": _status("investigating"),
    "CaseDecided": _decided, "CaseClosed": _status("closed"), "CaseAppealed": _status("investigating", True),
    "SlaWarningRaised": _warning, "SlaBreached": _breach, "FollowUpRecorded": _follow_up,
}


def publish_contract(event: RecordedEvent) -> tuple[str, int, dict[str, Any]] | None:
    mapper = _MAPPERS.get(event.event_type)
    if mapper is None:
        return None
    published = mapper(event, dict(event.data))
    return published.event_type, published.schema_version, published.model_dump(mode="json")
