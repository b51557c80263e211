"""Program commands: define (or redefine with a new rule version) from configuration; propose a definition over
the API as a draft, approve it (another officer: four eyes) or reject it; and link the CSR allocations the ledger
approved. The rules are the Program aggregate's; the handler loads and saves it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from disbursement.adapters.tables import ProgramTable
from disbursement.domain.program import UNLINKED_ALLOCATION, Program, program_id, registry
from disbursement.domain.programs import ProgramDefinition
from gotong.application.repository import Repository
from gotong.application.uow import UnitOfWork
from gotong.domain.errors import NotFound

__all__ = ["UNLINKED_ALLOCATION", "approve_program", "define_program", "draft_view", "link_allocation",
           "load_program", "program_id", "programs", "propose_program", "public", "reject_program"]

programs: Repository[Program] = Repository(Program, registry)


async def _find(uow: UnitOfWork, code_or_id: str) -> Program | None:
    try:
        pid = UUID(code_or_id)
    except ValueError:
        pid = program_id(code_or_id)
    found = await uow.find(programs, pid)
    if found is None or (found.definition is None and found.draft is None):
        known = await uow.adapter(ProgramTable).find_id(code_or_id)  # a program defined under another id
        found = await uow.find(programs, known) if known is not None else None
    if found is None or (found.definition is None and found.draft is None):
        return None
    return found


async def load_program(uow: UnitOfWork, code_or_id: str) -> Program:
    """A program in force by code (e.g. PKH) or id; a draft not yet approved is refused (409 naming `program`)."""
    found = await _find(uow, code_or_id)
    if found is None:
        raise NotFound(f"program {code_or_id} is not defined", field="program")
    found.require_in_force()
    return found


async def _load_any(uow: UnitOfWork, code: str) -> Program:
    found = await _find(uow, code)
    if found is None:
        raise NotFound(f"program {code} is not defined", field="code")
    return found


def draft_view(program: Program, *, changed: bool) -> dict[str, Any]:
    """What a proposal, approval or rejection answers: the program's status, the definition in force and the
    pending draft (with who proposed it)."""
    d = program.draft or program.definition
    assert d is not None
    in_force = program.definition
    return {**public(program.id, d, changed=changed), "status": "draft" if program.draft is not None else "approved",
            "rule_version_in_force": in_force.rule_version if in_force is not None else None,
            "proposed_by": program.proposed_by[-1] if program.proposed_by else None}


def public(pid: UUID, d: ProgramDefinition, *, changed: bool) -> dict[str, Any]:
    return {"program_id": str(pid), "code": d.code, "name": d.name, "funding_source": d.funding_source,
            "csr_allocation_id": d.csr_allocation_id, "csr_more_allocation_ids": d.csr_more_allocation_ids,
            "rule_version": d.rule_version, "budget": d.budget, "changed": changed}


async def define_program(uow: UnitOfWork, definition: ProgramDefinition) -> dict[str, Any]:
    """Configuration (approved by deployment, in force at once): create the program, or record a new version of
    its rules; the same definition again changes nothing. Officers propose over the API (`propose_program`)."""
    pid = program_id(definition.code)
    program = await uow.find(programs, pid) or Program(pid)
    changed = program.define(definition, now=uow.clock.now())
    if changed:
        await uow.save(program)
    assert program.definition is not None
    return public(pid, program.definition, changed=changed)


async def propose_program(uow: UnitOfWork, definition: ProgramDefinition, by: str) -> tuple[bool, dict[str, Any]]:
    """An officer's definition (a new program or a new version): a draft until another officer approves it.
    Returns whether the program is new, and the draft's view."""
    pid = program_id(definition.code)
    found = await uow.find(programs, pid)
    new = found is None or (found.definition is None and found.draft is None)  # none yet, or only rejected drafts
    program = found or Program(pid)
    changed = program.propose(definition, by=by, now=uow.clock.now())
    if changed:
        await uow.save(program)
    return new, draft_view(program, changed=changed)


async def approve_program(uow: UnitOfWork, code: str, by: str) -> dict[str, Any]:
    """Four eyes: another officer puts the draft in force; only now is the program usable and published."""
    program = await _load_any(uow, code)
    program.approve(by=by, now=uow.clock.now())
    await uow.save(program)
    return draft_view(program, changed=True)


async def reject_program(uow: UnitOfWork, code: str, reason: str, by: str) -> dict[str, Any]:
    """The draft is dropped with the reason (the definition in force, if any, stays)."""
    program = await _load_any(uow, code)
    pending = program.draft
    program.reject(reason=reason, by=by, now=uow.clock.now())
    await uow.save(program)
    assert pending is not None
    in_force = program.definition
    return {"program_id": str(program.id), "code": pending.code, "status": "rejected",
            "rule_version": pending.rule_version, "reason": reason.strip(), "rejected_by": by,
            "rule_version_in_force": in_force.rule_version if in_force is not None else None}


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
