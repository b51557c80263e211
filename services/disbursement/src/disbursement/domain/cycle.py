"""The cycle aggregate: open → computed → reviewed → approved (maker–checker, budget) → paying → closed →
reconciled. State changes only by applying its events; a wrong-state command is refused with the reason."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import ClassVar
from uuid import UUID

from disbursement.domain.events import (
    CycleApproved,
    CycleClosed,
    CycleOpened,
    CycleReconciled,
    CycleReviewed,
    EntitlementsComputed,
    PaymentsInstructed,
    registry,
)
from gotong.domain.aggregate import Aggregate
from gotong.domain.errors import Conflict, Forbidden, InvalidTransition, ValidationFailed

__all__ = ["Cycle", "CycleApproved", "CycleClosed", "CycleOpened", "CycleReconciled", "CycleReviewed",
           "EntitlementsComputed", "PaymentsInstructed", "PERIOD_PATTERN", "STATUSES", "check_period", "registry"]

STATUSES = ("open", "computed", "reviewed", "approved", "paying", "closed", "reconciled")
PERIOD_PATTERN = r"^\d{4}-(Q[1-4]|M(0[1-9]|1[0-2])|T[1-9])$"


def check_period(period: str) -> str:
    """A period is a quarter, a month or a tranche of a year: 2026-Q4, 2026-M07, 2026-T1."""
    if not re.match(PERIOD_PATTERN, period):
        raise ValidationFailed("period must look like 2026-Q4, 2026-M07 or 2026-T1", field="period")
    return period


class Cycle(Aggregate):
    stream_type: ClassVar[str] = "cycle"

    def initial_state(self) -> None:
        self.status = "new"
        self.program_id = ""
        self.period = ""
        self.opened_by = ""
        self.computed_by: str | None = None
        self.reviewed_by: str | None = None
        self.households = 0
        self.held = 0
        self.total_amount = 0
        self.cutoff: date | None = None
        self.rule_version = ""
        self.approved_by: str | None = None
        self.opened_at: datetime | None = None
        self.approved_at: datetime | None = None
        self.closed_at: datetime | None = None

    def __init__(self, id: UUID) -> None:
        super().__init__(id)
        self.initial_state()

    # -- commands -------------------------------------------------------------------------------
    @classmethod
    def open(cls, id: UUID, *, program_id: str, program_code: str, period: str, cutoff: str, rule_version: str,
             by: str, now: str) -> Cycle:
        cycle = cls(id)
        cycle._record(CycleOpened(program_id=program_id, program_code=program_code, period=period, cutoff=cutoff,
                                  rule_version=rule_version, opened_by=by, occurred_at=now))
        return cycle

    def _require(self, *states: str, action: str) -> None:
        if self.status not in states:
            raise InvalidTransition(f"cannot {action}: the cycle is {self.status}, it must be "
                                    f"{' or '.join(states)}", field="status", cycle_status=self.status)

    def require_computable(self) -> None:
        self._require("open", action="compute entitlements")

    def computed(self, *, households: int, held: int, total_amount: int, rule_version: str, by: str,
                 now: str) -> None:
        self.require_computable()
        self._record(EntitlementsComputed(households=households, held=held, total_amount=total_amount,
                                          rule_version=rule_version, computed_by=by, occurred_at=now))

    def review(self, *, by: str, note: str | None, now: str) -> None:
        self._require("computed", action="review")
        self._record(CycleReviewed(reviewed_by=by, note=note, occurred_at=now))

    def approve(self, *, by: str, budget_remaining: int, now: str) -> None:
        self._require("reviewed", action="approve")
        if by in (self.opened_by, self.computed_by):
            raise Forbidden(f"maker–checker: {by} opened or computed this cycle and cannot approve it; "
                            "a different officer must approve", field="approved_by")
        if self.total_amount > budget_remaining:
            raise Conflict(f"budget exhausted: the cycle needs Rp {self.total_amount:,} but the program has "
                           f"Rp {budget_remaining:,} left".replace(",", "."), field="total_amount",
                           needed=self.total_amount, remaining=budget_remaining)
        self._record(CycleApproved(program_id=self.program_id, cycle_id=str(self.id), period=self.period,
                                   households=self.households, total_amount=self.total_amount, approved_by=by,
                                   occurred_at=now))

    def instruct(self, *, instructed: int, amount: int, by: str, now: str) -> None:
        self._require("approved", "paying", action="instruct payments")
        self._record(PaymentsInstructed(instructed=instructed, amount=amount, by=by, occurred_at=now))

    def require_payable(self) -> None:
        self._require("approved", "paying", action="instruct payments")

    def close(self, *, in_flight: int, summary: dict[str, int], by: str, now: str) -> None:
        self._require("paying", action="close")
        if in_flight:
            raise InvalidTransition(f"cannot close: {in_flight} payments still await the channel's confirmation",
                                    field="status", in_flight=in_flight)
        self._record(CycleClosed(program_id=self.program_id, cycle_id=str(self.id), period=self.period,
                                 closed_by=by, occurred_at=now, **summary))

    def reconcile(self, *, open_exceptions: int, by: str, now: str) -> None:
        self._require("closed", action="reconcile")
        if open_exceptions:
            raise InvalidTransition(f"cannot reconcile: {open_exceptions} reconciliation exceptions are still "
                                    "open", field="status", open_exceptions=open_exceptions)
        self._record(CycleReconciled(reconciled_by=by, occurred_at=now))

    # -- state ----------------------------------------------------------------------------------
    def apply_cycle_opened(self, e: CycleOpened) -> None:
        self.status, self.program_id, self.period, self.opened_by = "open", e.program_id, e.period, e.opened_by
        self.cutoff, self.rule_version = date.fromisoformat(e.cutoff), e.rule_version
        self.opened_at = datetime.fromisoformat(e.occurred_at)

    def apply_entitlements_computed(self, e: EntitlementsComputed) -> None:
        self.status, self.households, self.total_amount = "computed", e.households, e.total_amount
        self.held, self.computed_by = e.held, e.computed_by

    def apply_cycle_reviewed(self, e: CycleReviewed) -> None:
        self.status, self.reviewed_by = "reviewed", e.reviewed_by

    def apply_cycle_approved(self, e: CycleApproved) -> None:
        self.status, self.approved_by = "approved", e.approved_by
        self.approved_at = datetime.fromisoformat(e.occurred_at)

    def apply_payments_instructed(self, e: PaymentsInstructed) -> None:
        self.status = "paying"

    def apply_cycle_closed(self, e: CycleClosed) -> None:
        self.status = "closed"
        self.closed_at = datetime.fromisoformat(e.occurred_at)

    def apply_cycle_reconciled(self, e: CycleReconciled) -> None:
        self.status = "reconciled"
