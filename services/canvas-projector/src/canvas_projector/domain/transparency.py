"""The transparency log's rules, without storage: what a record is, how staged records become leaves and
complete-subtree nodes, when a checkpoint may be signed, and what a receipt holds and how it is verified.

Records are sealed into leaves in the source order of their events; complete-subtree hashes are kept by
(level, index), so a proof at any size needs O(log n) nodes. A checkpoint is signed only if the new tree is
consistent with the last one.
"""

from __future__ import annotations

import base64
import hashlib
import json
import operator
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
    return dict(zip(RECORD_FIELDS, _published(payment), strict=True))


_published = operator.itemgetter(*RECORD_FIELDS)


#: A record waiting to be sealed: (record key, payment id, leaf bytes, source tx id, source position, ...). Any
#: sequence will do: the store hands its rows over as they come (an object per record would cost more than hashing
#: it), and a fresh record carries what the store would otherwise read again after these five.
StagedRecord = Sequence[Any]


def merge_fresh(staged: Sequence[StagedRecord], fresh: Sequence[StagedRecord],
                known_keys: set[str]) -> list[StagedRecord]:
    """Staged records (in source order) and fresh ones (staged rows too, in any order) together, in source order;
    a fresh record whose key is known (sealed or staged) already, or repeats an earlier fresh one, is dropped (the
    first delivery wins, as when staging)."""
    seen = known_keys | {r[0] for r in staged}
    merged = list(staged)
    for row in fresh:
        key = row[0]
        if key not in seen:
            seen.add(key)
            merged.append(row)
    if len(merged) != len(staged):
        merged.sort(key=_source_order)
    return merged


def _source_order(row: StagedRecord) -> tuple[int, int]:
    return row[3], row[4]


def frontier(size: int) -> list[Node]:
    """The roots of the complete subtrees a tree of `size` leaves ends with: all that appending needs."""
    return [(level, (size >> level) - 1) for level in range(size.bit_length()) if size >> level & 1]


def seal(size: int, known: dict[Node, bytes], staged: Sequence[StagedRecord],
         ) -> tuple[list[tuple[int, str, str, bytes]], list[tuple[int, int, bytes]]]:
    """Append `staged` (in source order) to a tree of `size` leaves whose frontier nodes are `known`: the new leaves
    (index, record key, payment id, bytes) and every complete-subtree node they complete (level, index, hash).

    The hashes are `merkle.leaf_hash` and `merkle.node_hash`, written out: a new node's left sibling is always the
    last node completed on its level, the frontier's to begin with, so one hash per level is all it keeps."""
    last: list[bytes | None] = [None] * 64
    for level, index in frontier(size):
        last[level] = known[(level, index)]
    leaves: list[tuple[int, str, str, bytes]] = []
    nodes: list[tuple[int, int, bytes]] = []
    add_leaf, add_node, sha256 = leaves.append, nodes.append, hashlib.sha256
    for index, record in enumerate(staged, size):
        data = record[2]
        if type(data) is not bytes:
            data = bytes(data)
        h = sha256(b"\x00" + data).digest()
        add_leaf((index, record[0], record[1], data))
        add_node((0, index, h))
        level, i = 0, index
        while i & 1:
            left = last[level]
            if left is None:
                raise KeyError((level, i - 1))
            h = sha256(b"\x01" + left + h).digest()
            level, i = level + 1, i >> 1
            add_node((level, i, h))
        last[level] = h
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
