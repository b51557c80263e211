"""The transparency log's rules without a database: what a record is, sealing staged records onto a tree known
only by its frontier, when a checkpoint is signed (never for a shrunk or forked log), receipts."""

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from canvas_projector.domain import merkle
from canvas_projector.domain.checkpoint import open_note
from canvas_projector.domain.transparency import (
    RECORD_FIELDS,
    LastCheckpoint,
    StagedRecord,
    TransparencyLog,
    canonical,
    frontier,
    public_record,
    record_key,
    seal,
    verify_receipt,
)

TLOG = TransparencyLog("transparansi.test/log", "transparansi.test", Ed25519PrivateKey.generate())


def record(i: int) -> dict:
    return {"payment_id": f"pay-{i}", "attempt": 1, "household_ref": f"hh_{i:05x}", "program_id": "pkh",
            "program_code": "PKH", "cycle_id": "2026-Q4", "period": "2026-Q4", "amount": 750_000,
            "region_code": "32.73.01.1001", "desil": 2, "status": "paid", "occurred_at": "2026-11-28T08:00:00Z"}


def staged(i: int) -> StagedRecord:
    return (record_key(f"pay-{i}", 1, "paid"), f"pay-{i}", canonical(record(i)))


def test_a_record_is_its_public_fields_in_canonical_json():
    payment = {**record(1), "name": "Siti", "nik": "3273010101010001"}
    published = public_record(payment)
    assert list(published) == list(RECORD_FIELDS)
    assert "name" not in published
    assert "nik" not in published
    assert canonical(published) == json.dumps(published, sort_keys=True, separators=(",", ":"),
                                              ensure_ascii=False).encode()
    assert record_key("pay-1", 2, "paid") == "pay-1:2:paid"  # a reissue's records are new leaves


@pytest.mark.parametrize(("size", "expected"), [
    (0, []), (1, [(0, 0)]), (2, [(1, 0)]), (3, [(0, 2), (1, 0)]), (6, [(1, 2), (2, 0)]),
    (7, [(0, 6), (1, 2), (2, 0)]), (8, [(3, 0)]),
])
def test_the_frontier_is_the_complete_subtrees_a_tree_ends_with(size, expected):
    assert frontier(size) == expected


@pytest.mark.parametrize("batches", [[1], [5], [1, 1, 1, 1], [3, 4, 9], [8, 8], [7, 1, 16, 5]])
def test_sealing_in_batches_from_the_frontier_builds_the_rfc_tree(batches):
    memory = merkle.MemoryTree()
    nodes: dict[tuple[int, int], bytes] = {}
    size = 0
    for batch in batches:
        records = [staged(size + k) for k in range(batch)]
        known = {n: nodes[n] for n in frontier(size)}  # all a sealer reads
        leaves, new_nodes = seal(size, known, records)
        assert [leaf[0] for leaf in leaves] == list(range(size, size + batch))
        assert [leaf[1:] for leaf in leaves] == [tuple(r) for r in records]
        for level, index, h in new_nodes:
            assert (level, index) not in nodes, "a node is written once"
            nodes[(level, index)] = h
        for r in records:
            memory.append(r[2])
        size += batch
    assert nodes == {(lvl, i): h for lvl, hashes in enumerate(memory.levels) for i, h in enumerate(hashes)}
    assert merkle.root(merkle.MappingSource(nodes), size) == merkle.root(memory, size)


def test_sealing_does_not_touch_the_known_nodes_it_is_given():
    known = {(0, 0): merkle.leaf_hash(b"a")}
    seal(1, known, [staged(1)])
    assert known == {(0, 0): merkle.leaf_hash(b"a")}


def tree(n: int) -> merkle.MemoryTree:
    t = merkle.MemoryTree()
    for i in range(n):
        t.append(canonical(record(i)))
    return t


def test_a_checkpoint_is_signed_for_a_grown_non_empty_tree_only():
    assert not TLOG.needs_checkpoint(0, None)
    assert TLOG.needs_checkpoint(1, None)
    assert not TLOG.needs_checkpoint(5, LastCheckpoint(5, b"r"))
    assert TLOG.needs_checkpoint(6, LastCheckpoint(5, b"r"))


