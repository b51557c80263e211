"""What the relay publishes on `csr-ledger.events`: the CSR desk's events as the published contract
(`gotong_contracts.csr_ledger`). The facts the contract leaves out (NIB, NPWP, maker and checker, the household,
a part's account) stay in the store; the ledger's own events and `AllocationExpired` stay internal."""

from __future__ import annotations

from typing import Any

from gotong_contracts.csr_ledger import EVENTS

from gotong.eventstore.model import RecordedEvent


def publish_contract(event: RecordedEvent) -> tuple[str, int, dict[str, Any]] | None:
    """(event type, contract version, payload) for a CSR contract event; None for what stays internal."""
    contract = EVENTS.get(event.event_type)
    if contract is None:
        return None
    fields = contract.model_fields
    return event.event_type, contract.schema_version, {k: v for k, v in event.data.items() if k in fields}
