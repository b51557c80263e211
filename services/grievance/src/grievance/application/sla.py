"""The periodic SLA job: every open case whose warning or deadline has come gets its event, once per deadline."""

from __future__ import annotations

from gotong.application.uow import UnitOfWorkFactory
from grievance.adapters.reads import CaseReads
from grievance.application.commands import cases


async def check_deadlines(units: UnitOfWorkFactory, batch: int = 500) -> dict[str, int]:
    """Raise due warnings and breaches by the unit of work's clock; counts of each raised."""
    counts = {"warning": 0, "breach": 0}
    while True:
        async with units.begin() as uow:
            due = await uow.adapter(CaseReads).sla_due(uow.clock.now(), batch)
            for case_id in due:
                case = await uow.get(cases, case_id)
                for raised in case.check_sla(uow.clock.now()):
                    counts[raised] += 1
                await uow.save(case)
        if len(due) < batch:
            return counts
