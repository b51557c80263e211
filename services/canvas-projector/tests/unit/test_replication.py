"""How other services' facts become replica rows and staged log records (application handlers over recording
fakes, no database): keys that make redelivery harmless, returned money as negative spending, only approved
allocations, and the seal horizon over the partitions read now."""

import json
from datetime import UTC, datetime

import pytest
from gotong_contracts import csr_ledger, disbursement, registry
from gotong_contracts.disbursement import PaymentRecorded

from canvas_projector.application.replication import apply_catalog_fact, apply_network_fact
from canvas_projector.application.transparency import horizon, stage_payments
from canvas_projector.domain.transparency import RECORD_FIELDS
from gotong.eventstore.model import Position

AT = "2026-11-28T08:00:00Z"
WHEN = datetime(2026, 11, 28, 8, tzinfo=UTC)


class Recorder:
    """Stands for an adapter: records each call as (method, args)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[object, ...]]] = []

    def __getattr__(self, name: str):
        async def record(*args: object) -> None:
            self.calls.append((name, args))
        return record


async def catalog(fact) -> list[tuple[str, tuple[object, ...]]]:
    replica = Recorder()
    await apply_catalog_fact(replica, fact)  # type: ignore[arg-type]
    return replica.calls


async def test_programs_and_companies_are_replicated_with_their_time():
    program = disbursement.ProgramDefined(program_id="pkh", code="PKH", name="PKH", funding_source="apbn",
                                          eligibility_summary="Desil 1-4.", rule_version="1", occurred_at=AT)
    assert await catalog(program) == [("program", ("pkh", "PKH", "PKH", "apbn", "Desil 1-4.", WHEN))]
    company = csr_ledger.CompanyRegistered(company_id="co", name="PT A", sector="energi", tjsl_mandatory=True,
                                           occurred_at=AT)
    assert await catalog(company) == [("company", ("co", "PT A", "energi", True, WHEN))]


async def test_csr_money_flows_are_keyed_once_per_fact():
    pledge = csr_ledger.PledgeMade(pledge_id="pl", company_id="co", year=2026, amount=5, themes=[], sdgs=[2],
                                   regions=["32"], occurred_at=AT)
    deposit = csr_ledger.DepositReceived(transfer_id="tr", company_id="co", amount=2, occurred_at=AT)
    assert await catalog(pledge) == [("flow", ("pledge:pl", "pledge", "co", 5, "2026", WHEN))]
    assert await catalog(deposit) == [("flow", ("deposit:tr", "deposit", "co", 2, None, WHEN))]


@pytest.mark.parametrize(("status", "flows"), [("approved", 1), ("rejected", 0)])
async def test_only_an_approved_allocation_is_money_committed(status, flows):
    allocation = csr_ledger.AllocationDecided(allocation_id="al", company_id="co", target_kind="program",
                                              target_id="pkh", target_name="PKH", amount=1, sdgs=[2], status=status,
                                              occurred_at=AT)
    assert len(await catalog(allocation)) == flows


async def test_a_returned_payment_is_negative_spending_and_each_transfer_counts_once():
    def spending(status: str, transfer_id: str | None):
        return csr_ledger.SpendingRecorded(payment_id="p", transfer_id=transfer_id, allocation_id="al",
                                           company_id="co", program_id="pkh", province_code="32",
                                           regency_code="32.73", amount=300, status=status, occurred_at=AT)

    assert await catalog(spending("paid", "t1")) == [("flow", ("spending:t1", "spending", "co", 300, "pkh", WHEN))]
    assert await catalog(spending("returned", "t2")) == [
        ("flow", ("spending:t2", "spending", "co", -300, "pkh", WHEN))]
    assert (await catalog(spending("returned", None)))[0][1][0] == "spending:p:returned"  # before transfer ids


async def test_register_facts_keep_only_counts():
    replica = Recorder()
    await apply_network_fact(replica, registry.HouseholdErased(household_ref="h-1", occurred_at=AT))  # type: ignore[arg-type]
    await apply_network_fact(replica, registry.HouseholdsMerged(  # type: ignore[arg-type]
        surviving_ref="h-2", merged_refs=["h-3"], occurred_at=AT))
    await apply_network_fact(replica, object())  # type: ignore[arg-type]
    assert replica.calls == [("household_erased", ("h-1",)), ("households_merged", (["h-3"],))]


def payment(i: int, status: str = "paid", attempt: int = 1) -> PaymentRecorded:
    return PaymentRecorded(payment_id=f"pay-{i}", attempt=attempt, household_ref=f"hh_{i:05x}", program_id="pkh",
                           program_code="PKH", cycle_id="2026-Q4", period="2026-Q4", amount=750_000,
                           region_code="32.73.01.1001", province_code="32", regency_code="32.73", desil=2,
                           funding_source="apbn", status=status, occurred_at=AT)


async def test_payments_are_staged_as_public_records_keyed_by_attempt_and_status():
    log = Recorder()
    await stage_payments(log, iter([(Position(1, 1), payment(1)), (Position(1, 2), payment(1, "paid", 2))]))  # type: ignore[arg-type]
    [(remember, (households,)), (method, (staged,))] = log.calls
    assert remember == "remember_households"
    assert households == {"pay-1": "hh_00001"}, "the household, privately, for the counts (once a payment)"
    assert method == "stage"
    assert [(r[0], Position(r[3], r[4])) for r in staged] == [("pay-1:1:paid", Position(1, 1)),
                                                              ("pay-1:2:paid", Position(1, 2))]
    assert list(staged[0][6]) == list(RECORD_FIELDS)  # no province, regency or funding source: not published
    assert json.loads(staged[0][2]) == staged[0][6], "the leaf is that record"
    empty = Recorder()
    await stage_payments(empty, iter([]))  # type: ignore[arg-type]
    assert empty.calls == []


def test_the_seal_horizon_waits_for_every_partition_read_now():
    marks = {0: Position(5, 1), 1: Position(3, 9), 2: Position(7, 0)}
    assert horizon(marks, [0, 1, 2]) == Position(3, 9)
    assert horizon({0: Position(5, 1)}, [0, 1]) is None, "partition 1 not read yet: it may hold older records"
    assert horizon({}, []) is None
