"""The console's read model follows the published facts: each contract event becomes the changes the
dashboard counts (domain.operations decides which), applied through the read-model port."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from gotong_contracts import csr_ledger, disbursement, enterprise, partnership, registry
from gotong_contracts.base import IntegrationEvent

from ops_console.domain.counters import Counters
from ops_console.domain.operations import (
    Change,
    allocation_decided,
    awaiting,
    cycle_reached,
    household_changed,
    payment_recorded,
)


class ReadModelPort(Protocol):
    async def apply_all(self, changes: Sequence[Change]) -> None: ...

    async def counters(self, now: datetime) -> Counters: ...


def changes_of(fact: IntegrationEvent) -> list[Change]:
    """What one published fact changes on the dashboard (nothing for the facts it does not count)."""
    match fact:
        case registry.HouseholdChanged():
            return [household_changed(fact.household_ref, fact.household_version, fact.verification, fact.change,
                                      fact.occurred_at)]
        case registry.HouseholdErased():
            return [household_changed(fact.household_ref, 2**62, "erased", "erased", fact.occurred_at)]
        case disbursement.CycleApproved():
            return cycle_reached(fact.cycle_id, "approved", fact.occurred_at)
        case disbursement.CycleClosed():
            return cycle_reached(fact.cycle_id, "closed", fact.occurred_at, held=fact.held_households)
        case disbursement.PaymentRecorded():
            return payment_recorded(fact.payment_id, fact.cycle_id, fact.status, fact.attempt, fact.occurred_at)
        case csr_ledger.AllocationDecided():
            return [allocation_decided(fact.allocation_id, fact.status, fact.target_name, fact.occurred_at)]
        case enterprise.EnterpriseRegistered():
            return [awaiting("enterprise_verification", fact.enterprise_id, True, fact.occurred_at)]
        case enterprise.EnterpriseStatusChanged():
            return [awaiting("enterprise_verification", fact.enterprise_id, fact.status == "registered",
                             fact.occurred_at)]
        case partnership.AgreementStatusChanged():
            return [awaiting("agreement_signature", fact.agreement_id, fact.status == "draft", fact.occurred_at)]
    return []


async def record_facts(model: ReadModelPort, facts: Sequence[IntegrationEvent]) -> int:
    """The changes of facts in their order, applied together (one consumer batch, one transaction)."""
    changes = [change for fact in facts for change in changes_of(fact)]
    await model.apply_all(changes)
    return len(changes)


async def record_fact(model: ReadModelPort, fact: IntegrationEvent) -> int:
    return await record_facts(model, [fact])
