"""The transparency log on PostgreSQL.

Records are staged with the source store position of their event and sealed into leaves in position order up
to a horizon every partition has passed (the producer's watermark), so replaying the topics from zero yields the
same leaves in the same order. Complete-subtree hashes are stored by (level, index): a proof at any size needs
O(log n) rows, fetched in one query. A checkpoint is signed only if the new tree is consistent with the last one.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import asyncpg
import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from canvas_projector.transparency import merkle
from canvas_projector.transparency.checkpoint import Checkpoint, open_note, sign, verifier_key
from gotong.eventstore.model import Position


def canonical(record: dict[str, Any]) -> bytes:
    """The leaf bytes: JSON with sorted keys, no spaces, UTF-8 — easy to reproduce in any verifier (it is what
    `json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)` gives for these records)."""
    return orjson.dumps(record, option=orjson.OPT_SORT_KEYS)


async def _source(driver: asyncpg.Connection, plan: Any) -> merkle.MappingSource:
    wanted = sorted(merkle.nodes_needed(plan))
    rows = await driver.fetch(
        "SELECT n.level, n.idx, n.hash FROM tlog_nodes n JOIN unnest($1::int2[], $2::int8[]) AS w(level, idx) "
        "ON n.level = w.level AND n.idx = w.idx", [w[0] for w in wanted], [w[1] for w in wanted])
    return merkle.MappingSource({(r[0], r[1]): bytes(r[2]) for r in rows})


@dataclass
class SignedCheckpoint:
    size: int
    root: bytes
    note: str


class TransparencyLog:
    def __init__(self, origin: str, key_name: str, key: Ed25519PrivateKey) -> None:
        self.origin = origin
        self.key_name = key_name
        self.key = key

    @property
    def verifier_key(self) -> str:
        return verifier_key(self.key_name, self.key.public_key())

    # -- writing --------------------------------------------------------------------------------------------
    @staticmethod
    async def stage(driver: asyncpg.Connection, record_key: str, position: Position, record: dict[str, Any]) -> None:
        """Remember a record until it can be sealed; a record staged or sealed before changes nothing."""
        await TransparencyLog.stage_many(driver, [(record_key, position, record)])

    @staticmethod
    async def stage_many(driver: asyncpg.Connection, records: list[tuple[str, Position, dict[str, Any]]]) -> None:
        """`stage` for many records in one statement; the first of a repeated key wins, as one by one."""
        await driver.execute(
            "INSERT INTO tlog_staged (record_key, source_tx_id, source_position, payment_id, leaf) "
            "SELECT DISTINCT ON (k) k, t, p, i, l FROM unnest($1::text[], $2::int8[], $3::int8[], $4::text[], "
            "$5::bytea[]) WITH ORDINALITY AS s(k, t, p, i, l, o) "
            "WHERE NOT EXISTS (SELECT 1 FROM tlog_leaves x WHERE x.record_key = k) "
            "ORDER BY k, o ON CONFLICT (record_key) DO NOTHING",
            [r[0] for r in records], [r[1].tx_id for r in records], [r[1].position for r in records],
            [str(r[2]["payment_id"]) for r in records], [canonical(r[2]) for r in records])

    @staticmethod
    async def size(driver: asyncpg.Connection) -> int:
        # leaves are dense from 0: the primary key's end is the size (count(*) would scan every leaf)
        return int(await driver.fetchval("SELECT coalesce(max(idx) + 1, 0) FROM tlog_leaves"))

    async def seal(self, driver: asyncpg.Connection, horizon: Position) -> int:
        """Append staged records at or before `horizon` as leaves, in source order. Returns how many."""
        staged = await driver.fetch(
            "DELETE FROM tlog_staged WHERE (source_tx_id, source_position) <= ($1, $2) "
            "RETURNING record_key, source_tx_id, source_position, payment_id, leaf", horizon.tx_id, horizon.position)
        if not staged:
            return 0
        staged = sorted(staged, key=lambda r: (r["source_tx_id"], r["source_position"]))
        await driver.execute("LOCK TABLE tlog_leaves IN EXCLUSIVE MODE")  # one sealer at a time
        n = await self.size(driver)
        frontier = [(level, (n >> level) - 1) for level in range(n.bit_length()) if n >> level & 1]
        known = {(r[0], r[1]): bytes(r[2]) for r in await driver.fetch(
            "SELECT n.level, n.idx, n.hash FROM tlog_nodes n JOIN unnest($1::int2[], $2::int8[]) AS f(level, idx) "
            "ON n.level = f.level AND n.idx = f.idx", [f[0] for f in frontier], [f[1] for f in frontier])}
        leaves, nodes = [], []
        for offset, row in enumerate(staged):
            data = bytes(row["leaf"])
            index = n + offset
            h = merkle.leaf_hash(data)
            leaves.append((index, row["record_key"], row["payment_id"], data))
            level, i = 0, index
            known[(0, i)] = h
            nodes.append((0, i, h))
            while i % 2 == 1:
                h = merkle.node_hash(known[(level, i - 1)], h)
                level, i = level + 1, i // 2
                known[(level, i)] = h
                nodes.append((level, i, h))
        await driver.copy_records_to_table("tlog_leaves", records=leaves,
                                           columns=("idx", "record_key", "payment_id", "leaf"))
        await driver.copy_records_to_table("tlog_nodes", records=nodes, columns=("level", "idx", "hash"))
        return len(leaves)

    async def sign_checkpoint(self, driver: asyncpg.Connection) -> SignedCheckpoint | None:
        """Sign the current tree, after proving it consistent with the last signed checkpoint."""
        size = await self.size(driver)
        last = await driver.fetchrow("SELECT size, root FROM tlog_checkpoints ORDER BY size DESC LIMIT 1")
        if size == 0 or (last is not None and last["size"] == size):
            return None
        root = await self.root(driver, size)
        if last is not None:
            if size < last["size"]:
                raise RuntimeError("the log shrank: refusing to sign")
            proof = await self.consistency_proof(driver, last["size"], size)
            if not merkle.verify_consistency(last["size"], size, bytes(last["root"]), root, proof):
                raise RuntimeError("the log is not consistent with its last checkpoint: refusing to sign")
        note = sign(Checkpoint(self.origin, size, root), self.key_name, self.key)
        await driver.execute("INSERT INTO tlog_checkpoints (size, root, note) VALUES ($1, $2, $3)", size, root, note)
        return SignedCheckpoint(size, root, note)

    # -- reading --------------------------------------------------------------------------------------------
    @staticmethod
    async def root(driver: asyncpg.Connection, size: int) -> bytes:
        src = await _source(driver, lambda s: merkle.root(s, size))
        return merkle.root(src, size)

    @staticmethod
    async def inclusion_proof(driver: asyncpg.Connection, index: int, size: int) -> list[bytes]:
        src = await _source(driver, lambda s: merkle.inclusion_proof(s, index, size))
        return merkle.inclusion_proof(src, index, size)

    @staticmethod
    async def consistency_proof(driver: asyncpg.Connection, old: int, new: int) -> list[bytes]:
        src = await _source(driver, lambda s: merkle.consistency_proof(s, old, new))
        return merkle.consistency_proof(src, old, new)

    async def receipt(self, driver: asyncpg.Connection, payment_id: str, status: str,
                      attempt: int | None = None) -> dict[str, Any] | None:
        """Everything needed to verify a payment record offline against the latest signed checkpoint: the
        record of that status, of the given attempt (a reissue is a new attempt) or else the latest one."""
        leaf = await driver.fetchrow(
            "SELECT idx, leaf FROM tlog_leaves WHERE payment_id = $1 "
            "AND convert_from(leaf, 'UTF8')::jsonb->>'status' = $2 "
            "AND ($3::int IS NULL OR coalesce((convert_from(leaf, 'UTF8')::jsonb->>'attempt')::int, 1) = $3) "
            "ORDER BY idx DESC LIMIT 1", payment_id, status, attempt)
        checkpoint = await driver.fetchrow("SELECT size, note FROM tlog_checkpoints ORDER BY size DESC LIMIT 1")
        if leaf is None or checkpoint is None or leaf["idx"] >= checkpoint["size"]:
            return None
        proof = await self.inclusion_proof(driver, leaf["idx"], checkpoint["size"])
        return {
            "record": json.loads(bytes(leaf["leaf"])),
            "leaf_index": leaf["idx"],
            "tree_size": checkpoint["size"],
            "inclusion_proof": [base64.b64encode(p).decode() for p in proof],
            "checkpoint": checkpoint["note"],
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
