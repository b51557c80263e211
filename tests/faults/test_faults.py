"""Faults injected into the whole running system (`gotong up`), one scenario after another, with load through
the public APIs; after each, every acknowledged command must exist exactly once and every event must have
reached every consumer exactly once in effect (see checks.py). The scenarios share one system and build on
each other's data, so they run in this order."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable

import httpx
import psutil
import pytest
from prometheus_client.parser import text_string_to_metric_families

from gotong.audit import Audit, run_audit
from gotong.testing.wait import eventually

from .checks import LogState, command_effects, databases, differences, replays, transparency, violations
from .client import Ack, Api, gather_limited
from .report import Report, Scenario
from .system import SERVICES, System
from .world import CSR_PROGRAM, World

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="session"), pytest.mark.timeout(480)]

#: A bound for a stuck system, never a speed goal (two shared cores).
SETTLE_S = 240.0
_log_state: dict[str, LogState] = {}


async def settle(system: System, api: Api, what: str) -> None:
    await eventually(lambda: differences(system, api), lambda d: not d, timeout=SETTLE_S, interval=0.5,
                     what=f"every event reaching every consumer ({what})")


async def conclude(system: System, api: Api, sc: Scenario, fault_over: float | None = None) -> None:
    """Wait until everything caught up — the time to recover, counted from the end of the last fault (a kill
    ends when it lands) — then check effects and invariants."""
    try:
        await settle(system, api, sc.name)
    except AssertionError as err:
        sc.problems.append(str(err)[:2000])
    else:
        sc.recovered_s = time.monotonic() - (fault_over or sc.last_fault)
    acks = api.in_scenario(sc.name)
    sc.problems += await replays(api, acks)
    effects = await command_effects(system, acks)
    sc.acknowledged, sc.lost, sc.doubled = effects.acknowledged, len(effects.lost), len(effects.doubled)
    sc.retried = sum(1 for a in acks if a.attempts > 1)
    trouble = Counter(t for a in acks for t in a.trouble)
    if trouble:
        sc.notes.append("failed attempts before the answer: " + ", ".join(f"{k} x{n}" for k, n in trouble.items())
                        + f"; {sum(a.replayed for a in acks)} answered by replay (committed before the fault)")
    sc.problems += effects.lost + effects.doubled + await violations(system, api, sc.name)
    state, problems = await transparency(api, _log_state.get("last"))
    sc.problems += problems
    if not problems:
        _log_state["last"] = state
    sc.notes.append(f"transparency log: {state.size} leaves under the latest signed checkpoint")
    audit = await audited(system)
    sc.problems += [f"gotong audit: {m}" for m in audit.mismatches]
    sc.notes.append(f"gotong audit: {sum(audit.checked.values())} figures cross-checked, "
                    f"{len(audit.mismatches)} mismatch(es)")
    assert not sc.problems, "\n".join(sc.problems)


async def audited(system: System) -> Audit:
    """`gotong audit` in process: the open data follows the stores a moment later, so wait for agreement."""
    urls = {name: system.dsn(name) for name in ("disbursement", "csr-ledger", "canvas-projector")}
    return await eventually(lambda: run_audit(urls, system.url("canvas-projector")), lambda a: not a.mismatches,
                            timeout=SETTLE_S, interval=1.0, what="gotong audit agreeing")


def acked(api: Api, sc: Scenario, kind: str) -> int:
    return sum(1 for a in api.in_scenario(sc.name) if a.kind == kind)


async def until(condition: Callable[[], bool], what: str, timeout: float = 120.0) -> None:
    async def probe() -> bool:
        return condition()

    await eventually(probe, timeout=timeout, interval=0.05, what=what)


async def kill_and_see_restart(system: System, sc: Scenario, service: str) -> None:
    since = time.monotonic()
    old = system.kill9(service)
    sc.fault(f"kill -9 {service} (pid {old})")
    await until(lambda: system.restarted(service, old, since), f"the launcher restarting {service}", 120)
    await eventually(lambda: system.ready((service,)), timeout=120, what=f"{service} ready again")
    sc.notes.append(f"{service}: killed, launcher said it restarted it (pid {system.pid(service)}) after "
                    f"{time.monotonic() - since:.1f} s")


async def repeat(n: int, limit: int, job: Callable[[], Awaitable[Ack]]) -> list[Ack]:
    return await gather_limited(limit, [job] * n)


async def test_1_kill_9_of_each_service_under_load(system: System, api: Api, world: World, report: Report):
    sc = report.scenario("1. kill -9 of each service (registry three times) under load")
    api.scenario = sc.name
    await world.register_company()

    async def kills() -> None:
        for at in (15, 45, 75):  # the registry, three times during registrations
            await until(lambda at=at: acked(api, sc, "register-household") >= at, f"{at} registrations")
            await kill_and_see_restart(system, sc, "registry")

    async def token_server() -> None:  # the launcher's seventh child: clients get new tokens once it is back
        await until(lambda: acked(api, sc, "register-household") >= 25, "25 registrations")
        since = time.monotonic()
        old = int(system.run()["auth"]["pid"])
        os.kill(old, signal.SIGKILL)
        sc.fault(f"kill -9 token server (pid {old})")
        await asyncio.gather(api.token("ops-officer", fresh=True), api.token("supervisor", fresh=True))
        await until(lambda: system.said("auth restarted (pid", since), "the launcher restarting the token server")
        sc.notes.append(f"token server: killed, restarted by the launcher, new tokens after "
                        f"{time.monotonic() - since:.1f} s")

    async def kill_when(service: str, ready: Callable[[], bool]) -> None:
        # The load's pace is the machine's: on a busy 2-core machine 60 registrations with the registry killed
        # three times on the way can take minutes.
        await until(ready, f"load on {service}", timeout=600)
        await kill_and_see_restart(system, sc, service)

    load = asyncio.gather(
        repeat(110, 4, world.register_household),
        repeat(20, 2, world.deposit),
        repeat(8, 1, world.register_enterprise),
        repeat(8, 1, world.register_partner),
    )
    faults = asyncio.gather(
        kills(),
        token_server(),
        kill_when("csr-ledger", lambda: acked(api, sc, "deposit") >= 4),
        kill_when("enterprise", lambda: acked(api, sc, "register-enterprise") >= 2),
        kill_when("partnership", lambda: acked(api, sc, "register-partner") >= 2),
        # The consumers of registry.events, while the registrations stream in.
        kill_when("disbursement", lambda: acked(api, sc, "register-household") >= 30),
        kill_when("canvas-projector", lambda: acked(api, sc, "register-household") >= 60),
    )
    await asyncio.gather(load, faults)
    await conclude(system, api, sc)


async def test_2_kill_9_mid_batch(system: System, api: Api, world: World, report: Report):
    sc = report.scenario("2. kill -9 mid-batch: disbursement mid-pay, canvas-projector mid-consume")
    api.scenario = sc.name
    await world.rank("2026-11-01")
    await world.fund_csr_program(600_000_000)
    await settle(system, api, "ranking and the CSR allocation reach disbursement")
    bpnt = await world.open_and_approve("BPNT", "2026-Q4", "2026-10-01")
    pangan = await world.open_and_approve(CSR_PROGRAM, "2026-Q4", "2026-10-01")
    # The canvas projector is frozen while the cycles pay, so that the payments reach it as one burst.
    projector = system.pid("canvas-projector")
    os.kill(projector, signal.SIGSTOP)
    try:
        # Kill disbursement while it answers `pay` (the command may or may not have committed); retry.
        key = f"pay-cycle-{bpnt}"
        paying = asyncio.create_task(world.pay(bpnt, key=key))
        async with databases(system) as db:
            await eventually(lambda: db["disbursement"].fetchval(
                "SELECT count(*) FROM idempotency_keys WHERE key = $1", key), timeout=60, interval=0.01,
                what="the pay command reaching the service")
        await kill_and_see_restart(system, sc, "disbursement")
        paid = await paying
        sc.notes.append(f"BPNT pay answered after {paid.attempts} attempt(s)"
                        + (" as a replay (it had committed before the kill)" if paid.replayed else "")
                        + f": {paid.body['payments']}")
        await world.pay(pangan)

        # Kill it again once the dispatcher sent instructions to the channel, whose callbacks are on their way
        # (the relay publishes the instructions meanwhile).
        async with databases(system) as db:
            seen = await eventually(lambda: db["disbursement"].fetchrow(
                "SELECT count(*) FILTER (WHERE sent_at IS NOT NULL AND program_id = (SELECT program_id FROM cycles "
                "WHERE cycle_id = $1)), count(*) FILTER (WHERE status = 'paid'), count(*) FROM payments", pangan),
                lambda r: r[0] > 0, timeout=60, interval=0.01, what="instructions sent to the channel")
        await kill_and_see_restart(system, sc, "disbursement")
        sc.notes.append(f"disbursement killed again with {seen[1]} of {seen[2]} payments paid")
    finally:
        os.kill(projector, signal.SIGCONT)
    sc.fault("SIGSTOP canvas-projector while the cycles paid, SIGCONT")

    # Kill the canvas projector while it takes the burst of PaymentRecorded into the transparency log.
    async with databases(system) as db:
        async def progress() -> tuple[int, int]:
            taken = await db["canvas-projector"].fetchval(
                "SELECT (SELECT count(*) FROM tlog_leaves) + (SELECT count(*) FROM tlog_staged)")
            records = await db["disbursement"].fetchval(
                "SELECT count(*) FROM events WHERE event_type = 'PaymentRecorded'")
            return taken, records

        taken, records = await eventually(progress, lambda r: r[0] > 0, timeout=120, interval=0.005,
                                          what="the transparency log taking payments")
    await kill_and_see_restart(system, sc, "canvas-projector")
    sc.notes.append(f"canvas-projector killed with {taken} of {records} payment records taken"
                    + ("" if taken < records else " (the burst was taken before the kill landed)"))
    await conclude(system, api, sc)


async def test_3_broker_paused_for_30_seconds(system: System, api: Api, world: World, report: Report):
    sc = report.scenario("3. broker SIGSTOP for 30 s, then SIGCONT")
    api.scenario = sc.name
    pkh = await world.open_and_approve("PKH", "2026-Q4", "2026-10-01")
    system.pause_broker()
    paused = time.monotonic()
    sc.fault(f"SIGSTOP broker (pid {system.broker_pid}) for 30 s")
    try:
        during: list[Ack] = [await world.pay(pkh)]
        reissued = sum([await world.reissue(world.cycles[c]) for c in ("BPNT 2026-Q4", f"{CSR_PROGRAM} 2026-Q4")])
        sc.notes.append(f"{reissued} failed or returned payments reissued while the broker was stopped")

        async def steady(job: Callable[[], Awaitable[Ack]], every: float) -> None:
            while time.monotonic() - paused < 30:
                started = time.monotonic()
                during.append(await job())
                await asyncio.sleep(max(0.0, every - (time.monotonic() - started)))

        await asyncio.gather(steady(world.register_household, 1.0), steady(world.register_household, 1.0),
                             steady(world.deposit, 3), steady(world.register_enterprise, 8),
                             steady(world.register_partner, 8))
    finally:
        system.resume_broker()
    resumed = time.monotonic()
    slow = [a for a in during if a.trouble]
    sc.notes.append(f"{len(during)} commands acknowledged while the broker was stopped "
                    f"({len(slow)} needed a retry)")
    assert not slow, [(a.kind, a.trouble) for a in slow]  # commands never depend on the broker
    await conclude(system, api, sc, resumed)


def cluster_id(pid: int) -> str:
    cmd = psutil.Process(pid).cmdline()
    return cmd[cmd.index("--cluster-id") + 1]


async def test_4_broker_restart_loses_its_memory(system: System, api: Api, world: World, report: Report):
    sc = report.scenario("4. broker kill -9: a new, empty broker on the same port")
    api.scenario = sc.name
    before = _log_state["last"]
    since = time.monotonic()
    old = system.kill_broker()
    sc.fault(f"kill -9 broker (pid {old}); the launcher starts an empty one")
    load = asyncio.gather(repeat(20, 2, world.register_household), repeat(5, 1, world.deposit))
    await until(lambda: system.broker_replaced(old, since), "the launcher replacing the broker", 120)
    new = cluster_id(system.broker_pid)
    await load
    # Payments after the restart: the transparency log must take them and seal again.
    for program in ("BPNT", CSR_PROGRAM):
        await world.pay(await world.open_and_approve(program, "2027-Q1", "2027-01-01"))
    await conclude(system, api, sc)
    assert _log_state["last"].size > before.size, "the log sealed nothing after the broker restart"
    publishing: set[str] = set()  # services with events of their own (the ops console publishes none)
    async with databases(system) as db:
        for name, conn in db.items():
            epochs = {r[0] for r in await conn.fetch("SELECT broker_epoch FROM relay_checkpoints")}
            if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM events)"):
                publishing.add(name)
            assert epochs == ({new} if name in publishing else epochs & {new}), (name, "relay", epochs, new)
            # Every consumer rereads from the new broker; a partition's position moves to it when the relay's
            # republished records reach it, which on a busy machine may come after the figures agree.
            await eventually(lambda conn=conn: conn.fetch("SELECT DISTINCT broker_epoch FROM consumer_positions"),
                             lambda rows: {r[0] for r in rows} <= {new}, timeout=180, interval=0.5,
                             what=f"{name}'s consumers reading from the new broker {new}")
    republished = {s: await metric(api, s, "gotong_relay_republishes_total") for s in SERVICES}
    rereads = {s: await metric(api, s, "gotong_consumer_broker_changes_total") for s in SERVICES}
    sc.notes.append(f"new broker {new}: relays republished {republished}; consumers reread {rereads}; the log "
                    f"grew from {before.size} to {_log_state['last'].size} leaves")
    assert all(republished[s] >= 1 for s in publishing), republished


async def metric(api: Api, service: str, name: str) -> float:
    """A counter summed over its labels, from the service's /metrics."""
    text = await api.get(service, "/metrics")
    return sum(s.value for f in text_string_to_metric_families(text) for s in f.samples if s.name == name)


