"""What the disbursement API answers: typed models for the OpenAPI document and generated clients.

Money is whole rupiah; households appear only by their pseudonymous registry reference (desil: the DTSEN welfare
decile, 1 the poorest). A key a query adds only sometimes (an outcome counted in a region, a payment status seen
in a cycle) is kept as an extra member and named in the model's docstring, not declared with a default.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from gotong.api.answers import Answer

Outcome = Literal["eligible", "held", "not_eligible"]


# -- programs ------------------------------------------------------------------------------------------------
class ProgramTerms(Answer):
    """What a program is: its code, funding and budget, and the rule version of its definition."""

    program_id: str = Field(examples=["7d0b4f7e-2f3a-5c1e-9a51-4b8e0d1c2a33"])
    code: str = Field(examples=["PKH", "BPNT", "BLT-DD"])
    name: str = Field(examples=["Program Keluarga Harapan"])
    funding_source: Literal["apbn", "apbd", "csr"]
    csr_allocation_id: str | None = Field(description="the CSR allocation funding it (CSR programs only)")
    csr_more_allocation_ids: list[str]
    rule_version: str = Field(examples=["2026.1"])
    budget: int = Field(examples=[12_000_000_000])


class ProgramView(ProgramTerms):
    """A program in force: rules and benefit formula (as in `ProgramDefinition`), budget committed and left."""

    eligibility_summary: str
    committed: int = Field(description="what approved cycles hold", examples=[3_600_000_000])
    returned: int = Field(description="payments returned by the channel", examples=[750_000])
    remaining: int = Field(examples=[8_400_000_000])
    rules: list[dict[str, Any]] = Field(description="the eligibility rules, each with `id` and `kind`")
    benefit: dict[str, Any] = Field(description="the benefit formula, by `kind` (flat, monthly, per_member)")


class ProgramDraft(ProgramTerms):
    """A definition proposed and awaiting a second officer's approval."""

    status: Literal["draft"]
    rule_version_in_force: str | None = Field(description="None: a new program")
    proposed_by: list[str]
    proposed_at: str = Field(examples=["2026-11-30T08:15:00+00:00"])
    eligibility_summary: str
    rules: list[dict[str, Any]]
    benefit: dict[str, Any]


class ProgramProposal(ProgramTerms):
    """A program after a proposal or an approval: the pending draft (or the definition now in force)."""

    changed: bool = Field(description="False: the same definition again, nothing new")
    status: Literal["draft", "approved"]
    rule_version_in_force: str | None
    proposed_by: str | None = Field(description="who proposed the latest draft")


class ProgramRejected(Answer):
    program_id: str
    code: str
    status: Literal["rejected"]
    rule_version: str = Field(description="the rejected draft's")
    reason: str
    rejected_by: str
    rule_version_in_force: str | None = Field(description="the definition that stays in force, if any")


# -- eligibility -----------------------------------------------------------------------------------------------
class DesilUsed(Answer):
    """The registry ranking a decision used (the one in force at the cut-off)."""

    value: int | None
    rule_version: str | None
    snapshot: str | None


class RuleChecked(Answer):
    rule_id: str = Field(examples=["desil-1-4"])
    kind: str = Field(examples=["desil_band", "region", "verification", "composition", "exclude_programs",
                                "benefit"])
    description: str
    result: Literal["pass", "fail", "hold"]
    facts: dict[str, Any] = Field(description="the household's facts the rule looked at")


class MemberCounted(Answer):
    member_ref: str
    counted: bool
    component: str | None = Field(examples=["sd", "elderly"])
    annual_amount: int
    reason: str


class Decision(Answer):
    """Whether a household qualifies, and why: every rule with its facts, every member with its component."""

    household_ref: str
    program_code: str
    rule_version: str
    outcome: Outcome
    amount: int = Field(examples=[750_000])
    members_counted: int
    desil: DesilUsed
    rules: list[RuleChecked]
    members: list[MemberCounted]


class Explanation(Decision):
    cutoff: str = Field(examples=["2026-09-30"])
    period: str | None = Field(examples=["2026-Q4"])


class RegionOutcomes(Answer):
    """A regency's households by outcome: `eligible`, `held`, `not_eligible` (an outcome none had is absent)."""

    regency_code: str = Field(examples=["32.73"])


class DryRun(Answer):
    """Who would qualify at a cut-off: counts per outcome and per regency, and the first decisions explained."""

    program: str
    rule_version: str
    cutoff: str
    households_considered: int
    outcomes: dict[str, int] = Field(examples=[{"eligible": 120, "held": 4, "not_eligible": 876}])
    total_amount: int
    note: str
    per_region: list[RegionOutcomes]
    decisions: list[Decision]


# -- cycles ----------------------------------------------------------------------------------------------------
class CycleProgress(Answer):
    entitlements: int
    held: int
    entitled_amount: int
    candidates: int | None = Field(description="households in the replica (while the cycle is open)")


class PaymentTally(Answer):
    count: int
    amount: int


