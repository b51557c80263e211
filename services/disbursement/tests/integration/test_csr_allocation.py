"""A CSR-funded program waits for its company's allocation (from `csr-ledger.events`), then spends at most what
its allocations hold: a second company's allocation adds to the budget (each counted once)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from gotong_contracts.csr_ledger import AllocationDecided

from disbursement.adapters.shipped import shipped_programs
from disbursement.application.programs import define_program
from disbursement.entrypoints.consumers.csr import on_csr_event
from disbursement.fixtures import changed, member
from gotong.api.app import runtime
from gotong.eventstore.model import EventMetadata, Position, RecordedEvent
from gotong.messaging.cloudevents import decode, encode
from gotong.messaging.consumer import Delivered
from gotong.messaging.topics import events_topic


def allocation(status: str = "approved", target: str = "csr-pangan-jabar", amount: int = 500_000) -> Delivered:
    fact = AllocationDecided(allocation_id=str(uuid4()), company_id=str(uuid4()), target_kind="program",
                             target_id=target, target_name="Program Pangan Jawa Barat", amount=amount, sdgs=[2],
                             region="32", status=status, occurred_at=datetime.now(UTC).isoformat())  # type: ignore[arg-type]
    event = RecordedEvent(uuid4(), "allocation", 1, uuid4(), fact.event_type, 1, fact.model_dump(mode="json"),
                          datetime.now(UTC), EventMetadata(), Position(1, 1))
    _, value, headers = encode("csr-ledger", event)
    return Delivered(decode(value, headers), events_topic("csr-ledger"), 0, 0)


async def test_a_csr_program_opens_cycles_only_once_an_allocation_is_linked(env):
    await env.households(*(changed(f"HH-{i}", 1, desil=1, members=[member("m", "2024-01")]) for i in range(3)))
    r = await env.post("/v1/cycles", body={"program": "CSR-PANGAN-JABAR", "period": "2026-Q4",
                                           "cutoff": "2026-10-01"})
    assert r.status_code == 409
    assert "no approved CSR allocation is linked" in r.json()["detail"]
    pending, approved, later = allocation("pending_approval"), allocation(), allocation(amount=100_000)
    async with runtime(env.app).engine.begin() as conn:
        for message in (pending, approved, later, approved, later):
            await on_csr_event(conn, message)
    programs = {p["code"]: p for p in (await env.client.get("/v1/programs", headers=env.ops)).json()}
    csr = programs["CSR-PANGAN-JABAR"]
    assert csr["csr_allocation_id"] == approved.event.data["allocation_id"]
    assert csr["csr_more_allocation_ids"] == [later.event.data["allocation_id"]]
    assert csr["budget"] == 600_000, "both allocations, each once; the pending one not at all"
    # A restart loads the shipped configuration again: the ledger's link is kept.
    shipped = next(p for p in shipped_programs() if p.code == "CSR-PANGAN-JABAR")
    async with runtime(env.app).units.begin(EventMetadata()) as uow:
        assert (await define_program(uow, shipped))["changed"] is False
    # The program's budget is its allocations: three households at Rp250.000 need more than they hold.
    cid = await env.cycle("CSR-PANGAN-JABAR", until="reviewed")
    r = await env.post(f"/v1/cycles/{cid}/approve", env.supervisor)
    assert r.status_code == 409
    assert "budget exhausted" in r.json()["detail"]
    defined = await env.sql("SELECT count(*) AS n FROM events WHERE event_type = 'ProgramDefined'")
    assert defined[0]["n"] == 6  # the four shipped programs, the CSR one once linked and once co-funded
