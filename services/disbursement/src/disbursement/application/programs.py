"""Program commands: define (or redefine with a new rule version) from configuration or the API, and link the
CSR allocations the ledger approved. The rules are the Program aggregate's; the handler loads and saves it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from disbursement.adapters.tables import ProgramTable
from disbursement.domain.program import UNLINKED_ALLOCATION, Program, program_id, registry
from disbursement.domain.programs import ProgramDefinition
from gotong.application.repository import Repository
from gotong.application.uow import UnitOfWork
from gotong.domain.errors import NotFound

__all__ = ["UNLINKED_ALLOCATION", "define_program", "link_allocation", "load_program", "program_id", "programs",
           "public"]

programs: Repository[Program] = Repository(Program, registry)


async def load_program(uow: UnitOfWork, code_or_id: str) -> Program:
    """A defined program by code (e.g. PKH) or id."""
    try:
        pid = UUID(code_or_id)
    except ValueError:
        pid = program_id(code_or_id)
    found = await uow.find(programs, pid)
    if found is None or found.definition is None:
        known = await uow.adapter(ProgramTable).find_id(code_or_id)  # a program defined under another id
        found = await uow.find(programs, known) if known is not None else None
    if found is None or found.definition is None:
        raise NotFound(f"program {code_or_id} is not defined", field="program")
    return found


def public(pid: UUID, d: ProgramDefinition, *, changed: bool) -> dict[str, Any]:
    return {"program_id": str(pid), "code": d.code, "name": d.name, "funding_source": d.funding_source,
            "csr_allocation_id": d.csr_allocation_id, "csr_more_allocation_ids": d.csr_more_allocation_ids,
            "rule_version": d.rule_version, "budget": d.budget, "changed": changed}


async def define_program(uow: UnitOfWork, definition: ProgramDefinition) -> dict[str, Any]:
    """Create the program, or record a new version of its rules; the same definition again changes nothing."""
    pid = program_id(definition.code)
    program = await uow.find(programs, pid) or Program(pid)
    changed = program.define(definition, now=uow.clock.now())
    if changed:
        await uow.save(program)
    assert program.definition is not None
    return public(pid, program.definition, changed=changed)


async def link_allocation(uow: UnitOfWork, target_id: str, allocation_id: str, amount: int) -> bool:
    """An approved CSR allocation to a CSR-funded program funds it (see `Program.link_allocation`). The budget is
    thus exactly what the companies gave; the ledger charges each payment to the oldest allocation with money
    left (see csr-ledger's README). A redelivered allocation changes nothing."""
    pid = await uow.adapter(ProgramTable).csr_program(target_id)
    if pid is None:
        return False
    program = await uow.get(programs, pid, field="program")
    changed = program.link_allocation(allocation_id, amount, now=uow.clock.now())
    if changed:
        await uow.save(program)
    return changed
