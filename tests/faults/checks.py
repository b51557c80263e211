"""What must hold after a fault, asked of each service's own database (read only) and of the public APIs.

Three kinds of finding:
- `command_effects`: every acknowledged command took effect exactly once (lost / doubled);
- `differences`: what is not there *yet* (a consumer or a relay still catching up) — the suite waits for these to
  go away, and how long that takes is the time to recover;
- `violations`: what no amount of waiting mends (a payment made twice, a duplicate leaf, books that do not
  balance, a dead letter, a 500).
"""

from __future__ import annotations

import base64
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg

from canvas_projector.domain import merkle
from canvas_projector.domain.checkpoint import open_note
from canvas_projector.domain.transparency import verify_receipt
from csr_ledger.application.ledger import recompute_from_events
from gotong.application.uow import UnitOfWorkFactory
from gotong.db import create_engine
from gotong.eventstore.postgres import PostgresEventStore

from .client import Ack, Api
from .system import SERVICES, System

#: Commands that append their events in one transaction (compute commits a batch at a time, by design).
ONE_TRANSACTION = {"register-household", "propose-ranking", "approve-ranking", "register-company", "deposit",
                   "allocate", "approve-allocation", "register-enterprise", "register-partner", "open-cycle",
                   "review-cycle", "approve-cycle", "pay-cycle", "reissue-payment"}
#: Commands that may have nothing to do (no failed payment to reissue), but never do it twice.
AT_MOST_ONE_TRANSACTION = {"reissue-failed"}
#: Later statuses win (the registry's recipients table keeps the highest).
RANK = {"instructed": 1, "failed": 2, "reissued": 3, "returned": 4, "paid": 5}


@asynccontextmanager
async def databases(system: System) -> AsyncIterator[dict[str, asyncpg.Connection]]:
    conns: dict[str, asyncpg.Connection] = {}
    try:
        for name in SERVICES:
            conns[name] = await asyncpg.connect(system.dsn(name), timeout=10)
        yield conns
    finally:
        for conn in conns.values():
            await conn.close()


@dataclass
class Effects:
    acknowledged: int
    lost: list[str]
    doubled: list[str]


async def command_effects(system: System, acks: list[Ack]) -> Effects:
    """Each acknowledged command's events, found by its Idempotency-Key in its service's store: one transaction
    for a command, not none (lost) and not two (applied twice)."""
    lost: list[str] = []
    doubled: list[str] = []
    async with databases(system) as db:
        by_service: dict[str, list[Ack]] = defaultdict(list)
        for a in acks:
            by_service[a.service].append(a)
        for service, group in by_service.items():
            rows = await db[service].fetch(
                "SELECT idempotency_key, count(DISTINCT tx_id) AS n FROM events WHERE idempotency_key = ANY($1) "
                "GROUP BY 1", [a.key for a in group])
            found = {r["idempotency_key"]: r["n"] for r in rows}
            for a in group:
                n = found.get(a.key, 0)
                if not a.ok:
                    doubled.append(f"{a.kind} {a.key}: answered {a.status} {str(a.body)[:200]}")
                elif a.kind in ONE_TRANSACTION and n == 0:
                    lost.append(f"{a.kind} {a.key}: no events")
                elif a.kind in ONE_TRANSACTION | AT_MOST_ONE_TRANSACTION and n > 1:
                    doubled.append(f"{a.kind} {a.key}: {n} transactions")
        registered = [a for a in acks if a.kind == "register-household" and a.ok]
        if registered:
            rows = await db["registry"].fetch("SELECT household_id::text FROM households WHERE household_id = "
                                              "ANY($1::uuid[])", [a.body["household_ref"] for a in registered])
            present = {r[0] for r in rows}
            lost += [f"household {a.body['household_ref']} (key {a.key}) not in the register" for a in registered
                     if a.body["household_ref"] not in present]
        deposits = [a for a in acks if a.kind == "deposit" and a.ok]
        if deposits:
            rows = await db["csr-ledger"].fetch(
                "SELECT id::text FROM ledger_transfers WHERE code = 'deposit' AND id = ANY($1::uuid[])",
                [a.body["transfer_id"] for a in deposits])
            present = {r[0] for r in rows}
            lost += [f"deposit {a.body['transfer_id']} (key {a.key}) not in the ledger" for a in deposits
                     if a.body["transfer_id"] not in present]
    return Effects(len([a for a in acks if a.ok]), lost, doubled)


