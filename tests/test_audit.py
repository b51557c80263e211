"""`gotong audit` pieces that need no running system: its own Merkle root (it must not borrow the projector's
code, yet agree with it and with RFC 6962) and its command line refusing a bad date. The audit against a whole
running system, clean and with a ledger transfer deleted, is scenario 6 of the fault suite."""

import hashlib

from click.testing import CliRunner

from canvas_projector.domain.merkle import MemoryTree, root
from gotong.audit import merkle_root
from gotong.cli.main import main


def test_the_audits_merkle_root_is_rfc_6962():
    assert merkle_root([]) == hashlib.sha256(b"").digest()
    one = hashlib.sha256(b"\x00" + b"a").digest()
    assert merkle_root([b"a"]) == one
    # three leaves: the split at 2 (RFC 6962 §2.1), not a duplicated last leaf
    ab = hashlib.sha256(b"\x01" + one + hashlib.sha256(b"\x00b").digest()).digest()
    assert merkle_root([b"a", b"b", b"c"]) == hashlib.sha256(b"\x01" + ab + hashlib.sha256(b"\x00c").digest()).digest()
    tree = MemoryTree()
    leaves = [f"record {i}".encode() for i in range(70)]
    for i, leaf in enumerate(leaves):
        tree.append(leaf)
        assert merkle_root(leaves[: i + 1]) == root(tree, i + 1), f"size {i + 1}"
    assert merkle_root(leaves[:5]) != merkle_root([*leaves[:4], leaves[5]])


def test_a_bad_as_of_date_is_refused_naming_the_option():
    result = CliRunner().invoke(main, ["audit", "--as-of", "2026-13-01"])
    assert result.exit_code == 2
    assert "--as-of" in result.output
    assert "YYYY-MM-DD" in result.output
