"""Program definitions over the API are drafts until a second officer approves them (four eyes): nothing is in
force or published before that, the proposer can never approve, a draft can be rejected with a reason."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from disbursement.adapters.shipped import shipped_programs
from disbursement.domain.events import ProgramApproved, ProgramDefined, ProgramProposed, ProgramRulesSet, registry
from disbursement.domain.program import Program
from gotong.domain.clock import FixedClock
from gotong.domain.errors import Conflict, Forbidden, InvalidTransition, ValidationFailed

CLOCK = FixedClock(datetime(2026, 9, 1, tzinfo=UTC))
SHIPPED = {p.code: p for p in shipped_programs()}
KECIL = SHIPPED["BPNT"].model_copy(update={"code": "BLT-KECIL", "name": "BLT uji", "rule_version": "v1"})


def proposed(by: str = "ops-1") -> Program:
    p = Program.new("BLT-KECIL")
    assert p.propose(KECIL, by=by, now=CLOCK.now()) is True
    p.mark_saved()
    return p


def test_a_proposal_is_a_draft_neither_in_force_nor_published():
    p = Program.new("BLT-KECIL")
    assert p.propose(KECIL, by="ops-1", now=CLOCK.now()) is True
    assert [type(e) for e in p.pending_events] == [ProgramProposed]
    assert (p.status, p.definition, p.draft, p.proposed_by) == ("draft", None, KECIL, ["ops-1"])


def test_a_draft_cannot_open_a_cycle():
    with pytest.raises(Conflict, match="draft awaiting a second officer's approval") as err:
        proposed().require_in_force()
    assert err.value.field == "program"


def test_the_proposer_can_never_approve():
    p = proposed("ops-1")
    with pytest.raises(Forbidden, match="four eyes .*ops-1 proposed this definition of BLT-KECIL") as err:
        p.approve(by="ops-1", now=CLOCK.now())
    assert err.value.field == "approved_by"
    assert p.pending_events == []
    assert p.definition is None


def test_no_one_who_changed_the_draft_can_approve_it():
    p = proposed("ops-1")
    p.propose(KECIL.model_copy(update={"budget": 1_000}), by="ops-2", now=CLOCK.now())
    for officer in ("ops-1", "ops-2"):
        with pytest.raises(Forbidden):
            p.approve(by=officer, now=CLOCK.now())
    p.approve(by="sup-1", now=CLOCK.now())
    assert p.definition is not None
    assert p.definition.budget == 1_000


def test_approval_by_another_officer_puts_the_draft_in_force_and_publishes_it_once():
    p = proposed("ops-1")
    p.approve(by="sup-1", now=CLOCK.now())
    approved, rules, published = p.pending_events
    assert isinstance(approved, ProgramApproved)
    assert approved.approved_by == "sup-1"
    assert approved.proposed_by == ["ops-1"]
    assert isinstance(rules, ProgramRulesSet)
    assert isinstance(published, ProgramDefined)
    assert (p.status, p.definition, p.draft) == ("approved", KECIL, None)
    p.require_in_force()
    with pytest.raises(InvalidTransition, match="no draft awaiting approval"):
        p.approve(by="sup-2", now=CLOCK.now())
    assert sum(isinstance(e, ProgramDefined) for e in p.pending_events) == 1


def test_a_new_version_is_a_draft_the_version_in_force_stays_until_approved():
    p = Program.new("BPNT")
    p.define(SHIPPED["BPNT"], now=CLOCK.now())  # configuration: in force at once
    p.mark_saved()
    newer = SHIPPED["BPNT"].model_copy(update={"rule_version": "BPNT-2027.1"})
    assert p.propose(newer, by="ops-1", now=CLOCK.now()) is True
    assert [type(e) for e in p.pending_events] == [ProgramProposed]
    assert p.definition == SHIPPED["BPNT"]
    assert p.draft == newer
    assert p.status == "approved"
    p.require_in_force()
    assert p.propose(SHIPPED["BPNT"].model_copy(), by="ops-1", now=CLOCK.now()) is True  # another draft
    p.mark_saved()
    assert p.propose(p.draft, by="ops-1", now=CLOCK.now()) is False  # the same draft again: nothing new


def test_the_definition_in_force_proposed_again_changes_nothing():
    p = Program.new("BPNT")
    p.define(SHIPPED["BPNT"], now=CLOCK.now())
    p.mark_saved()
    assert p.propose(SHIPPED["BPNT"], by="ops-1", now=CLOCK.now()) is False
    assert p.pending_events == []


def test_a_rejected_draft_is_dropped_with_its_reason():
    p = proposed("ops-1")
    with pytest.raises(ValidationFailed):
        p.reject(reason="   ", by="sup-1", now=CLOCK.now())
    p.reject(reason="anggaran belum disetujui DPRD", by="sup-1", now=CLOCK.now())
    assert (p.draft, p.definition, p.proposed_by) == (None, None, [])
    with pytest.raises(InvalidTransition):
        p.approve(by="sup-1", now=CLOCK.now())


def test_drafts_and_decisions_come_back_from_the_events():
    p = Program.new("BLT-KECIL")
    p.propose(KECIL, by="ops-1", now=CLOCK.now())
    p.approve(by="sup-1", now=CLOCK.now())
    p.propose(KECIL.model_copy(update={"rule_version": "v2"}), by="ops-2", now=CLOCK.now())
    events = [(i, registry.decode(e.event_type, 1, e.to_data())) for i, e in enumerate(p.pending_events, start=1)]
    again = Program.replay(p.id, events)
    assert (again.definition, again.draft, again.proposed_by, again.status) == (
        KECIL, p.draft, ["ops-2"], "approved")
