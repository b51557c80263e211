"""What a channel report does to a payment: a pure decision, so every path (success, failure, return, wrong
amount, duplicate or stale report) is specified by tests without a database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ChannelStatus = Literal["rcvd", "pdng", "succ", "rjct"]
AWAITING = ("instructed", "reissued")


@dataclass(frozen=True, slots=True)
class Report:
    """One `disbursements_status` entry of an on-disburse (or txn on-status) message."""

    attempt: int
    status: ChannelStatus
    amount: int | None
    returned: bool = False
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Effect:
    new_status: str | None  # None: the payment does not change
    confirmed_amount: int | None = None
    exception: str | None = None  # a reconciliation exception for ops to look at
    reason: str | None = None


NOTHING = Effect(None)


def apply_report(status: str, attempt: int, instructed: int, report: Report) -> Effect:
    if report.attempt != attempt:
        if report.status == "succ" and not report.returned:
            # An earlier attempt succeeded after all while another is live: money may have gone out twice.
            return Effect(None, report.amount, "stale_attempt_paid", f"attempt {report.attempt} reported paid "
                          f"while attempt {attempt} is current")
        return NOTHING
    if report.status in ("rcvd", "pdng"):
        return NOTHING
    if status in AWAITING:
        if report.returned:
            return Effect("returned", 0, "returned", report.reason or "returned by the channel")
        if report.status == "rjct":
            return Effect("failed", 0, "failed", report.reason or "rejected by the channel")
        confirmed = instructed if report.amount is None else report.amount
        if confirmed != instructed:
            return Effect("paid", confirmed, "amount_mismatch",
                          f"instructed Rp {instructed} but the channel paid Rp {confirmed}")
        return Effect("paid", confirmed)
    if status == "paid":
        if report.returned:
            return Effect("returned", 0, "returned", report.reason or "returned by the channel")
        if report.status == "rjct":
            return Effect(None, None, "conflicting_report", report.reason or "rejected after it was paid")
        return NOTHING  # the same success again
    return NOTHING  # failed or returned: a repeat changes nothing; a reissue starts a new attempt
