"""Every inclusion and consistency proof of every tree up to 64 leaves verifies, and each one fails with any
single hash flipped, one hash dropped, or another root -- exhaustively, so a change in the verifiers' walk that
only shows on some shape of tree cannot hide. Plus the edges: sizes 0 and equal sizes."""

import hashlib

import pytest

from canvas_projector.domain.merkle import (
    MemoryTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

N = 64
TREE = MemoryTree()
for i in range(N):
    TREE.append(i.to_bytes(2, "big"))
ROOTS = {n: root(TREE, n) for n in range(1, N + 1)}


def flipped(h: bytes) -> bytes:
    return h[:-1] + bytes([h[-1] ^ 1])


def test_every_inclusion_proof_verifies_and_any_damage_is_refused():
    for n in range(1, N + 1):
        for i in range(n):
            leaf, proof = leaf_hash(i.to_bytes(2, "big")), inclusion_proof(TREE, i, n)
            assert verify_inclusion(leaf, i, n, proof, ROOTS[n]), (i, n)
            assert not verify_inclusion(flipped(leaf), i, n, proof, ROOTS[n])
            for k in range(len(proof)):
                assert not verify_inclusion(leaf, i, n, [*proof[:k], flipped(proof[k]), *proof[k + 1:]], ROOTS[n])
            if proof:
                assert not verify_inclusion(leaf, i, n, proof[:-1], ROOTS[n])
            assert not verify_inclusion(leaf, i, n, [*proof, ROOTS[n]], ROOTS[n])


def test_every_consistency_proof_verifies_and_any_damage_is_refused():
    for new in range(1, N + 1):
        for old in range(1, new + 1):
            proof = consistency_proof(TREE, old, new)
            assert verify_consistency(old, new, ROOTS[old], ROOTS[new], proof), (old, new)
            assert not verify_consistency(old, new, flipped(ROOTS[old]), ROOTS[new], proof), (old, new)
            assert not verify_consistency(old, new, ROOTS[old], flipped(ROOTS[new]), proof), (old, new)
            for k in range(len(proof)):
                bad = [*proof[:k], flipped(proof[k]), *proof[k + 1:]]
                assert not verify_consistency(old, new, ROOTS[old], ROOTS[new], bad), (old, new, k)
            if proof:
                assert not verify_consistency(old, new, ROOTS[old], ROOTS[new], proof[:-1]), (old, new)
                assert not verify_consistency(old, new, ROOTS[old], ROOTS[new], [*proof, proof[-1]]), (old, new)


def test_equal_sizes_need_an_empty_proof_and_the_same_root():
    assert verify_consistency(8, 8, ROOTS[8], ROOTS[8], [])
    assert not verify_consistency(8, 8, ROOTS[8], ROOTS[8], [ROOTS[8]])
    assert not verify_consistency(8, 8, ROOTS[8], ROOTS[7], [])


@pytest.mark.parametrize(("old", "new"), [(0, 8), (9, 8), (0, 0), (-1, 8)])
def test_no_consistency_between_impossible_sizes(old, new):
    proof = consistency_proof(TREE, 3, 8)
    r_old = ROOTS.get(old, hashlib.sha256(b"").digest())
    assert not verify_consistency(old, new, r_old, ROOTS.get(new, r_old), proof)
    with pytest.raises(ValueError, match=f"no consistency proof from size {old} to size {new}"):
        consistency_proof(TREE, old, new)