async def _household_states(db: dict[str, asyncpg.Connection]) -> dict[str, tuple[int, str, int | None]]:
    """Per household in the register: the version its last published state carries, verification, desil."""
    versions = {r[0]: r[1] for r in await db["registry"].fetch(
        "SELECT DISTINCT ON (stream_id) stream_id::text, (data->'state'->>'household_version')::int FROM events "
        "WHERE stream_type = 'household' AND data->'state' ? 'household_version' ORDER BY stream_id, version DESC")}
    return {r[0]: (versions.get(r[0], -1), r[1], r[2]) for r in await db["registry"].fetch(
        "SELECT household_id::text, verification, desil FROM households")}


def _compare(name: str, expected: dict[Any, Any], actual: dict[Any, Any], out: list[str]) -> None:
    missing = expected.keys() - actual.keys()
    extra = actual.keys() - expected.keys()
    wrong = [k for k in expected.keys() & actual.keys() if expected[k] != actual[k]]
    if missing or extra or wrong:
        sample = [f"{k}: {expected[k]} != {actual[k]}" for k in wrong[:3]]
        out.append(f"{name}: {len(missing)} missing, {len(extra)} extra, {len(wrong)} differ {sample}")


async def differences(system: System, api: Api) -> list[str]:
    """What the consumers and relays have not caught up with yet (empty once everything reached everyone)."""
    out: list[str] = []
    async with databases(system) as db:
        # Every relay published its whole store.
        for name, conn in db.items():
            behind = await conn.fetchval(
                "SELECT count(*) FROM events e, relay_checkpoints c WHERE c.name = 'outbox' "
                "AND (e.tx_id, e.position) > (c.tx_id::text::xid8, c.position)")
            if behind:
                out.append(f"{name} relay: {behind} events not published")
        # registry.events reached the three replicas of the register.
        households = await _household_states(db)
        _compare("disbursement replica", households, {r[0]: (r[1], r[2], r[3]) for r in await db["disbursement"].fetch(
            "SELECT household_ref, household_version, verification, desil FROM households")}, out)
        _compare("canvas-projector replica", households, {r[0]: (r[1], r[2], r[3]) for r in await db[
            "canvas-projector"].fetch("SELECT household_ref, version, verification, desil "
                                      "FROM proj_registry_households")}, out)
        _compare("enterprise replica", {k: (v[0], v[2]) for k, v in households.items()},
                 {r[0]: (r[1], r[2]) for r in await db["enterprise"].fetch(
                     "SELECT household_ref, household_version, desil FROM registry_households")}, out)
        # disbursement.events reached the registry (recipients), the transparency log and the CSR ledger.
        records = await db["disbursement"].fetch(
            "SELECT data->>'payment_id' AS payment_id, (data->>'attempt')::int AS attempt, data->>'status' AS status, "
            "data->>'household_ref' AS household, data->>'program_code' AS program, data->>'period' AS period, "
            "data->>'funding_source' AS funding, (data->>'amount')::bigint AS amount FROM events "
            "WHERE event_type = 'PaymentRecorded' ORDER BY stream_id, version")
        recipients: dict[tuple[str, str, str], str] = {}
        for r in records:
            k = (r["household"], r["program"], r["period"])
            if k not in recipients or RANK[r["status"]] >= RANK[recipients[k]]:
                recipients[k] = r["status"]
        _compare("registry recipients", recipients, {(str(r[0]), r[1], r[2]): r[3] for r in await db["registry"].fetch(
            "SELECT household_id, program_code, period, status FROM recipients")}, out)
        leaves = {f"{r['payment_id']}:{r['attempt']}:{r['status']}" for r in records}
        sealed = {r[0] for r in await db["canvas-projector"].fetch("SELECT record_key FROM tlog_leaves")}
        _compare("transparency log leaves", dict.fromkeys(leaves, 1), dict.fromkeys(sealed, 1), out)
        size = await db["canvas-projector"].fetchval("SELECT coalesce(max(size), 0) FROM tlog_checkpoints")
        if size != len(sealed):
            out.append(f"transparency log: checkpoint at {size}, {len(sealed)} leaves")
        spent: dict[str, str] = {}  # a CSR payment's spending row says what happened last: paid, or returned
        for r in records:  # in each payment's own order (reissued attempts included)
            if r["funding"] == "csr" and r["status"] in ("paid", "returned"):
                spent[r["payment_id"]] = r["status"]
        _compare("CSR spending", spent, {r[0]: r[1] for r in await db["csr-ledger"].fetch(
            "SELECT DISTINCT ON (payment_id) payment_id, status FROM spending ORDER BY payment_id, attempt DESC")},
            out)  # the ledger books each attempt (and each funder's part): the latest attempt says what happened
        # csr-ledger.events reached disbursement (the CSR program's budget) and the portal.
        approved = await db["csr-ledger"].fetch(
            "SELECT id::text, amount FROM allocations WHERE status = 'approved' AND target_kind = 'program' "
            "ORDER BY created_at LIMIT 1")
        if approved:
            linked = await db["disbursement"].fetchrow(
                "SELECT csr_allocation_id, budget FROM programs WHERE code = 'CSR-PANGAN-JABAR'")
            if linked is None or (linked[0], linked[1]) != (approved[0][0], approved[0][1]):
                out.append(f"CSR program not linked to allocation {approved[0][0]} yet: {linked}")
        _compare("portal companies", dict.fromkeys([r[0] for r in await db["csr-ledger"].fetch(
            "SELECT id::text FROM companies")], 1), dict.fromkeys([r[0] for r in await db["canvas-projector"].fetch(
                "SELECT company_id FROM proj_companies")], 1), out)
        deposits = {r[0]: r[1] for r in await db["csr-ledger"].fetch(
            "SELECT data->>'transfer_id', (data->>'amount')::bigint FROM events WHERE event_type = 'DepositReceived'")}
        flows = {r[0]: r[1] for r in await db["canvas-projector"].fetch(
            "SELECT flow_key, amount FROM proj_csr_flows WHERE kind = 'deposit'")}
        if sorted(deposits.values()) != sorted(flows.values()) or len(deposits) != len(flows):
            out.append(f"portal CSR deposits: {len(flows)} flows for {len(deposits)} deposits")
        _compare("portal enterprises", dict.fromkeys([str(r[0]) for r in await db["enterprise"].fetch(
            "SELECT id FROM enterprises")], 1), dict.fromkeys([r[0] for r in await db[
                "canvas-projector"].fetch("SELECT enterprise_id FROM proj_enterprises")], 1), out)
        _compare("portal partners", dict.fromkeys([str(r[0]) for r in await db["partnership"].fetch(
            "SELECT id FROM partners")], 1), dict.fromkeys([r[0] for r in await db["canvas-projector"].fetch(
                "SELECT partner_id FROM proj_partners")], 1), out)
        # Payments settled: nothing waits for the channel, and the channel has nothing left to report.
        waiting = await db["disbursement"].fetchval(
            "SELECT count(*) FROM payments WHERE status IN ('instructed', 'reissued')")
        if waiting:
            out.append(f"{waiting} payments await the channel")
        current = {str(r[0]): r[1] for r in await db["disbursement"].fetch("SELECT payment_id, attempt FROM payments")}
        payments = {f"{r[0]}.{r[1]}": r[2] for r in await db["disbursement"].fetch(
            "SELECT payment_id, attempt, status FROM payments WHERE sent_at IS NOT NULL")}
        company = await db["csr-ledger"].fetchval("SELECT count(*) FROM companies")
    ledger = await api.channel_ledger()
    if ledger["pending_callbacks"]:
        out.append(f"channel: {ledger['pending_callbacks']} callbacks not delivered")
    # What the channel did with each reference id is what the payment says (the simulator's payouts = paid).
    said = {p["reference_id"]: "returned" if p["returned"] else "paid" if p["status"] == "succ" else
            "failed" if p["status"] == "rjct" else "instructed" for p in ledger["payouts"]
            if current.get(p["reference_id"].rpartition(".")[0]) == int(p["reference_id"].rpartition(".")[2])}
    _compare("channel outcomes vs payments", said, payments, out)
    if company:
        out += await _company_totals(api)
    return out


