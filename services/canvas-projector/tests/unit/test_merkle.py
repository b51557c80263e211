"""RFC 9162 hashing and proofs against the published test vectors (the 8 test leaves used by
certificate-transparency and transparency-dev/merkle) and against an independent naive implementation."""

import hashlib
import random

import pytest

from canvas_projector.domain.merkle import (
    EMPTY_ROOT,
    MappingSource,
    MemoryTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    nodes_needed,
    root,
    verify_consistency,
    verify_inclusion,
)

LEAVES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                     "606162636465666768696a6b6c6d6e6f")]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
H = bytes.fromhex


def naive_mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 written out directly, sharing no code with the tree under test."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + naive_mth(leaves[:k]) + naive_mth(leaves[k:])).digest()


@pytest.fixture
def tree() -> MemoryTree:
    t = MemoryTree()
    for leaf in LEAVES:
        t.append(leaf)
    return t


def test_roots_of_every_prefix_match_the_published_values(tree):
    small = MemoryTree()
    for n, leaf in enumerate(LEAVES, start=1):
        small.append(leaf)
        assert root(small, n).hex() == ROOTS[n - 1]
    assert root(tree, 8).hex() == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    assert root(MemoryTree(), 0) == EMPTY_ROOT


@pytest.mark.parametrize(("index", "size", "expected"), [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
])
def test_inclusion_proofs_match_the_published_values(tree, index, size, expected):
    proof = inclusion_proof(tree, index, size)
    assert [p.hex() for p in proof] == expected
    assert verify_inclusion(leaf_hash(LEAVES[index]), index, size, proof, H(ROOTS[size - 1]))


@pytest.mark.parametrize(("old", "new", "expected"), [
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
])
def test_consistency_proofs_match_the_published_values(tree, old, new, expected):
    proof = consistency_proof(tree, old, new)
    assert [p.hex() for p in proof] == expected
    assert verify_consistency(old, new, H(ROOTS[old - 1]), H(ROOTS[new - 1]), proof)


def test_tampered_leaf_proof_or_root_fails(tree):
    proof = inclusion_proof(tree, 3, 8)
    good_root = H(ROOTS[7])
    assert verify_inclusion(leaf_hash(LEAVES[3]), 3, 8, proof, good_root)
    assert not verify_inclusion(leaf_hash(b"tampered"), 3, 8, proof, good_root)
    assert not verify_inclusion(leaf_hash(LEAVES[3]), 4, 8, proof, good_root), "wrong index"
    bad = [proof[0][:-1] + bytes([proof[0][-1] ^ 1]), *proof[1:]]
    assert not verify_inclusion(leaf_hash(LEAVES[3]), 3, 8, bad, good_root)
    assert not verify_inclusion(leaf_hash(LEAVES[3]), 3, 8, proof[:-1], good_root), "short proof"
    assert not verify_inclusion(leaf_hash(LEAVES[3]), 3, 8, proof, H(ROOTS[6]))
    cons = consistency_proof(tree, 3, 8)
    assert verify_consistency(3, 8, H(ROOTS[2]), H(ROOTS[7]), cons)
    assert not verify_consistency(3, 8, H(ROOTS[3]), H(ROOTS[7]), cons), "forked history"
    assert not verify_consistency(3, 8, H(ROOTS[2]), H(ROOTS[7]), cons[:-1])


def test_random_trees_agree_with_the_naive_definition_and_verify_every_proof():
    rng = random.Random(9162)
    for n in [*range(1, 40), 127, 128, 129, 1000]:
        leaves = [rng.randbytes(rng.randint(0, 40)) for _ in range(n)]
        t = MemoryTree()
        for leaf in leaves:
            t.append(leaf)
        r = root(t, n)
        assert r == naive_mth(leaves)
        for i in {0, n - 1, rng.randrange(n)}:
            assert verify_inclusion(leaf_hash(leaves[i]), i, n, inclusion_proof(t, i, n), r)
        for m in {1, n, rng.randint(1, n)}:
            assert verify_consistency(m, n, naive_mth(leaves[:m]), r, consistency_proof(t, m, n))


def test_a_proof_can_be_planned_then_answered_from_fetched_nodes(tree):
    wanted = nodes_needed(lambda src: inclusion_proof(src, 5, 8))
    fetched = MappingSource({k: tree.node(*k) for k in wanted})
    assert inclusion_proof(fetched, 5, 8) == inclusion_proof(tree, 5, 8)
    assert len(wanted) <= 8


def test_canonical_leaf_bytes_are_the_standard_library_sorted_compact_json():
    import json

    from canvas_projector.domain.transparency import canonical

    record = {"z": 1, "amount": 750_000, "name_of_region": "Kota Banda Aceh \u2014 Aceh", "desil": None,
              "a": "kutipan \"ganda\" / garis miring"}
    assert canonical(record) == json.dumps(record, sort_keys=True, separators=(",", ":"),
                                           ensure_ascii=False).encode()
