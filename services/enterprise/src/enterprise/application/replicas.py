"""What other services told us, kept in local replicas: CSR grants to enterprises (`csr-ledger.events`) and the
registry's household references (`registry.events`). Called by the consumers with their unit of work."""

from __future__ import annotations

from gotong_contracts.base import IntegrationEvent
from gotong_contracts.csr_ledger import AllocationDecided
from gotong_contracts.registry import HouseholdChanged, HouseholdErased, HouseholdRanked, HouseholdsMerged

from enterprise.adapters.replicas import CsrGrants, RegistryReplica
from gotong.application.uow import UnitOfWork


async def allocation_decided(uow: UnitOfWork, allocation: AllocationDecided) -> None:
    """An allocation counts for an enterprise when its target kind is `enterprise` (matched by id or NIB when
    read); the newest decision wins."""
    if allocation.target_kind == "enterprise":
        await uow.adapter(CsrGrants).record(allocation)


async def registry_fact(uow: UnitOfWork, fact: IntegrationEvent | None) -> None:
    replica = uow.adapter(RegistryReplica)
    if isinstance(fact, HouseholdChanged):
        await replica.changed(fact)
    elif isinstance(fact, HouseholdRanked):
        await replica.ranked(fact)
    elif isinstance(fact, HouseholdErased):
        await replica.mark([fact.household_ref], "erased", None)
    elif isinstance(fact, HouseholdsMerged):
        await replica.mark(fact.merged_refs, "merged", fact.surviving_ref)