async def test_5_postgres_fast_stop_and_start(system: System, api: Api, world: World, report: Report):
    sc = report.scenario("5. PostgreSQL stopped (pg_ctl -m fast) and started; services keep running")
    api.scenario = sc.name
    pids = system.pids()
    since = time.monotonic()
    system.stop_postgres()
    sc.fault("pg_ctl stop -m fast, probes for 10 s, pg_ctl start")
    # Clients that keep sending commands through the outage, retrying with their keys.
    retrying = asyncio.gather(repeat(6, 2, world.register_household), repeat(3, 1, world.deposit),
                              repeat(2, 1, world.register_enterprise), repeat(2, 1, world.register_partner))
    reads = {"registry": "/v1/households", "disbursement": "/v1/cycles", "csr-ledger": "/v1/companies",
             "enterprise": "/v1/enterprises", "partnership": "/v1/partners",
             "canvas-projector": "/transparency/checkpoint", "grievance": "/v1/cases"}
    # every service with an API of its own to read (the ops console only answers signed-in people)
    answers: dict[str, list[int]] = {s: [] for s in reads}
    try:
        async with httpx.AsyncClient(timeout=15) as http:
            token = await api.token("ops-officer")
            while time.monotonic() - since < 10:
                for service, path in reads.items():
                    r = await http.get(system.url(service) + path, headers={"Authorization": f"Bearer {token}"})
                    answers[service].append(r.status_code)
                    api.note(service, path, r)
                await asyncio.sleep(0.2)  # a reader's pace, not a wait for an effect
    finally:
        system.start_postgres()
    started = time.monotonic()
    sc.notes.append("reads during the outage answered: " + ", ".join(
        f"{s} {sorted(set(a))}" for s, a in answers.items()))
    commands = await retrying
    refused = [a.trouble for group in commands for a in group]
    sc.notes.append(f"commands sent during the outage were answered {sorted({t for r in refused for t in r})} "
                    "before they succeeded")
    for service, statuses in answers.items():
        assert 503 in statuses, (service, statuses)
    assert all(set(t) <= {"503"} for t in refused), refused  # 503 + Retry-After, never a 500 or a hang
    await asyncio.gather(repeat(10, 2, world.register_household), repeat(3, 1, world.register_partner))
    reissued = sum([await world.reissue(cycle) for cycle in world.cycles.values()])
    sc.notes.append(f"{reissued} failed or returned payments reissued after the outage")
    await conclude(system, api, sc, started)
    assert system.pids() == pids, "a service was restarted"
    assert not system.said("restarted (pid", since), system.tail()


