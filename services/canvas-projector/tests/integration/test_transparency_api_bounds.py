"""The server side of inclusion proofs: the public API refuses a leaf index at or past the tree size, a
negative one, or a size past the log's (422 naming the field); a proof it does give verifies against the signed
checkpoint, and its receipt verifies offline only with the tree size of its checkpoint."""

import base64

import httpx
import pytest

from canvas_projector.adapters.transparency_log import TransparencyLogTable
from canvas_projector.application import transparency
from canvas_projector.bootstrap import create_app
from canvas_projector.config import Settings
from canvas_projector.domain.checkpoint import open_note
from canvas_projector.domain.merkle import leaf_hash, verify_inclusion
from canvas_projector.domain.transparency import TransparencyLog, canonical, verify_receipt
from canvas_projector.entrypoints.state import projector_state
from gotong.api.app import runtime
from gotong.eventstore.model import Position
from gotong.messaging.topics import dlq_topic, ensure_topics


def record(i: int) -> dict:
    return {"payment_id": f"pay-{i}", "attempt": 1, "household_ref": f"hh_{i:05x}", "program_id": "pkh",
            "program_code": "PKH", "cycle_id": "2026-Q4", "period": "2026-Q4", "amount": 750_000,
            "region_code": "32.73.01.1001", "desil": 2, "status": "paid", "occurred_at": "2026-11-28T08:00:00Z"}


@pytest.fixture
async def client(database_url, kafka_bootstrap, tmp_path):
    await ensure_topics(kafka_bootstrap, ["disbursement.events", dlq_topic("disbursement.events")])
    settings = Settings(database_url=database_url, kafka_bootstrap_servers=kafka_bootstrap, auth_required=False,
                        tlog_signing_key_path=str(tmp_path / "tlog.pem"), relay_enabled=False)
    # No consumer: the log holds exactly the 8 records below (a consumer would seal whatever earlier tests left on
    # the session's `disbursement.events`, and a size "the log has not reached" would be reached).
    app = create_app(settings, consumers=False)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://projector") as c:
        tlog: TransparencyLog = projector_state(app).tlog
        async with runtime(app).database.transaction() as sql:
            log = TransparencyLogTable(sql)
            for i in range(8):
                await transparency.stage(log, f"pay-{i}:1:paid", Position(1, i + 1), record(i))
            await transparency.seal(log, Position(1, 1000))
            assert (await transparency.sign_checkpoint(log, tlog)).size == 8
        c.app = app  # type: ignore[attr-defined]
        yield c


async def test_a_proof_within_the_tree_verifies_against_the_signed_checkpoint(client):
    r = await client.get("/transparency/proof/inclusion", params={"index": 0, "size": 8})
    assert r.status_code == 200, r.text
    proof = [base64.b64decode(p) for p in r.json()["proof"]]
    assert len(proof) == 3
    checkpoint = open_note((await client.get("/transparency/checkpoint")).text,
                           (await client.get("/transparency/key")).text)
    assert checkpoint.size == 8
    leaf = leaf_hash(canonical(record(0)))
    assert verify_inclusion(leaf, 0, 8, proof, checkpoint.root)
    for index in (8, 16, -8):
        assert not verify_inclusion(leaf, index, 8, proof, checkpoint.root)


@pytest.mark.parametrize(("index", "size", "field"), [
    (8, 8, "size"),     # index == size
    (9, 8, "size"),     # index past the size
    (0, 9, "size"),     # a size the log has not reached
    (-1, 8, "index"),   # negative
    (0, 0, "size"),     # an empty tree has no leaves
])
async def test_no_proof_is_given_for_a_leaf_outside_the_tree(client, index, size, field):
    r = await client.get("/transparency/proof/inclusion", params={"index": index, "size": size})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert any(field in str(e.get("field", "")) for e in r.json()["errors"]), r.json()


async def test_a_served_receipt_verifies_only_with_its_checkpoints_tree_size(client):
    r = await client.get("/transparency/receipts/pay-3")
    assert r.status_code == 200, r.text
    receipt = r.json()
    assert (receipt["leaf_index"], receipt["tree_size"]) == (3, 8)
    assert verify_receipt(receipt, receipt["verifier_key"]).size == 8
    with pytest.raises(ValueError, match="tree size differs"):
        verify_receipt({**receipt, "tree_size": 9}, receipt["verifier_key"])
    with pytest.raises(ValueError, match="not in the log"):
        verify_receipt({**receipt, "leaf_index": 3 + 8}, receipt["verifier_key"])
