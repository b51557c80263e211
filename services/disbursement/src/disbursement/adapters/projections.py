"""The service's projectors: each aggregate's state into its read table, in the transaction that saves it.

`cycles` from the Cycle, `programs` (definitions in force) and `program_drafts` (pending drafts) from the
Program, `payments` and `reconciliation_exceptions` from the Payment. A cycle's first payment instructions are
written in bulk (`PaymentTable.copy_instructed`), the same rows this projector writes. The replica
(`households`) and `entitlements` are not projections of this service's events (the registry's facts, and the
bulk computation over them): a rebuild leaves them alone.
"""

from __future__ import annotations

from disbursement.adapters.tables import CycleTable, PaymentTable, ProgramTable
from disbursement.domain.cycle import Cycle
from disbursement.domain.payment import Payment
from disbursement.domain.program import Program
from gotong.adapters.sql import Sql
from gotong.application.uow import Projectors

#: The read tables the projectors own (what `gotong disbursement rebuild` empties and replays).
TABLES = ("programs", "program_drafts", "cycles", "payments", "reconciliation_exceptions")

projectors = Projectors(tables=TABLES)


@projectors.state(Program)
async def project_program(sql: Sql, program: Program) -> None:
    await ProgramTable(sql).project(program)


@projectors.state(Cycle)
async def project_cycle(sql: Sql, cycle: Cycle) -> None:
    await CycleTable(sql).project(cycle)


@projectors.state(Payment)
async def project_payment(sql: Sql, payment: Payment) -> None:
    await PaymentTable(sql).project(payment)