async def test_6_audit_names_a_deleted_ledger_transfer(system: System, api: Api, report: Report):
    """`gotong audit` (the CLI, on the state folder `gotong up` wrote) agrees after all the faults, and names the
    payment and the accounts when one ledger transfer disappears."""
    sc = report.scenario("6. gotong audit after the faults, then with one ledger transfer deleted")
    cli = [sys.executable, "-m", "gotong.cli.main", "audit"]
    env = {**os.environ, "GOTONG_STATE_DIR": str(system.root)}
    env.pop("DATABASE_URL", None)
    clean = await asyncio.to_thread(subprocess.run, cli, env=env, capture_output=True, text=True, timeout=300)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "all figures agree" in clean.stdout
    async with databases(system) as db:
        ledger = db["csr-ledger"]
        gone = await ledger.fetchrow("SELECT * FROM ledger_transfers WHERE code = 'spending' ORDER BY seq LIMIT 1")
        assert gone is not None, "the scenarios paid CSR-funded households"
        await ledger.execute("DELETE FROM ledger_transfers WHERE id = $1", gone["id"])
        sc.fault(f"DELETE one spending transfer of payment {gone['reference']} from the CSR ledger")
        try:
            broken = await asyncio.to_thread(subprocess.run, [*cli, "--json"], env=env, capture_output=True,
                                             text=True, timeout=300)
        finally:
            columns = list(gone.keys())
            await ledger.execute(
                f"INSERT INTO ledger_transfers ({', '.join(columns)}) OVERRIDING SYSTEM VALUE VALUES "
                f"({', '.join(f'${i + 1}' for i in range(len(columns)))})", *gone.values())
    assert broken.returncode == 1, broken.stdout + broken.stderr
    mismatches = json.loads(broken.stdout)["mismatches"]
    sc.notes.append(f"with the transfer deleted: {len(mismatches)} mismatch(es), e.g. {mismatches[0]}")
    assert any(str(gone["debit_account_id"]) in m and "debits posted" in m for m in mismatches), mismatches
    assert any(gone["reference"] in m for m in mismatches), mismatches
    assert any(m.startswith("CSR spending per program") for m in mismatches), mismatches
    again = await asyncio.to_thread(subprocess.run, cli, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stdout
