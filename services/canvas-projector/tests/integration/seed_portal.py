"""Facts for the canvas and map tests, fed to the projector's own handlers: two approved programs whose
households overlap, payments in three provinces (one returned), and the register's poorest households."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from fastapi import FastAPI
from gotong_contracts import disbursement, registry

from canvas_projector.adapters.transparency_log import TransparencyLogTable
from canvas_projector.application import transparency
from canvas_projector.entrypoints.consumers import catalog, network
from gotong.api.app import runtime
from gotong.eventstore.model import Position

PROGRAMS = {"PKH": ("Program Keluarga Harapan", "apbn", "2026-09-01T00:00:00Z"),
            "BPNT": ("Bantuan Pangan Non-Tunai", "apbn", "2026-09-01T00:00:00Z"),
            "PANGAN-BARU": ("Pangan Baru", "csr", "2026-12-05T00:00:00Z")}  # approved after the payments


def payment(n: int, household: int, program: str, regency: str, amount: int, at: str,
            status: str = "paid") -> dict[str, Any]:
    return {"payment_id": f"pay-{n}", "household_ref": f"hh_{household:05x}", "program_id": program.lower(),
            "program_code": program, "cycle_id": f"{program}-{at[:7]}", "period": at[:7], "amount": amount,
            "region_code": f"{regency}.01.2001", "desil": 2, "status": status, "occurred_at": at}


def payments() -> list[dict[str, Any]]:
    """PKH: 20 households in Kota Bandung (32.73) in September and October; BPNT: 12 of the same households in
    November (one of them, hh 11, has moved to Kota Semarang, 33.74) plus 11 in Kota Semarang; 3 households in
    Kota Surabaya (35.78); one BPNT payment returned.
    Households reached: 20 + 10 + 3 = 33 (the 12 in both programs once, the returned one not), though the
    programs count 20 + 25."""
    out, n = [], 0
    for hh in range(20):
        for at in ("2026-09-15T03:00:00Z", "2026-10-15T03:00:00Z"):
            out.append(payment(n := n + 1, hh, "PKH", "32.73", 750_000, at))
    for hh in [*range(12), *range(100, 111)]:
        out.append(payment(n := n + 1, hh, "BPNT", "32.73" if hh < 11 else "33.74", 200_000,
                           "2026-11-20T03:00:00Z"))
    for hh in range(200, 203):
        out.append(payment(n := n + 1, hh, "BPNT", "35.78", 200_000, "2026-11-20T03:00:00Z"))
    out.append(payment(n + 1, 110, "BPNT", "33.74", 200_000, "2026-11-25T03:00:00Z", "returned"))
    return out


async def seed(app: FastAPI) -> None:
    kit = runtime(app)
    async with kit.database.transaction() as sql:
        log = TransparencyLogTable(sql)
        for n, r in enumerate(payments()):
            await transparency.stage(log, f"{r['payment_id']}:{r['status']}", Position(1, n + 1), r)
        await transparency.seal(log, Position(1, 10_000))
    for code, (name, funding, at) in PROGRAMS.items():
        await deliver(app, catalog.on_event, "disbursement.events", disbursement.ProgramDefined(
            program_id=code.lower(), code=code, name=name, funding_source=funding, eligibility_summary="desil 1-4",
            rule_version="1", occurred_at=at))
    # the register: 40 desil 1-4 households in Kota Bandung, 44 in Kota Semarang, 5 in desil 7 (not counted)
    for i, (regency, desil) in enumerate([("32.73", 1)] * 40 + [("33.74", 3)] * 44 + [("32.73", 7)] * 5):
        await deliver(app, network.on_event, "registry.events", registry.HouseholdChanged(
            household_ref=f"r-{i}", household_version=1, change="registered", village_code=f"{regency}.01.2001",
            district_code=f"{regency}.01", regency_code=regency, province_code=regency[:2], verification="verified",
            members=[], desil=desil, occurred_at="2026-08-01T00:00:00Z"))


async def deliver(app: FastAPI, handler: Any, topic: str, fact: Any) -> None:
    message = SimpleNamespace(topic=topic, event=SimpleNamespace(
        event_type=fact.event_type, schema_version=fact.schema_version, data=fact.model_dump(mode="json")))
    async with runtime(app).database.transaction() as sql:  # as the kit's consumer calls it
        await handler(sql.connection, message)
