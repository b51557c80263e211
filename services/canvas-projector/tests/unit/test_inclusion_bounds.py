"""An inclusion proof binds a leaf to one index of one tree size: the same proof presented for an index outside
[0, size) -- index == size, past it, negative -- for another tree size, or one hash short or long, is refused
by the log's own check (`merkle.verify_inclusion`) and by the proof builder."""

import pytest

from canvas_projector.domain.merkle import MemoryTree, inclusion_proof, leaf_hash, root, verify_inclusion

LEAVES = [f"record-{i}".encode() for i in range(16)]


def tree(n: int) -> MemoryTree:
    t = MemoryTree()
    for leaf in LEAVES[:n]:
        t.append(leaf)
    return t


T = tree(16)
ROOT = {n: root(T, n) for n in range(1, 17)}


def proof(index: int, size: int) -> list[bytes]:
    return inclusion_proof(T, index, size)


def test_the_genuine_proof_of_leaf_0_in_a_tree_of_8_verifies():
    assert verify_inclusion(leaf_hash(LEAVES[0]), 0, 8, proof(0, 8), ROOT[8])


@pytest.mark.parametrize(("leaf", "presented_as"), [
    (0, 8),    # index == size: leaf 0's path walks exactly like index 8's would
    (1, 9),    # index > size, same walk as leaf 1
    (0, 16),   # index > size, a multiple of the size
    (0, -8),   # negative: -8 >> k walks like 0
    (7, -1),   # negative: -1 >> k walks like the last leaf
    (3, -5),
])
def test_an_index_outside_the_tree_is_refused(leaf, presented_as):
    assert not verify_inclusion(leaf_hash(LEAVES[leaf]), presented_as, 8, proof(leaf, 8), ROOT[8])


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13, 16])
def test_no_index_outside_any_tree_verifies_with_any_genuine_proof(size):
    for index in range(size):
        genuine = proof(index, size)
        for outside in (size, size + index, 2 * size, index - size, -1, -size - 1):
            assert not verify_inclusion(leaf_hash(LEAVES[index]), outside, size, genuine, ROOT[size]), \
                (index, outside, size)


@pytest.mark.parametrize("other_size", [5, 7, 9, 12, 16])
def test_a_proof_presented_for_another_tree_size_is_refused(other_size):
    assert not verify_inclusion(leaf_hash(LEAVES[0]), 0, other_size, proof(0, 8), ROOT[other_size])


def test_a_proof_one_hash_too_short_or_too_long_is_refused():
    genuine = proof(5, 8)
    leaf = leaf_hash(LEAVES[5])
    assert verify_inclusion(leaf, 5, 8, genuine, ROOT[8])
    assert not verify_inclusion(leaf, 5, 8, genuine[:-1], ROOT[8])
    assert not verify_inclusion(leaf, 5, 8, [*genuine, genuine[-1]], ROOT[8])
    assert not verify_inclusion(leaf, 5, 8, [*genuine, ROOT[8]], ROOT[8])
    assert not verify_inclusion(leaf, 5, 8, [], ROOT[8])


def test_a_tree_of_one_leaf_takes_an_empty_proof_and_nothing_else():
    leaf = leaf_hash(LEAVES[0])
    assert verify_inclusion(leaf, 0, 1, [], ROOT[1])
    assert not verify_inclusion(leaf, 0, 1, [ROOT[1]], ROOT[1])
    assert not verify_inclusion(leaf, 1, 1, [], ROOT[1])
    assert not verify_inclusion(leaf, 0, 0, [], ROOT[1])


@pytest.mark.parametrize(("index", "size"), [(8, 8), (9, 8), (-1, 8), (0, 0), (0, -1)])
def test_no_proof_is_built_for_a_leaf_outside_the_tree(index, size):
    with pytest.raises(ValueError, match=f"leaf {index} is not in a tree of size {size}"):
        inclusion_proof(T, index, size)
