"""The program aggregate: its definition (rules, benefit, budget) by version, and its CSR funding.

A definition comes from configuration (approved by deployment: in force at once) or the API, where it is a
draft (`ProgramProposed`) until a second officer approves it (four eyes: the proposer can never approve); only
then is it in force and published. The same definition again changes nothing, a new one is recorded
(`ProgramRulesSet`, then the published `ProgramDefined`). A CSR-funded program is linked by the CSR
ledger's approved allocations: the first links it (until then it cannot open a cycle), each further one adds its
amount to the budget; reloading the shipped configuration keeps the ledger's links.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID, uuid5

from disbursement.domain.events import (
    ProgramApproved,
    ProgramDefined,
    ProgramDraftRejected,
    ProgramProposed,
    ProgramRulesSet,
    registry,
)
from disbursement.domain.programs import ProgramDefinition
from gotong.domain.aggregate import Aggregate
from gotong.domain.errors import Conflict, Forbidden, InvalidTransition, ValidationFailed

__all__ = ["NAMESPACE", "UNLINKED_ALLOCATION", "Program", "program_id", "registry"]

NAMESPACE = UUID("6f1d2c1e-3b7a-5e47-9a43-0b1f5d6c7a21")
#: A CSR program shipped as configuration names no allocation yet; the CSR ledger's approval links one.
UNLINKED_ALLOCATION = "00000000-0000-0000-0000-000000000000"


def program_id(code: str) -> UUID:
    return uuid5(NAMESPACE, f"program:{code}")


class Program(Aggregate):
    stream_type: ClassVar[str] = "program"

    def __init__(self, id: UUID) -> None:
        super().__init__(id)
        self.initial_state()

    def initial_state(self) -> None:
        self.definition: ProgramDefinition | None = None
        self.defined_at: datetime | None = None
        #: The pending draft (proposed over the API, not yet approved): not in force, not published.
        self.draft: ProgramDefinition | None = None
        #: Every officer who proposed since the last decision (none of them may approve the draft).
        self.proposed_by: list[str] = []
        self.proposed_at: datetime | None = None

    @classmethod
    def new(cls, code: str) -> Program:
        return cls(program_id(code))

    @property
    def code(self) -> str:
        d = self.definition or self.draft
        assert d is not None
        return d.code

    @property
    def status(self) -> str:
        """`approved` (a definition in force, perhaps with a new draft pending) or `draft` (nothing in force)."""
        return "approved" if self.definition is not None else "draft"

    # -- commands -------------------------------------------------------------------------------------------
    def define(self, definition: ProgramDefinition, *, now: datetime) -> bool:
        """Record this definition unless it is the one in force; an unlinked CSR definition (configuration)
        keeps the allocations the ledger linked. Returns whether anything changed."""
        current = self.definition
        if current is not None and definition.csr_allocation_id == UNLINKED_ALLOCATION \
                and current.csr_allocation_id not in (None, UNLINKED_ALLOCATION):
            definition = definition.model_copy(update={
                "csr_allocation_id": current.csr_allocation_id, "budget": current.budget,
                "csr_more_allocation_ids": current.csr_more_allocation_ids})
        if current is not None and _body(current) == _body(definition):
            return False
        at = now.isoformat()
        self._record(ProgramRulesSet(definition=_body(definition), occurred_at=at))
        self._record(ProgramDefined(
            program_id=str(self.id), code=definition.code, name=definition.name,
            funding_source=definition.funding_source, csr_allocation_id=definition.csr_allocation_id,
            eligibility_summary=definition.eligibility_summary, rule_version=definition.rule_version,
            occurred_at=at))
        return True

    def propose(self, definition: ProgramDefinition, *, by: str, now: datetime) -> bool:
        """An officer proposes a definition (a new program, or a new version of one): a draft until another
        officer approves it. The definition in force, or the draft already pending, again changes nothing.
        Returns whether anything changed."""
        if self.draft is None and self.definition is not None and _body(self.definition) == _body(definition):
            return False
        if self.draft is not None and _body(self.draft) == _body(definition):
            return False
        self._record(ProgramProposed(definition=_body(definition), proposed_by=by, occurred_at=now.isoformat()))
        return True

    def approve(self, *, by: str, now: datetime) -> None:
        """Four eyes: a different officer than any who proposed the draft puts it in force (and publishes it)."""
        draft = self._draft_to("approve")
        if by in self.proposed_by:
            raise Forbidden(f"four eyes (maker–checker): {by} proposed this definition of {draft.code} and cannot "
                            "approve it; a different officer must approve", field="approved_by")
        self._record(ProgramApproved(rule_version=draft.rule_version, proposed_by=list(self.proposed_by),
                                     approved_by=by, occurred_at=now.isoformat()))
        self.define(draft, now=now)

    def reject(self, *, reason: str, by: str, now: datetime) -> None:
        """The draft is dropped, with the reason; what is in force (if anything) stays."""
        draft = self._draft_to("reject")
        if not reason.strip():
            raise ValidationFailed("a rejection needs a reason", field="reason")
        self._record(ProgramDraftRejected(rule_version=draft.rule_version, reason=reason.strip(), rejected_by=by,
                                          occurred_at=now.isoformat()))

    def _draft_to(self, action: str) -> ProgramDefinition:
        if self.draft is None:
            raise InvalidTransition(f"cannot {action}: {self.code if self.definition else 'the program'} has no "
                                    "draft awaiting approval", field="status")
        return self.draft

    def require_in_force(self) -> None:
        """A cycle opens only on an approved definition: a draft is not in force."""
        if self.definition is None and self.draft is not None:
            raise Conflict(f"{self.draft.code} is a draft awaiting a second officer's approval: it cannot open a "
                           "cycle until approved", field="program")

    def link_allocation(self, allocation_id: str, amount: int, *, now: datetime) -> bool:
        """An approved CSR allocation funds this program: the first links it, each further one (another
        company's, or a top-up) adds its amount to the budget. A redelivered allocation changes nothing."""
        d = self.definition
        if d is None or d.funding_source != "csr":
            return False
        if d.csr_allocation_id == UNLINKED_ALLOCATION:
            update: dict[str, Any] = {"csr_allocation_id": allocation_id, "budget": amount}
        elif allocation_id == d.csr_allocation_id or allocation_id in d.csr_more_allocation_ids:
            return False
        else:
            update = {"csr_more_allocation_ids": [*d.csr_more_allocation_ids, allocation_id],
                      "budget": d.budget + amount}
        return self.define(d.model_copy(update=update), now=now)

    def require_fundable(self) -> None:
        """A cycle opens only for a program with money behind it: a CSR program needs a linked allocation."""
        d = self.definition
        if d is not None and d.csr_allocation_id == UNLINKED_ALLOCATION:
            raise Conflict(f"{d.code} is CSR-funded and no approved CSR allocation is linked to it yet",
                           field="program")

    # -- state ----------------------------------------------------------------------------------------------
    def apply_program_rules_set(self, e: ProgramRulesSet) -> None:
        self.definition = ProgramDefinition.model_validate(e.definition)
        self.defined_at = datetime.fromisoformat(e.occurred_at)

    def apply_program_defined(self, e: ProgramDefined) -> None:
        self.defined_at = datetime.fromisoformat(e.occurred_at)

    def apply_program_proposed(self, e: ProgramProposed) -> None:
        self.draft = ProgramDefinition.model_validate(e.definition)
        if e.proposed_by not in self.proposed_by:
            self.proposed_by = [*self.proposed_by, e.proposed_by]
        self.proposed_at = datetime.fromisoformat(e.occurred_at)

    def apply_program_approved(self, e: ProgramApproved) -> None:
        self._decided()

    def apply_program_draft_rejected(self, e: ProgramDraftRejected) -> None:
        self._decided()

    def _decided(self) -> None:
        self.draft, self.proposed_by, self.proposed_at = None, [], None


def _body(d: ProgramDefinition) -> dict[str, Any]:
    return d.model_dump(mode="json")
