"""Internal household events -> the published `registry.events` contracts. Sealed personal data never leaves."""

from __future__ import annotations

from typing import Any

from gotong.eventstore.model import RecordedEvent


def publish_contract(event: RecordedEvent) -> tuple[str, int, dict[str, Any]] | None:
    """The contract (type, version, payload) an event is published as, or None (not published)."""
    data = event.data
    state = data.get("state")
    at = event.occurred_at.isoformat()
    if event.event_type == "HouseholdRanked":
        return "HouseholdRanked", 1, {
            "household_ref": str(event.stream_id), "desil": data["desil"], "desil_province": data["desil_province"],
            "previous_desil": data.get("previous_desil"), "rule_version": data["rule_version"],
            "snapshot": data["snapshot"], "province_code": (state or {}).get("province_code", ""),
            "regency_code": (state or {}).get("regency_code", ""), "occurred_at": at}
    if event.event_type == "HouseholdErased":
        return "HouseholdErased", 1, {"household_ref": str(event.stream_id), "occurred_at": at}
    if event.event_type == "HouseholdMergedAway":
        return "HouseholdsMerged", 1, {"surviving_ref": data["into"], "merged_refs": [str(event.stream_id)],
                                       "occurred_at": at}
    if state is not None:
        return "HouseholdChanged", 1, {**state, "occurred_at": at}
    return None
