"""Which quarter a welfare ranking is of (one that has begun, in the register's lifetime), and the ranking run:
proposed by one officer, approved or rejected by another (four eyes, DESIGN.md)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal
from uuid import UUID

from gotong.domain.aggregate import Aggregate
from gotong.domain.errors import Forbidden, InvalidTransition, ValidationFailed
from gotong.domain.events import DomainEvent
from registry.domain.household import events

#: DTSEN, the register this service keeps, exists from 2025 (Inpres 4/2025): no ranking of an earlier quarter.
FIRST_RANKING_DAY = date(2025, 1, 1)


def quarter_of(on: date) -> tuple[str, date]:
    """The quarter's snapshot name (`2026-Q4`) and its first day."""
    q = (on.month - 1) // 3
    return f"{on.year}-Q{q + 1}", date(on.year, q * 3 + 1, 1)


def check_ranking_day(on: date, today: date) -> date:
    """A ranking is of a quarter that has begun and that the register existed in; any other label would outrank
    every real quarter (a future one) or rewrite history (an earlier one)."""
    if on > today:
        raise ValidationFailed(f"{on.isoformat()} has not come yet: a ranking is of a quarter that has begun",
                               field="on")
    if on < FIRST_RANKING_DAY:
        raise ValidationFailed(f"{on.isoformat()} is before the register existed "
                               f"(first quarter {quarter_of(FIRST_RANKING_DAY)[0]})", field="on")
    return on


# --- the ranking run: proposed by one officer, approved (or rejected) by another ---------------------------
RunStatus = Literal["proposed", "approved", "rejected"]


@events.register
class RankingProposed(DomainEvent):
    """Maker: an officer proposes ranking every active household for the quarter of `on` under a rule version.
    Nothing is ranked and nothing published until another officer approves."""

    event_type: ClassVar[str] = "RankingProposed"
    on: date
    snapshot: str
    rule_version: str
    proposed_by: str


@events.register
class RankingApproved(DomainEvent):
    """Checker: another officer approved; the ranking was computed and applied in the same transaction."""

    event_type: ClassVar[str] = "RankingApproved"
    approved_by: str
    households: int
    changed: int


@events.register
class RankingRejected(DomainEvent):
    """Checker: another officer rejected the proposal; the run never ranks anyone."""

    event_type: ClassVar[str] = "RankingRejected"
    rejected_by: str
    reason: str


def _four_eyes(proposed_by: str, officer: str, *, action: str, field: str) -> None:
    """Maker–checker: the officer who proposed a ranking run never approves (or rejects) it."""
    if proposed_by == officer:
        raise Forbidden(f"maker–checker: the officer who proposed cannot {action} their own proposal "
                        "(four eyes on every ranking run)", field=field)


class RankingRun(Aggregate):
    """One ranking run: proposed → approved | rejected, each decision by an officer other than the proposer.

    The quarter is checked when the run is proposed (`check_ranking_day` on the day given); the rule version is
    fixed then too, so the approver approves exactly what was proposed."""

    stream_type: ClassVar[str] = "ranking_run"

    def initial_state(self) -> None:
        self.on: date | None = None
        self.snapshot = ""
        self.rule_version = ""
        self.status: RunStatus = "proposed"
        self.proposed_by = ""
        self.decided_by: str | None = None
        self.reason: str | None = None
        self.households: int | None = None
        self.changed: int | None = None

    def __init__(self, id: UUID) -> None:
        super().__init__(id)
        self.initial_state()

    @classmethod
    def propose(cls, id: UUID, *, on: date, today: date, rule_version: str, proposed_by: str) -> RankingRun:
        """A proposal to rank the quarter of `on` (a quarter that has begun by `today`, in the register's life)."""
        check_ranking_day(on, today)
        run = cls(id)
        run._record(RankingProposed(on=on, snapshot=quarter_of(on)[0], rule_version=rule_version,
                                    proposed_by=proposed_by))
        return run

    def _decidable(self, officer: str, *, action: str, field: str) -> None:
        if self.status != "proposed":
            raise InvalidTransition(f"ranking run {self.id} is {self.status}; only a proposed run can be "
                                    f"{action}d", field="run_id")
        _four_eyes(self.proposed_by, officer, action=action, field=field)

    def check_approval(self, officer: str) -> None:
        """Whether `officer` may approve now (checked before the ranking is computed, and again when recorded)."""
        self._decidable(officer, action="approve", field="approved_by")

    def approve(self, officer: str, *, households: int, changed: int) -> None:
        """Checker: record the approval with what the applied ranking did (households ranked, desil changed)."""
        self.check_approval(officer)
        self._record(RankingApproved(approved_by=officer, households=households, changed=changed))

    def reject(self, officer: str, reason: str) -> None:
        self._decidable(officer, action="reject", field="rejected_by")
        self._record(RankingRejected(rejected_by=officer, reason=reason))

    # --- state -----------------------------------------------------------------------------------------
    def apply_ranking_proposed(self, e: RankingProposed) -> None:
        self.on, self.snapshot, self.rule_version, self.proposed_by = e.on, e.snapshot, e.rule_version, e.proposed_by

    def apply_ranking_approved(self, e: RankingApproved) -> None:
        self.status, self.decided_by = "approved", e.approved_by
        self.households, self.changed = e.households, e.changed

    def apply_ranking_rejected(self, e: RankingRejected) -> None:
        self.status, self.decided_by, self.reason = "rejected", e.rejected_by, e.reason
