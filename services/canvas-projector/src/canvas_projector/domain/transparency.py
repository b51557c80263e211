"""The transparency log's rules, without storage: what a record is, how staged records become leaves and
complete-subtree nodes, when a checkpoint may be signed, and what a receipt holds and how it is verified.

Records are sealed into leaves in the source order of their events; complete-subtree hashes are kept by
(level, index), so a proof at any size needs O(log n) nodes. A checkpoint is signed only if the new tree is
consistent with the last one.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from canvas_projector.domain import merkle
from canvas_projector.domain.checkpoint import Checkpoint, open_note, sign, verifier_key

#: What the public log shows of a payment: no person, and no household either, so that one receipt leads to no
#: other receipt of the same household (households are counted from a private table keyed by payment id). Records
#: sealed before 2026-12 keep the `household_ref` they were hashed with, so their receipts still verify.
RECORD_FIELDS = ("payment_id", "attempt", "program_id", "program_code", "cycle_id", "period", "amount",
                 "region_code", "desil", "status", "occurred_at")

Node = tuple[int, int]  # (level, index): the complete subtree of 2**level leaves from leaf index * 2**level


def canonical(record: Mapping[str, Any]) -> bytes:
    """The leaf bytes: JSON with sorted keys, no spaces, UTF-8 — easy to reproduce in any verifier (it is what
    `json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)` gives for these records)."""
    return orjson.dumps(record, option=orjson.OPT_SORT_KEYS)


def record_key(payment_id: str, attempt: int, status: str) -> str:
    """One leaf per record however often it is delivered. A reissued payment is a new attempt: its statuses are
    new records (paid, returned, paid again)."""
    return f"{payment_id}:{attempt}:{status}"


def public_record(payment: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a payment the log publishes (RECORD_FIELDS), nothing else."""
    return {k: payment[k] for k in RECORD_FIELDS}


#: A record waiting to be sealed: (record key, payment id, leaf bytes, ...). Any sequence will do: the store hands
#: its rows over as they come (an object per record would cost more than hashing it).
StagedRecord = Sequence[Any]


def merge_fresh(staged: Sequence[StagedRecord], fresh: Sequence[tuple[str, tuple[int, int], Mapping[str, Any]]],
                known_keys: set[str]) -> list[StagedRecord]:
    """Staged records (in source order) and fresh ones (record key, source position, record) together, in source
    order, as staged rows; a fresh record whose key is known (sealed or staged) already, or repeats an earlier
    fresh one, is dropped (the first delivery wins, as when staging)."""
    seen = known_keys | {r[0] for r in staged}
    merged = list(staged)
    for key, position, record in fresh:
        if key not in seen:
            seen.add(key)
            merged.append((key, str(record["payment_id"]), canonical(record), position[0], position[1]))
    if len(merged) != len(staged):
        merged.sort(key=lambda r: (r[3], r[4]))
    return merged


def frontier(size: int) -> list[Node]:
    """The roots of the complete subtrees a tree of `size` leaves ends with: all that appending needs."""
    return [(level, (size >> level) - 1) for level in range(size.bit_length()) if size >> level & 1]


def seal(size: int, known: dict[Node, bytes], staged: Sequence[StagedRecord],
         ) -> tuple[list[tuple[int, str, str, bytes]], list[tuple[int, int, bytes]]]:
    """Append `staged` (in source order) to a tree of `size` leaves whose frontier nodes are `known`: the new leaves
    (index, record key, payment id, bytes) and every complete-subtree node they complete (level, index, hash)."""
    known = dict(known)
    leaves: list[tuple[int, str, str, bytes]] = []
    nodes: list[tuple[int, int, bytes]] = []
    for offset, record in enumerate(staged):
        index = size + offset
        data = bytes(record[2])
        h = merkle.leaf_hash(data)
        leaves.append((index, record[0], record[1], data))
        level, i = 0, index
        known[(0, i)] = h
        nodes.append((0, i, h))
        while i % 2 == 1:
            h = merkle.node_hash(known[(level, i - 1)], h)
            level, i = level + 1, i // 2
            known[(level, i)] = h
            nodes.append((level, i, h))
    return leaves, nodes


@dataclass
class SignedCheckpoint:
    size: int
    root: bytes
    note: str


@dataclass(frozen=True)
class LastCheckpoint:
    size: int
    root: bytes


class TransparencyLog:
    """The log's identity and signing key: signs checkpoints and writes receipts."""

    def __init__(self, origin: str, key_name: str, key: Ed25519PrivateKey) -> None:
        self.origin = origin
        self.key_name = key_name
        self.key = key

    @property
    def verifier_key(self) -> str:
        return verifier_key(self.key_name, self.key.public_key())

    @staticmethod
    def needs_checkpoint(size: int, last: LastCheckpoint | None) -> bool:
        """A checkpoint is signed for a non-empty tree whose size no checkpoint has yet."""
        return size != 0 and (last is None or last.size != size)

    def sign_checkpoint(self, size: int, root: bytes, last: LastCheckpoint | None,
                        proof: Sequence[bytes] = ()) -> SignedCheckpoint:
        """Sign the tree of `size` with `root`, after proving it consistent with the last signed checkpoint
        (`proof`: the consistency proof from `last.size` to `size`)."""
        if last is not None:
            if size < last.size:
                raise RuntimeError("the log shrank: refusing to sign")
            if not merkle.verify_consistency(last.size, size, last.root, root, proof):
                raise RuntimeError("the log is not consistent with its last checkpoint: refusing to sign")
        return SignedCheckpoint(size, root, sign(Checkpoint(self.origin, size, root), self.key_name, self.key))

    def receipt(self, leaf: bytes, leaf_index: int, tree_size: int, proof: Sequence[bytes],
                checkpoint_note: str) -> dict[str, Any]:
        """Everything needed to verify a record offline against a signed checkpoint."""
        return {
            "record": json.loads(leaf),
            "leaf_index": leaf_index,
            "tree_size": tree_size,
            "inclusion_proof": [base64.b64encode(p).decode() for p in proof],
            "checkpoint": checkpoint_note,
            "verifier_key": self.verifier_key,
        }


def verify_receipt(receipt: dict[str, Any], vkey: str) -> Checkpoint:
    """Offline verification of a receipt: the checkpoint's signature, then the record's inclusion under it.
    Raises ValueError saying what failed."""
    checkpoint = open_note(receipt["checkpoint"], vkey)
    for number in ("leaf_index", "tree_size"):
        if type(receipt[number]) is not int:  # JSON true or 8.0 or "8" is not a leaf index or a size
            raise ValueError(f"the receipt's {number} is not a whole number")
    if checkpoint.size != receipt["tree_size"]:
        raise ValueError("the receipt's tree size differs from its checkpoint")
    proof = [base64.b64decode(p) for p in receipt["inclusion_proof"]]
    leaf = merkle.leaf_hash(canonical(receipt["record"]))
    if not merkle.verify_inclusion(leaf, receipt["leaf_index"], checkpoint.size, proof, checkpoint.root):
        raise ValueError("the record is not in the log under this checkpoint (tampered record or proof)")
    return checkpoint