async def _company_totals(api: Api) -> list[str]:
    """The CSR desk's public totals: every acknowledged deposit counted once, spending = CSR payments paid."""
    deposited: dict[str, int] = defaultdict(int)
    for a in api.acks:
        if a.kind == "deposit" and a.ok:
            deposited[a.path.split("/")[3]] += a.body["amount"]
    async with databases(api.system) as db:
        rows = await db["disbursement"].fetch(  # what the channel paid (a wrong amount is booked as paid)
            "SELECT coalesce(p.confirmed_amount, p.amount) FROM payments p JOIN programs g USING (program_id) "
            "WHERE g.funding_source = 'csr' AND p.status = 'paid'")
    spent = sum(r[0] for r in rows)
    out = []
    for c in await api.get("csr-ledger", "/v1/companies"):
        if c["deposited"] != deposited.get(c["id"], 0):
            out.append(f"CSR company {c['id']}: deposited {c['deposited']}, acknowledged {deposited.get(c['id'], 0)}")
        if deposited.get(c["id"]) and c["spent"] != spent:
            out.append(f"CSR company {c['id']}: spent {c['spent']}, CSR payments paid {spent}")
    return out


async def violations(system: System, api: Api, scenario: str) -> list[str]:
    """What must never happen, whatever the timing."""
    out: list[str] = []
    ledger = await api.channel_ledger()
    async with databases(system) as db:
        for name, conn in db.items():
            dead = await conn.fetch("SELECT consumer, topic, error FROM dead_letters")
            out += [f"{name}: dead letter {d['consumer']} {d['topic']}: {d['error'][:200]}" for d in dead]
        twice = await db["disbursement"].fetch(
            "SELECT program_id, cycle_id, household_ref, count(*) FROM payments GROUP BY 1, 2, 3 HAVING count(*) > 1")
        out += [f"payment made twice in the table: {dict(r)}" for r in twice]
        payments = {str(r[0]): r for r in await db["disbursement"].fetch(
            "SELECT payment_id, attempt, status, cycle_id, household_ref FROM payments")}
        # The channel pays a reference id once; a household must not be paid twice in a cycle across attempts.
        kept: Counter[tuple[str, str]] = Counter()
        for p in ledger["payouts"]:
            payment_id, _, attempt = p["reference_id"].rpartition(".")
            row = payments.get(payment_id)
            if row is None:
                out.append(f"channel paid {p['reference_id']}, which no payment names")
                continue
            if p["status"] == "succ" and not p["returned"]:
                kept[(str(row["cycle_id"]), row["household_ref"])] += 1
        out += [f"household {h} paid {n} times in cycle {c}" for (c, h), n in kept.items() if n > 1]
        # A payment is reissued only after its attempt failed or came back: an earlier attempt the channel paid
        # and kept would be a second payout.
        out += [f"payment {p['reference_id']} was reissued although the channel paid that attempt"
                for p in ledger["payouts"] if p["status"] == "succ" and not p["returned"]
                and (row := payments.get(p["reference_id"].rpartition(".")[0])) is not None
                and int(p["reference_id"].rpartition(".")[2]) < row["attempt"]]
        refs = {(p["reference_id"], p["status"]) for p in ledger["payouts"]}
        out += [f"payment {pid} is paid but the channel never paid {pid}.{r['attempt']}" for pid, r in payments.items()
                if r["status"] == "paid" and (f"{pid}.{r['attempt']}", "succ") not in refs]
        # The transparency log: leaves numbered 0..n-1, each record once, every checkpoint consistent with the last.
        n, top, distinct = await db["canvas-projector"].fetchrow(
            "SELECT count(*), coalesce(max(idx), -1), count(DISTINCT record_key) FROM tlog_leaves")
        if not n == top + 1 == distinct:
            out.append(f"transparency log: {n} leaves, highest index {top}, {distinct} distinct records")
        twice = await db["csr-ledger"].fetch("SELECT reference, count(*) FROM ledger_transfers "
                                             "WHERE code = 'deposit' GROUP BY 1 HAVING count(*) > 1")
        out += [f"CSR deposit {r[0]} booked {r[1]} times" for r in twice]
        registry_kk = await db["registry"].fetchval(
            "SELECT count(*) FROM (SELECT kk_hash FROM kk_index GROUP BY 1 HAVING count(*) > 1) d")
        if registry_kk:
            out.append(f"registry: {registry_kk} family cards (KK) registered more than once")
    engine = create_engine(system.dsn("csr-ledger").replace("postgresql://", "postgresql+asyncpg://"), pool_size=1)
    try:
        async with UnitOfWorkFactory(PostgresEventStore(engine)).begin() as uow:
            out += [f"CSR ledger: {p}" for p in await recompute_from_events(uow)]
    finally:
        await engine.dispose()
    out += [f"{e.service} {e.path}: HTTP {e.status} {e.body[:150]}" for e in api.errors
            if e.scenario == scenario and e.status == 500]
    out += [f"{e.service} {e.path}: HTTP {e.status} without Retry-After" for e in api.errors
            if e.scenario == scenario and e.status == 503 and not e.retry_after]
    return out


