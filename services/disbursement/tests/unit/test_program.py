"""The program aggregate without a database: definitions by version, and CSR funding linked by the ledger."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from gotong_contracts.disbursement import ProgramDefined as PublishedProgramDefined

from disbursement.adapters.shipped import shipped_programs
from disbursement.domain.events import ProgramDefined, ProgramRulesSet, registry
from disbursement.domain.program import UNLINKED_ALLOCATION, Program, program_id
from gotong.domain.clock import FixedClock
from gotong.domain.errors import Conflict

CLOCK = FixedClock(datetime(2026, 9, 1, tzinfo=UTC))
SHIPPED = {p.code: p for p in shipped_programs()}


def defined(code: str) -> Program:
    p = Program.new(code)
    assert p.define(SHIPPED[code], now=CLOCK.now())
    p.mark_saved()
    return p


def test_a_program_is_identified_by_its_code():
    assert Program.new("PKH").id == program_id("PKH") != program_id("BPNT")


def test_defining_records_the_rules_then_the_published_event():
    p = Program.new("BPNT")
    assert p.define(SHIPPED["BPNT"], now=CLOCK.now()) is True
    rules, published = p.pending_events
    assert isinstance(rules, ProgramRulesSet)
    assert isinstance(published, ProgramDefined)
    assert PublishedProgramDefined.model_validate(published.to_data()).model_dump(mode="json") == published.to_data()
    assert p.definition == SHIPPED["BPNT"]
    assert p.defined_at == CLOCK.now()


def test_the_same_definition_again_changes_nothing():
    p = defined("BPNT")
    assert p.define(SHIPPED["BPNT"], now=CLOCK.now()) is False
    assert p.pending_events == []


def test_a_new_rule_version_is_recorded():
    p = defined("BPNT")
    newer = SHIPPED["BPNT"].model_copy(update={"rule_version": "BPNT-2027.1"})
    assert p.define(newer, now=CLOCK.now()) is True
    assert p.definition is not None
    assert p.definition.rule_version == "BPNT-2027.1"


def test_an_unlinked_csr_program_cannot_open_a_cycle_until_an_allocation_links_it():
    p = defined("CSR-PANGAN-JABAR")
    with pytest.raises(Conflict, match="no approved CSR allocation is linked"):
        p.require_fundable()
    assert p.link_allocation("alloc-1", 500_000, now=CLOCK.now()) is True
    p.require_fundable()
    assert p.definition is not None
    assert (p.definition.csr_allocation_id, p.definition.budget) == ("alloc-1", 500_000)


def test_further_allocations_add_to_the_budget_each_once():
    p = defined("CSR-PANGAN-JABAR")
    p.link_allocation("alloc-1", 500_000, now=CLOCK.now())
    assert p.link_allocation("alloc-2", 100_000, now=CLOCK.now()) is True
    assert p.link_allocation("alloc-2", 100_000, now=CLOCK.now()) is False
    assert p.link_allocation("alloc-1", 500_000, now=CLOCK.now()) is False
    assert p.definition is not None
    assert (p.definition.csr_more_allocation_ids, p.definition.budget) == (["alloc-2"], 600_000)


def test_a_government_program_takes_no_csr_allocation():
    p = defined("BPNT")
    assert p.link_allocation("alloc-1", 500_000, now=CLOCK.now()) is False
    assert p.pending_events == []


def test_reloading_the_shipped_configuration_keeps_the_ledgers_links():
    p = defined("CSR-PANGAN-JABAR")
    p.link_allocation("alloc-1", 500_000, now=CLOCK.now())
    p.mark_saved()
    assert SHIPPED["CSR-PANGAN-JABAR"].csr_allocation_id == UNLINKED_ALLOCATION
    assert p.define(SHIPPED["CSR-PANGAN-JABAR"], now=CLOCK.now()) is False
    assert p.definition is not None
    assert p.definition.csr_allocation_id == "alloc-1"


def test_the_definition_comes_back_from_the_events():
    p = Program.new("PKH")
    p.define(SHIPPED["PKH"], now=CLOCK.now())
    events = [(i, registry.decode(e.event_type, 1, e.to_data())) for i, e in enumerate(p.pending_events, start=1)]
    again = Program.replay(p.id, events)
    assert (again.definition, again.defined_at, again.version) == (SHIPPED["PKH"], CLOCK.now(), 2)
