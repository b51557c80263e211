"""The standalone verifier (`canvas_projector.verify`, and `verify_receipt` under it) on receipts made here
without a server: a genuine receipt verifies; one whose leaf index lies outside the tree, whose tree size
differs from its signed checkpoint, or whose proof is a hash short or long does not (exit status 1)."""

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from canvas_projector import verify
from canvas_projector.domain.checkpoint import Checkpoint, sign, verifier_key
from canvas_projector.domain.merkle import MemoryTree, inclusion_proof, root
from canvas_projector.domain.transparency import canonical, verify_receipt

KEY = Ed25519PrivateKey.generate()
NAME = "transparansi.test"
VKEY = verifier_key(NAME, KEY.public_key())
RECORDS = [{"payment_id": f"pay-{i}", "attempt": 1, "amount": 750_000, "status": "paid"} for i in range(9)]


def log_of(n: int) -> MemoryTree:
    tree = MemoryTree()
    for record in RECORDS[:n]:
        tree.append(canonical(record))
    return tree


def receipt(index: int, size: int = 8, *, checkpoint_size: int | None = None) -> dict:
    tree = log_of(max(size, checkpoint_size or 0))
    signed = checkpoint_size or size
    return {"record": RECORDS[index], "leaf_index": index, "tree_size": size,
            "inclusion_proof": [base64.b64encode(p).decode() for p in inclusion_proof(tree, index, size)],
            "checkpoint": sign(Checkpoint("transparansi.test/log", signed, root(tree, signed)), NAME, KEY),
            "verifier_key": VKEY}


def run(tmp_path, capsys, body: dict) -> tuple[int, str, str]:
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(body))
    code = verify.main([str(path), "--key", VKEY])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_genuine_receipt_verifies_offline_and_on_the_command_line(tmp_path, capsys):
    assert verify_receipt(receipt(3), VKEY) == Checkpoint("transparansi.test/log", 8,
                                                          root(log_of(8), 8))
    code, out, err = run(tmp_path, capsys, receipt(3))
    assert (code, err) == (0, "")
    assert out == "verified: record pay-3 is leaf 3 of transparansi.test/log at size 8\n"


@pytest.mark.parametrize("index", [8, 9, 16, -8, -1])
def test_leaf_0_presented_at_an_index_outside_the_tree_is_refused(tmp_path, capsys, index):
    forged = {**receipt(0), "leaf_index": index}
    if index == -1:
        forged = {**receipt(7), "leaf_index": -1}
    with pytest.raises(ValueError, match="not in the log under this checkpoint"):
        verify_receipt(forged, VKEY)
    code, out, err = run(tmp_path, capsys, forged)
    assert (code, out) == (1, "")
    assert err.startswith("NOT VERIFIED: the record is not in the log")


@pytest.mark.parametrize("forge", [
    lambda genuine: {**genuine, "tree_size": 9},  # the proof and checkpoint are of size 8
    lambda genuine: {**genuine, "tree_size": 7},
    lambda genuine: {**genuine, "checkpoint": receipt(0, 9)["checkpoint"]},  # a later checkpoint, size 9
])
def test_a_receipt_whose_tree_size_differs_from_its_checkpoint_is_refused(tmp_path, capsys, forge):
    forged = forge(receipt(0, 8))
    with pytest.raises(ValueError, match="the receipt's tree size differs from its checkpoint"):
        verify_receipt(forged, VKEY)
    code, out, err = run(tmp_path, capsys, forged)
    assert (code, out) == (1, "")
    assert err == "NOT VERIFIED: the receipt's tree size differs from its checkpoint\n"


def test_a_proof_for_another_size_under_a_checkpoint_of_that_size_is_refused():
    proof_for_8 = receipt(0, 8)
    forged = {**proof_for_8, "tree_size": 9, "checkpoint": receipt(0, 9)["checkpoint"]}
    with pytest.raises(ValueError, match="not in the log"):
        verify_receipt(forged, VKEY)


@pytest.mark.parametrize("change", [lambda p: p[:-1], lambda p: [*p, p[-1]], lambda p: []])
def test_a_proof_a_hash_short_or_long_is_refused(change):
    genuine = receipt(5)
    with pytest.raises(ValueError, match="not in the log"):
        verify_receipt({**genuine, "inclusion_proof": change(genuine["inclusion_proof"])}, VKEY)


@pytest.mark.parametrize(("field", "value"), [("leaf_index", True), ("leaf_index", 1.0), ("leaf_index", "1"),
                                              ("tree_size", 8.0), ("tree_size", "8")])
def test_an_index_or_size_that_is_not_a_whole_number_is_refused(tmp_path, capsys, field, value):
    forged = {**receipt(1), field: value}
    with pytest.raises(ValueError, match=f"the receipt's {field} is not a whole number"):
        verify_receipt(forged, VKEY)
    assert run(tmp_path, capsys, forged)[0] == 1


def test_a_receipt_that_is_not_an_object_is_refused_without_a_traceback(tmp_path, capsys):
    code, _, err = run(tmp_path, capsys, [receipt(1)])  # type: ignore[arg-type]
    assert code == 1
    assert err.startswith("NOT VERIFIED")