class CycleView(Answer):
    """A cycle: status, the officers of each step, totals, progress of computation and payments.
    `payments` counts them by status (instructed, reissued, paid, failed, returned: those seen)."""

    cycle_id: str
    program_id: str
    program_code: str = Field(examples=["PKH"])
    period: str = Field(examples=["2026-Q4"])
    cutoff: str = Field(examples=["2026-09-30"])
    status: Literal["open", "computed", "reviewed", "approved", "paying", "closed", "reconciled"]
    rule_version: str
    households: int
    held: int
    total_amount: int
    opened_by: str
    computed_by: str | None
    reviewed_by: str | None
    approved_by: str | None
    approved_at: str | None
    progress: CycleProgress
    payments: dict[str, PaymentTally] = Field(examples=[{"paid": {"count": 3, "amount": 1_800_000}}])


class CyclePaid(CycleView):
    instructed_now: int = Field(description="payments instructed by this call")
    instructed_amount_now: int


class CloseSummary(Answer):
    paid_households: int
    paid_amount: int
    returned_amount: int
    failed_payments: int
    held_households: int
    open_exceptions: int


class CycleClosed(CycleView):
    summary: CloseSummary


class Entitlement(Answer):
    household_ref: str
    amount: int
    status: Literal["eligible", "held", "cancelled"]
    members_counted: int
    desil: int | None
    desil_rule_version: str | None
    village_code: str = Field(examples=["32.73.01.1001"])


class ComputedEntitlement(Answer):
    amount: int
    status: Literal["eligible", "held", "cancelled"]
    members_counted: int
    desil: int | None
    desil_rule_version: str | None
    desil_snapshot: str | None
    household_version: int
    rule_version: str


class EntitlementExplained(Answer):
    """A cycle's decision for one household (None: none computed) and the rules evaluated again today
    (None: the household left the replica since)."""

    cycle_id: str
    program_code: str
    period: str
    cutoff: str
    computed: ComputedEntitlement | None
    explanation_now: Explanation | None


# -- payments and exceptions -----------------------------------------------------------------------------------
class PaymentReissued(Answer):
    payment_id: str
    status: Literal["reissued"]
    attempt: int = Field(examples=[2])


class FailedReissued(Answer):
    cycle_id: str
    reissued: int


class ReconciliationException(Answer):
    """What the channel confirmed differs from what was instructed."""

    exception_id: str
    payment_id: str
    cycle_id: str
    attempt: int
    kind: str = Field(examples=["failed", "returned", "amount_mismatch", "unknown_reference", "amount_disputed"])
    instructed_amount: int
    confirmed_amount: int | None
    reason: str | None
    status: Literal["open", "resolved"]
    resolution: str | None
    created_at: str


class ExceptionRaised(Answer):
    """The exception a disputed amount opened (or the one the same reference opened before)."""

    exception_id: str
    payment_id: str
    kind: Literal["amount_disputed"]
    status: Literal["open", "resolved"]


class ExceptionResolved(Answer):
    exception_id: str
    status: Literal["resolved"]
    resolution: str


# -- reports ---------------------------------------------------------------------------------------------------
class DesilShare(Answer):
    desil: int | None
    households: int
    share: float


class Targeting(Answer):
    """Recipients per desil, and the inclusion and exclusion errors against desil 1–4."""

    cycle_id: str
    program_code: str
    period: str
    recipients: int
    per_desil: list[DesilShare]
    targets_desil_1_4: bool
    inclusion_error: float = Field(examples=[0.0412])
    exclusion_error: float = Field(examples=[0.1875])
    desil_1_4_households: int
    desil_1_4_not_reached: int
    definitions: str


class RegionCoverage(Answer):
    region_code: str
    desil_1_4_households: int
    recipients: int
    entitled_amount: int
    coverage: float | None = Field(description="recipients / desil 1-4 households (None: none there)")


class Coverage(Answer):
    cycle_id: str
    program_code: str
    period: str
    level: Literal["province", "regency"]
    regions: list[RegionCoverage]


class Paid(Answer):
    """Paid, returned and still in flight, for one program's cycle in one region."""

    program_code: str
    period: str
    cycle_id: str
    region_code: str
    paid_households: int
    paid_amount: int
    returned_amount: int
    in_flight: int


class Seconds(Answer):
    p50: float | None
    p90: float | None
    max: float | None


class ApprovalToPayment(Answer):
    program_code: str
    period: str
    cycle_id: str
    approved_at: str
    paid_households: int
    seconds_to_payment: Seconds


class ReceivedProgram(Answer):
    program_code: str
    program_name: str
    period: str
    status: Literal["paid", "in_process", "not_paid"]


class RecipientPrograms(Answer):
    """The status check: programs a household received and their period, nothing else."""

    household_ref: str
    programs: list[ReceivedProgram]


# -- G2P Connect -----------------------------------------------------------------------------------------------
class G2pError(Answer):
    code: str = Field(examples=["err.request.bad", "err.signature.invalid"])
    message: str


class G2pAckMessage(Answer):
    ack_status: Literal["ACK", "NACK", "ERR"]
    timestamp: str = Field(examples=["2026-11-30T08:15:00+00:00"])
    correlation_id: str = Field(description="the callback's header.message_id ('' when it could not be read)")
    error: G2pError | None = None


class G2pAck(Answer):
    """G2P Connect's acknowledgement (`Ack`): ACK, or NACK/ERR with the error."""

    message: G2pAckMessage
