"""The transparency log's use cases: stage payments, seal what every partition has passed, sign checkpoints,
answer proofs and receipts. The rules are the domain's; the rows come from `TransparencyLogTable`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from gotong_contracts.disbursement import PaymentRecorded

from canvas_projector.adapters.transparency_log import ConsumerProgress, TransparencyLogTable
from canvas_projector.domain import merkle
from canvas_projector.domain import transparency as rules
from canvas_projector.domain.transparency import SignedCheckpoint, StagedRecord, TransparencyLog
from gotong.domain.errors import ValidationFailed
from gotong.eventstore.model import START, Position
from gotong.heap import collector_paused

#: How long a batch waits for the sealer to finish (it signs in milliseconds) before staging all it could seal.
#: Staged records cost a batch more than the wait, and they make the sealer's next pass longer: without waiting, a
#: batch meeting the sealer staged everything and the next batches met a longer sealer (replays staged 7% to 61%).
SEALER_WAIT_MS = 2000


async def stage_payments(log: TransparencyLogTable,
                         payments: Iterable[tuple[Position, Mapping[str, Any] | PaymentRecorded]],
                         horizon: Position | None = None) -> int:
    """Stage a batch of payments in one statement (replays run at tens of thousands of events a second); each
    payment is its PaymentRecorded contract (or that contract's validated fields), and the record is taken from them.

    With a `horizon` (how far every partition has been read, this batch included), stage and seal in one pass:
    the batch's records at or before it become leaves at once with the staged records they follow, and only the
    rest is staged — unless the sealer holds the log for more than `SEALER_WAIT_MS`: then all is staged rather
    than waiting longer (every record of the batch is past the horizon the sealer works to, so the order of the
    leaves is the same).
    Returns how many leaves were appended.

    The household each payment reached is remembered privately (the record leaves it out), for the counts; the
    figures of the records sealed here take it from the batch (as the table keeps it), not from the table again."""
    with collector_paused():
        households: dict[str, str] = {}
        rows = [_row(position, p if type(p) is dict or isinstance(p, Mapping) else vars(p), households)
                for position, p in payments]  # a dict first: an ABC check costs more than the rest
    kept = await log.remember_households(households) if households else {}
    if kept:  # a payment's household was known before, and not as this batch says: the figures count the known one
        rows = [(*r[:5], kept[r[1]], r[6]) if r[1] in kept else r for r in rows]
    if horizon is None or horizon == START or not await log.try_lock(SEALER_WAIT_MS):
        # no horizon yet; or the sealer is at work for long: stage all, it (or the next batch) seals them
        if rows:
            await log.stage(rows)
        return 0
    upto = (horizon.tx_id, horizon.position)
    sealed = await seal(log, horizon, [r for r in rows if (r[3], r[4]) <= upto], locked=True)
    later = [r for r in rows if (r[3], r[4]) > upto]
    if later:
        await log.stage(later)
    return sealed


def _row(position: Position, payment: Mapping[str, Any], households: dict[str, str]) -> StagedRecord:
    """A payment as a staged record that skips staging: record key, payment id, leaf bytes, source tx id, source
    position, then the household its payment reached (the first of the batch: `households` learns it) and the
    published record (for its figures)."""
    record = rules.public_record(payment)
    payment_id = str(payment["payment_id"])
    return (rules.record_key(payment_id, payment["attempt"], payment["status"]), payment_id, rules.canonical(record),
            position.tx_id, position.position, households.setdefault(payment_id, payment["household_ref"]), record)


async def stage(log: TransparencyLogTable, record_key: str, position: Position, record: dict[str, Any]) -> None:
    """Remember one record until it can be sealed; a record staged or sealed before changes nothing."""
    await log.stage([(record_key, str(record["payment_id"]), rules.canonical(record), position.tx_id,
                      position.position)])


async def seal(log: TransparencyLogTable, horizon: Position, fresh: Sequence[StagedRecord] = (), *,
               locked: bool = False) -> int:
    """Append staged records at or before `horizon` as leaves, in source order, with `fresh` records (at or
    before it too, as `_row` makes them) that skip staging: a fresh record whose key is a leaf or staged already
    changes nothing, as if it had been staged. Returns how many leaves were appended. (`locked`: the caller holds
    the lock.)"""
    if not locked:
        await log.lock()  # first: one sealer at a time, and each sees what the one before it sealed
    staged = await log.take_staged(horizon)
    known = await log.known_keys([r[0] for r in fresh]) if fresh else set()
    if not staged and not fresh:
        return 0
    size, frontier = await log.frontier()
    with collector_paused():
        if fresh:
            staged = rules.merge_fresh(staged, fresh, known)
        leaves, nodes = rules.seal(size, frontier, staged)
        figures = log.figures(leaves, staged)
    if not leaves:
        return 0
    await log.append(leaves, nodes, figures)
    return len(leaves)


async def _source(log: TransparencyLogTable, plan: Callable[[merkle.NodeSource], object]) -> merkle.MappingSource:
    """The nodes a proof needs, fetched in one query."""
    return merkle.MappingSource(await log.nodes(sorted(merkle.nodes_needed(plan))))


async def tree_root(log: TransparencyLogTable, size: int) -> bytes:
    return merkle.root(await _source(log, lambda s: merkle.root(s, size)), size)


async def inclusion_proof(log: TransparencyLogTable, index: int, size: int) -> list[bytes]:
    return merkle.inclusion_proof(await _source(log, lambda s: merkle.inclusion_proof(s, index, size)), index, size)


async def consistency_proof(log: TransparencyLogTable, old: int, new: int) -> list[bytes]:
    return merkle.consistency_proof(await _source(log, lambda s: merkle.consistency_proof(s, old, new)), old, new)


async def sign_checkpoint(log: TransparencyLogTable, tlog: TransparencyLog) -> SignedCheckpoint | None:
    """Sign the current tree, after proving it consistent with the last signed checkpoint."""
    size = await log.size()
    last = await log.last_checkpoint()
    if not tlog.needs_checkpoint(size, last):
        return None
    root = await tree_root(log, size)
    proof = await consistency_proof(log, last.size, size) if last is not None and last.size <= size else []
    signed = tlog.sign_checkpoint(size, root, last, proof)
    await log.add_checkpoint(signed)
    return signed


def horizon(watermarks: dict[int, Position], partitions: Sequence[int]) -> Position | None:
    """How far every partition of the topic has been read: the smallest watermark over `partitions` (those the
    consumer is assigned now: rows of partitions a topic no longer has must not hold the log back), or None
    while one of them has not been read yet (it could still hold older records)."""
    if len(watermarks) < len(set(partitions)) or not watermarks:
        return None
    return min(watermarks.values())


async def seal_and_sign(log: TransparencyLogTable, progress: ConsumerProgress, tlog: TransparencyLog,
                        consumer: str, topic: str, partitions: Sequence[int]) -> int:
    """Seal what every partition has passed, then sign a checkpoint if the log grew — unless the consumer is
    sealing a batch in one pass just now: then nothing, and the next round does it. (Waiting for it would queue
    the sealer's lock ahead of the consumer's next batch, which would then stage all it could have sealed.)"""
    upto = horizon(await progress.watermarks(consumer, topic, partitions), partitions)
    if upto is None or not await log.try_lock():
        return 0
    sealed = await seal(log, upto, locked=True)
    await sign_checkpoint(log, tlog)
    return sealed


# -- queries ----------------------------------------------------------------------------------------------------
async def checked_inclusion_proof(log: TransparencyLogTable, index: int, size: int) -> list[bytes]:
    if size > await log.size() or index >= size:
        raise ValidationFailed("index must be below size, and size at most the log's size", field="size")
    return await inclusion_proof(log, index, size)


async def checked_consistency_proof(log: TransparencyLogTable, old: int, new: int) -> list[bytes]:
    if old > new or new > await log.size():
        raise ValidationFailed("need 1 <= old <= new <= the log's size", field="old")
    return await consistency_proof(log, old, new)


async def receipt(log: TransparencyLogTable, tlog: TransparencyLog, payment_id: str, status: str,
                  attempt: int | None = None) -> dict[str, Any] | None:
    """Everything needed to verify a payment record offline against the latest signed checkpoint: the record of
    that status, of the given attempt (a reissue is a new attempt) or else the latest one. None while the
    record is not under a signed checkpoint."""
    leaf = await log.leaf_of(payment_id, status, attempt)
    checkpoint = await log.latest_note()
    if leaf is None or checkpoint is None or leaf[0] >= checkpoint[0]:
        return None
    index, data = leaf
    size, note = checkpoint
    return tlog.receipt(data, index, size, await inclusion_proof(log, index, size), note)
