"""Merkle Tree Hash, inclusion and consistency proofs exactly as RFC 9162 §2.1 (the algorithms are the RFC's,
names included: MTH, PATH, SUBPROOF), over any source of complete-subtree hashes.

Hashes: leaf = SHA-256(0x00 || d), node = SHA-256(0x01 || left || right). A `NodeSource` answers `node(level,
index)`: the hash of the complete subtree of 2**level leaves starting at leaf index * 2**level. Any MTH of a range
decomposes into O(log n) such nodes, so proofs need O(log n) lookups however large the log grows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Protocol


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


EMPTY_ROOT = hashlib.sha256(b"").digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


class NodeSource(Protocol):
    def node(self, level: int, index: int) -> bytes: ...


class MemoryTree:
    """All complete-subtree hashes in memory; appending a leaf completes at most log2(n) new nodes."""

    def __init__(self) -> None:
        self.levels: list[list[bytes]] = [[]]

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def append(self, data: bytes) -> int:
        return self.append_hash(leaf_hash(data))

    def append_hash(self, h: bytes) -> int:
        index = self.size
        self.levels[0].append(h)
        level, i = 0, index
        while i % 2 == 1:
            parent = node_hash(self.levels[level][i - 1], self.levels[level][i])
            level += 1
            if len(self.levels) == level:
                self.levels.append([])
            self.levels[level].append(parent)
            i //= 2
        return index

    def node(self, level: int, index: int) -> bytes:
        return self.levels[level][index]


def subtree_hash(src: NodeSource, start: int, size: int) -> bytes:
    """MTH(D[start:start+size]) for a range that starts on a multiple of its split point (as RFC ranges do)."""
    if size & (size - 1) == 0 and start % size == 0:
        return src.node(size.bit_length() - 1, start // size)
    k = _split(size)
    return node_hash(subtree_hash(src, start, k), subtree_hash(src, start + k, size - k))


def root(src: NodeSource, size: int) -> bytes:
    return EMPTY_ROOT if size == 0 else subtree_hash(src, 0, size)


def inclusion_proof(src: NodeSource, index: int, size: int) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 §2.1.3.1."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")

    def path(m: int, start: int, n: int) -> list[bytes]:
        if n == 1:
            return []
        k = _split(n)
        if m < k:
            return [*path(m, start, k), subtree_hash(src, start + k, n - k)]
        return [*path(m - k, start + k, n - k), subtree_hash(src, start, k)]

    return path(index, 0, size)


def consistency_proof(src: NodeSource, old: int, new: int) -> list[bytes]:
    """PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of RFC 9162 §2.1.4.1."""
    if not 0 < old <= new:
        raise ValueError(f"no consistency proof from size {old} to size {new}")

    def subproof(m: int, start: int, n: int, complete: bool) -> list[bytes]:
        if m == n:
            return [] if complete else [subtree_hash(src, start, n)]
        k = _split(n)
        if m <= k:
            return [*subproof(m, start, k, complete), subtree_hash(src, start + k, n - k)]
        return [*subproof(m - k, start + k, n - k, False), subtree_hash(src, start, k)]

    return subproof(old, 0, new, True)


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], expected_root: bytes) -> bool:
    """RFC 9162 §2.1.3.2, given the leaf hash. The RFC's indexes are unsigned: a negative one is refused too
    (Python's -1 >> 1 == -1 would otherwise walk the path of a leaf counted from the end)."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == expected_root


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2."""
    if old == new:
        return not proof and old_root == new_root
    if not 0 < old < new or not proof:
        return False
    path = list(proof)
    if old & (old - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0


class RecordingSource:
    """Runs a proof computation without hashes to learn which nodes it needs (so a database can fetch them in
    one query), then `MappingSource` answers from the fetched nodes."""

    def __init__(self) -> None:
        self.wanted: set[tuple[int, int]] = set()

    def node(self, level: int, index: int) -> bytes:
        self.wanted.add((level, index))
        return b"\x00" * 32


class MappingSource:
    def __init__(self, nodes: dict[tuple[int, int], bytes]) -> None:
        self.nodes = nodes

    def node(self, level: int, index: int) -> bytes:
        return self.nodes[(level, index)]


def nodes_needed(fn: Callable[[NodeSource], object]) -> set[tuple[int, int]]:
    recorder = RecordingSource()
    fn(recorder)
    return recorder.wanted
