"""The log's bytes are fixed: the same records sealed in the same batches give byte for byte the leaves, nodes,
root and proofs recorded here (written before the seal was made faster: receipts already handed out must keep
verifying, and a replay must rebuild the very same log)."""

import hashlib

from canvas_projector.domain import merkle
from canvas_projector.domain import transparency as rules
from canvas_projector.domain.transparency import canonical, public_record

ROOT = "7a409a388ef1c964dd12883ae2ac4dffc8b630d3184e383977c4b992a61cbf5e"
ROWS = "fa41c3c23113373bf4717570d9218d97e0c90d18138f0f9264959df0e833de71"
INCLUSION = "168a81a5f5615e939cd89c96cd4d0887158d65c343e2f06f980de7857ac05aff"
CONSISTENCY = "7853589d4ec9015056abd88e7c987cdf0ebdaf74e52aadb36f2bddcc508e58b7"


def record(i: int) -> dict[str, object]:
    return public_record({"payment_id": f"pay-{i}", "attempt": 1 + i % 2, "program_id": "pkh", "program_code": "PKH",
                          "cycle_id": "2026-Q4", "period": "2026-Q4", "amount": 750_000 + i,
                          "region_code": "32.73.01.1001", "desil": None if i % 5 == 0 else 1 + i % 10,
                          "status": ("paid", "returned", "failed")[i % 3], "occurred_at": "2026-11-28T08:00:00Z",
                          "household_ref": "not published"})


def sealed_in_batches() -> tuple[int, str, dict[tuple[int, int], bytes]]:
    """Seal 257 records in uneven batches, each from the frontier of the one before, as the store does."""
    size, known, digest = 0, {}, hashlib.sha256()
    for chunk in (1, 2, 5, 17, 100, 3, 128, 1):
        staged = [(f"k{size + j}", f"pay-{size + j}", canonical(record(size + j)), 1, size + j) for j in range(chunk)]
        leaves, nodes = rules.seal(size, {n: known[n] for n in rules.frontier(size)}, staged)
        for index, key, payment_id, data in (tuple(leaf[:4]) for leaf in leaves):
            digest.update(repr((index, key, payment_id, bytes(data))).encode())
        for level, index, h in nodes:
            digest.update(repr((level, index, bytes(h))).encode())
            known[(level, index)] = bytes(h)
        size += chunk
    return size, digest.hexdigest(), known


def test_the_same_records_seal_into_the_same_bytes() -> None:
    size, rows, known = sealed_in_batches()
    source = merkle.MappingSource(known)
    assert size == 257
    assert rows == ROWS
    assert merkle.root(source, size).hex() == ROOT
    assert hashlib.sha256(b"".join(merkle.inclusion_proof(source, 100, size))).hexdigest() == INCLUSION
    assert hashlib.sha256(b"".join(merkle.consistency_proof(source, 25, size))).hexdigest() == CONSISTENCY
    tree = merkle.MemoryTree()
    for i in range(size):
        tree.append(canonical(record(i)))
    assert merkle.root(tree, size).hex() == ROOT, "and it is the RFC 9162 tree of those records"
    assert canonical(record(7)) == (b'{"amount":750007,"attempt":2,"cycle_id":"2026-Q4","desil":8,'
                                    b'"occurred_at":"2026-11-28T08:00:00Z","payment_id":"pay-7","period":"2026-Q4",'
                                    b'"program_code":"PKH","program_id":"pkh","region_code":"32.73.01.1001",'
                                    b'"status":"returned"}')
