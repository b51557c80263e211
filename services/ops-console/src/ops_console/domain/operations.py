"""What the dashboard counts, decided from the published facts alone: each fact becomes a change to one tracked
item (a cycle, a household under review, an allocation, a payment exception, a cycle's held households) or a
paid payment. Pure: no I/O, no clock (times come from the facts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

#: Cycle states the published facts show, in the order a cycle passes them: a cycle never goes back.
CYCLE_ORDER = {"approved": 1, "paying": 2, "closed": 3}
#: A household's verification states that put it in the review queue.
UNDER_REVIEW = frozenset({"flagged", "under_review"})
#: A payment's last status that leaves an exception open for reconciliation.
OPEN_EXCEPTION = frozenset({"failed", "returned"})
#: Age buckets of the review queue (how long a household has waited).
AGE_BUCKETS = (("<1d", timedelta(days=1)), ("1-7d", timedelta(days=7)), ("7-30d", timedelta(days=30)))


@dataclass(frozen=True)
class Track:
    """Keep `item` of `kind` in `state` (with a reason and the time it began), unless `version` is older than
    the one kept. `forward_only`: the new state must come later in CYCLE_ORDER than the kept one."""

    kind: str
    item: str
    state: str
    since: datetime
    reason: str = ""
    amount: int = 0
    version: int = 0
    forward_only: bool = False


@dataclass(frozen=True)
class Forget:
    """The item is no longer anything the dashboard counts."""

    kind: str
    item: str
    version: int = 0


@dataclass(frozen=True)
class Paid:
    """One payment confirmed paid at `at` (counted per minute)."""

    at: datetime


Change = Track | Forget | Paid


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def household_changed(ref: str, version: int, verification: str, change: str, at: str) -> Change:
    if verification in UNDER_REVIEW:
        return Track("review", ref, verification, parse_time(at), reason=change, version=version)
    return Forget("review", ref, version)


def cycle_reached(cycle_id: str, state: str, at: str, *, held: int = 0) -> list[Change]:
    changes: list[Change] = [Track("cycle", cycle_id, state, parse_time(at), forward_only=True)]
    if state == "closed":
        changes.append(Track("held", cycle_id, "held", parse_time(at), amount=held))
    return changes


def payment_recorded(payment_id: str, cycle_id: str, status: str, attempt: int, at: str) -> list[Change]:
    when = parse_time(at)
    changes: list[Change] = [Track("cycle", cycle_id, "paying", when, forward_only=True)]
    if status in OPEN_EXCEPTION:
        changes.append(Track("exception", payment_id, status, when, reason=f"attempt {attempt}"))
    else:
        changes.append(Forget("exception", payment_id))  # one stream: its facts arrive in order
    if status == "paid":
        changes.append(Paid(when))
    return changes


def allocation_decided(allocation_id: str, status: str, target: str, at: str) -> Change:
    if status == "pending_approval":
        return Track("allocation", allocation_id, status, parse_time(at), reason=target)
    return Forget("allocation", allocation_id)


def awaiting(what: str, item: str, waiting: bool, at: str) -> Change:
    """Something that waits for an officer's decision (an enterprise to verify, an agreement to sign)."""
    if waiting:
        return Track("approval", item, what, parse_time(at), reason=what)
    return Forget("approval", item)


def may_move(kept_state: str, new_state: str) -> bool:
    """A cycle's counted state only moves forward (facts of different streams may arrive out of order)."""
    return CYCLE_ORDER.get(new_state, 0) > CYCLE_ORDER.get(kept_state, 0)


OLDEST_BUCKET = ">30d"


def age_bucket(since: datetime, now: datetime) -> str:
    """How long a review has waited. The dashboard counts reviews by the hour they opened (the read model keeps
    counts per hour), so there `since` is the start of that hour: an age is at most an hour generous."""
    waited = now - since
    for name, limit in AGE_BUCKETS:
        if waited < limit:
            return name
    return OLDEST_BUCKET
