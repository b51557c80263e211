"""The suite's own small data, and the commands that put it into the system through the public APIs.

Households come from the registry's synthetic generator (valid NIK and No. KK); those in West Java get the
poorest attributes, so the ranking puts them in desil 1-2 and the CSR-funded food program has recipients.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from registry.synthetic import households

from .client import Ack, Api

POOREST = {"floor": "tanah", "wall": "bambu", "roof": "ijuk", "floor_area_m2": 14.0, "water": "sungai",
           "lighting": "tanpa_listrik", "cooking_fuel": "kayu", "sanitation": "tidak_ada", "assets": [],
           "livestock": 0, "income_band": 1, "expenditure_band": 1}
SUPERVISOR = "supervisor"
CSR_PROGRAM = "CSR-PANGAN-JABAR"


def _households() -> Iterator[dict[str, Any]]:
    for row in households(2000, seed=20261212, today=date(2026, 10, 1)):
        if row["village_code"].startswith("32."):
            row = {**row, "attributes": dict(POOREST)}
        yield row


@dataclass
class World:
    """What the suite has put into the system, to drive further commands and to check against."""

    api: Api
    _households: Iterator[dict[str, Any]] = field(default_factory=_households)
    _serial: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    company_id: str | None = None
    cycles: dict[str, str] = field(default_factory=dict)  # "PROGRAM period" -> cycle id

    # -- registry ------------------------------------------------------------------------------------------
    async def register_household(self) -> Ack:
        ack = await self.api.command("registry", "/v1/households", next(self._households), kind="register-household")
        assert ack.status == 201, (ack.status, ack.body)
        return ack

    async def rank(self, on: str) -> Ack:
        """Propose a ranking run as the officer and approve it as the supervisor (four eyes): the approval applies
        the ranking and answers what it did."""
        ack = await self.api.command("registry", f"/v1/rankings?on={on}", kind="propose-ranking")
        assert ack.status == 202, (ack.status, ack.body)
        ack = await self.api.command("registry", f"/v1/rankings/{ack.body['run_id']}/approve", kind="approve-ranking",
                                     as_=SUPERVISOR)
        assert ack.status == 200, (ack.status, ack.body)
        return ack

    # -- CSR ledger ----------------------------------------------------------------------------------------
    async def register_company(self) -> Ack:
        n = next(self._serial)
        ack = await self.api.command("csr-ledger", "/v1/companies", {
            "name": f"PT Pangan Lestari {n}", "nib": f"91{n:011d}", "npwp": f"01{n:013d}", "sector": "pangan",
            "tjsl_mandatory": True}, kind="register-company")
        assert ack.status == 201, (ack.status, ack.body)
        self.company_id = ack.body["id"]
        return ack

    async def deposit(self, amount: int = 50_000_000) -> Ack:
        assert self.company_id is not None
        n = next(self._serial)
        # No transfer_id: the Idempotency-Key alone must keep a retried deposit from counting twice.
        ack = await self.api.command("csr-ledger", f"/v1/companies/{self.company_id}/deposits",
                                     {"amount": amount, "reference": f"BNI-FAULT-{n:06d}"}, kind="deposit")
        assert ack.status == 201, (ack.status, ack.body)
        return ack

    async def fund_csr_program(self, amount: int) -> None:
        """Allocate to the CSR-funded program (above the approval threshold) and approve as another officer."""
        assert self.company_id is not None
        ack = await self.api.command("csr-ledger", f"/v1/companies/{self.company_id}/allocations", {
            "target_kind": "program", "target_id": CSR_PROGRAM.lower(), "target_name": "Program Pangan Jawa Barat",
            "amount": amount, "sdgs": [2], "region": "32"}, kind="allocate")
        assert ack.status == 201, (ack.status, ack.body)
        allocation = ack.body.get("allocation_id") or ack.body.get("id")
        ack = await self.api.command("csr-ledger", f"/v1/allocations/{allocation}/approve", kind="approve-allocation",
                                     as_=SUPERVISOR)
        assert ack.status == 200, (ack.status, ack.body)

    # -- social enterprises and partnerships ------------------------------------------------------------
    async def register_enterprise(self) -> Ack:
        n = next(self._serial)
        ack = await self.api.command("enterprise", "/v1/enterprises", {
            "name": f"Koperasi Daur Ulang {n}", "nib": f"81{n:011d}", "legal_form": "koperasi",
            "mission": "mengolah sampah bersama ibu rumah tangga", "sdgs": [8, 12], "region_code": "32.73",
            "groups_served": ["poor_households"], "groups_employed": ["women"]}, kind="register-enterprise")
        assert ack.status == 201, (ack.status, ack.body)
        return ack

    async def register_partner(self) -> Ack:
        n = next(self._serial)
        strand, kind = [("government", "pemkot"), ("campus", "university"), ("industry", "company")][n % 3]
        ack = await self.api.command("partnership", "/v1/partners", {
            "name": f"Mitra Uji {n}", "strand": strand, "kind": kind, "region_code": "35.78"},
            kind="register-partner")
        assert ack.status == 201, (ack.status, ack.body)
        return ack

    # -- disbursement --------------------------------------------------------------------------------------
    async def open_and_approve(self, program: str, period: str, cutoff: str) -> str:
        """Open, compute, review and approve a cycle (maker: the officer; checker: the supervisor)."""
        ack = await self.api.command("disbursement", "/v1/cycles", {"program": program, "period": period,
                                                                    "cutoff": cutoff}, kind="open-cycle")
        assert ack.status == 201, (ack.status, ack.body)
        cycle = ack.body["cycle_id"]
        self.cycles[f"{program} {period}"] = cycle
        ack = await self.api.command("disbursement", f"/v1/cycles/{cycle}/compute", kind="compute-cycle")
        assert ack.status == 200, (ack.status, ack.body)
        ack = await self.api.command("disbursement", f"/v1/cycles/{cycle}/review", {"note": "fault suite"},
                                     kind="review-cycle")
        assert ack.status == 200, (ack.status, ack.body)
        ack = await self.api.command("disbursement", f"/v1/cycles/{cycle}/approve", kind="approve-cycle",
                                     as_=SUPERVISOR)
        assert ack.status == 200, (ack.status, ack.body)
        return cycle

    async def reissue(self, cycle: str) -> int:
        """Ops' answer to a cycle's exceptions: reissue its failed payments and those the channel returned."""
        ack = await self.api.command("disbursement", f"/v1/cycles/{cycle}/reissue-failed", kind="reissue-failed")
        assert ack.status == 200, (ack.status, ack.body)
        reissued = int(ack.body["reissued"])
        for e in await self.api.get("disbursement", "/v1/exceptions", params={"cycle_id": cycle, "status": "open"}):
            if e["kind"] == "returned":
                ack = await self.api.command("disbursement", f"/v1/payments/{e['payment_id']}/reissue",
                                             kind="reissue-payment")
                assert ack.status == 200, (ack.status, ack.body)
                reissued += 1
        return reissued

    async def pay(self, cycle: str, key: str | None = None) -> Ack:
        ack = await self.api.command("disbursement", f"/v1/cycles/{cycle}/pay", kind="pay-cycle", key=key)
        assert ack.status == 200, (ack.status, ack.body)
        return ack