async def replays(api: Api, acks: list[Ack]) -> list[str]:
    """Acknowledged commands sent again with their keys (every one that needed a retry, and a few others) must
    get the first answer back, marked as a replay."""
    chosen = [a for a in acks if a.kind in ONE_TRANSACTION and (a.trouble or a.replayed)]
    chosen += [a for a in acks if a.kind in ONE_TRANSACTION and not a.trouble][:5]
    out = []
    for a in chosen:
        status, body, replayed = await api.replay(a)
        if (status, body) != (a.status, a.body) or not replayed:
            out.append(f"{a.kind} {a.key} replayed as {status} (replayed={replayed}), first answer {a.status}: "
                       f"{str(body)[:150]} vs {str(a.body)[:150]}")
    return out


@dataclass
class LogState:
    size: int
    root: bytes


async def transparency(api: Api, since: LogState | None) -> tuple[LogState, list[str]]:
    """The signed log as the public sees it: the latest checkpoint verifies and is consistent with `since`, and
    receipts of paid payments verify offline."""
    problems: list[str] = []
    async with databases(api.system) as db:
        if not await db["canvas-projector"].fetchval("SELECT count(*) FROM tlog_checkpoints"):
            return LogState(0, b""), problems  # nothing paid yet, nothing signed
    vkey = await api.get("canvas-projector", "/transparency/key")
    note = await api.get("canvas-projector", "/transparency/checkpoint")
    checkpoint = open_note(note, vkey)
    now = LogState(checkpoint.size, checkpoint.root)
    if since is not None and since.size:
        if now.size < since.size:
            problems.append(f"the log shrank from {since.size} to {now.size}")
        else:
            proof = await api.get("canvas-projector", "/transparency/proof/consistency",
                                  params={"old": since.size, "new": now.size})
            if not merkle.verify_consistency(since.size, now.size, since.root, now.root,
                                             [base64.b64decode(p) for p in proof["proof"]]):
                problems.append(f"checkpoint {now.size} is not consistent with {since.size}")
    async with databases(api.system) as db:
        paid = [r[0] for r in await db["disbursement"].fetch(
            "SELECT payment_id::text FROM payments WHERE status = 'paid' ORDER BY confirmed_at DESC LIMIT 5")]
    for payment_id in paid:
        receipt = await api.get("canvas-projector", f"/transparency/receipts/{payment_id}",
                                params={"status": "paid"})
        try:
            verify_receipt(receipt, vkey)
        except (ValueError, KeyError, TypeError) as err:
            problems.append(f"receipt of {payment_id} does not verify: {err}")
    return now, problems