def test_the_first_checkpoint_and_a_consistent_next_one_are_signed():
    t = tree(13)
    first = TLOG.sign_checkpoint(5, merkle.root(t, 5), None)
    checkpoint = open_note(first.note, TLOG.verifier_key)
    assert (checkpoint.origin, checkpoint.size, checkpoint.root) == ("transparansi.test/log", 5, merkle.root(t, 5))
    proof = merkle.consistency_proof(t, 5, 13)
    second = TLOG.sign_checkpoint(13, merkle.root(t, 13), LastCheckpoint(5, first.root), proof)
    assert (second.size, open_note(second.note, TLOG.verifier_key).size) == (13, 13)


def test_a_shrunk_or_forked_log_is_never_signed():
    t = tree(13)
    last = LastCheckpoint(13, merkle.root(t, 13))
    with pytest.raises(RuntimeError, match="shrank"):
        TLOG.sign_checkpoint(5, merkle.root(t, 5), last)
    forked = merkle.MemoryTree()
    for i in range(20):
        forked.append(canonical({**record(i), "amount": 1} if i == 2 else record(i)))
    with pytest.raises(RuntimeError, match="not consistent"):
        TLOG.sign_checkpoint(20, merkle.root(forked, 20), last, merkle.consistency_proof(forked, 13, 20))
    with pytest.raises(RuntimeError, match="not consistent"):  # the right tree, no proof
        TLOG.sign_checkpoint(20, merkle.root(tree(20), 20), last, [])


def test_a_receipt_verifies_offline_and_tampering_is_caught():
    t = tree(9)
    signed = TLOG.sign_checkpoint(9, merkle.root(t, 9), None)
    receipt = TLOG.receipt(canonical(record(4)), 4, 9, merkle.inclusion_proof(t, 4, 9), signed.note)
    assert receipt["record"] == record(4)
    assert receipt["verifier_key"] == TLOG.verifier_key
    assert verify_receipt(receipt, TLOG.verifier_key).size == 9
    with pytest.raises(ValueError, match="not in the log"):
        verify_receipt({**receipt, "record": {**record(4), "amount": 7_500_000}}, TLOG.verifier_key)
    with pytest.raises(ValueError, match="not in the log"):
        verify_receipt({**receipt, "leaf_index": 5}, TLOG.verifier_key)
    with pytest.raises(ValueError, match="whole number"):
        verify_receipt({**receipt, "leaf_index": 4.0}, TLOG.verifier_key)
    with pytest.raises(ValueError, match="tree size differs"):
        verify_receipt({**receipt, "tree_size": 8}, TLOG.verifier_key)
    other = TransparencyLog("transparansi.test/log", "transparansi.test", Ed25519PrivateKey.generate())
    with pytest.raises(ValueError, match="signature|no signature"):
        verify_receipt(receipt, other.verifier_key)


def test_fresh_records_join_the_staged_ones_in_source_order_and_a_known_key_is_dropped():
    from canvas_projector.domain.transparency import merge_fresh

    def row(i: int, tx: int, position: int) -> tuple:
        return (f"pay-{i}:1:paid", f"pay-{i}", canonical(record(i)), tx, position, "what the store keeps")

    staged = [row(1, 5, 1)[:5], row(3, 9, 1)[:5]]
    fresh = [row(2, 7, 1), row(3, 8, 1),  # staged first: it wins
             row(4, 4, 2), row(4, 4, 3),  # the first delivery wins
             row(0, 1, 1)]                # sealed before
    merged = merge_fresh(staged, fresh, known_keys={"pay-0:1:paid"})
    assert [(r[0], r[3], r[4]) for r in merged] == [
        ("pay-4:1:paid", 4, 2), ("pay-1:1:paid", 5, 1), ("pay-2:1:paid", 7, 1), ("pay-3:1:paid", 9, 1)]
    assert merged[0][1:3] == ("pay-4", canonical(record(4)))
    assert merged[0][5] == "what the store keeps", "a fresh record keeps what it carries"
    assert merge_fresh(staged, [], set()) == staged
