"""kill -9 of the service process in the middle of computing and in the middle of paying a cycle, then a
restart: every household is entitled once and paid exactly once (checked at the channel, which keeps its
own ledger in another process)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from uuid import UUID

import httpx
import pytest
from click.testing import CliRunner

from disbursement.adapters.projections import projectors
from disbursement.application import cycles as cy
from disbursement.entrypoints.cli import cycle
from disbursement.fixtures import copy_households, random_rows
from gotong.adapters.sql import Database
from gotong.application.uow import UnitOfWorkFactory
from gotong.db import create_engine
from gotong.eventstore import EventMetadata
from gotong.eventstore.postgres import PostgresEventStore

HOUSEHOLDS = 2000
# The service and the channel as their own processes (`python -m disbursement` is what `gotong serve
# disbursement` runs, without loading the launcher and every other service).
SERVICE = [sys.executable, "-m", "disbursement"]
SIMULATOR = [sys.executable, "-m", "disbursement.simulator"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(url)


class Service:
    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.env, self.port, self.log = env, port, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        out = self.log.open("ab")
        self.proc = subprocess.Popen([*SERVICE, "--port", str(self.port)], env=self.env,
                                     stdout=out, stderr=subprocess.STDOUT)
        wait_up(f"http://127.0.0.1:{self.port}/healthz", self.proc)

    def kill9(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill9()


async def scalar(engine, query: str, *args) -> int:
    async with Database(engine).statement() as sql:
        return int(await sql.fetchval(query, *args))


async def wait_for(engine, query: str, predicate, *args, timeout: float = 60.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await scalar(engine, query, *args)
        if predicate(value):
            return value
        await asyncio.sleep(0.02)
    raise TimeoutError(query)


@pytest.mark.slow
async def test_kill_9_mid_compute_and_mid_pay_pays_each_household_once(database_url, kafka_bootstrap,
                                                                         tmp_path):
    engine = create_engine(database_url, pool_size=4)
    async with Database(engine).transaction() as sql:
        await copy_households(sql, random_rows(HOUSEHOLDS, seed=11))
    sim_port, port = free_port(), free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
           "AUTH_REQUIRED": "false", "RELAY_ENABLED": "false", "CONSUME_REGISTRY": "false",
           "CONSUME_CSR_LEDGER": "false", "EMBEDDED_CHANNEL": "false", "CHANNEL_URL": f"http://127.0.0.1:{sim_port}",
           "CALLBACK_BASE_URL": f"http://127.0.0.1:{port}", "COMPUTE_BATCH": "25", "DISPATCH_BATCH": "100",
           "DISPATCH_ROUNDS": "1", "DISPATCH_INTERVAL_S": "0.05", "LOG_LEVEL": "WARNING"}
    sim = subprocess.Popen([*SIMULATOR, "--port", str(sim_port), "--delay", "0.05",
                            "--failure-rate", "0", "--return-rate", "0", "--wrong-amount-rate", "0"],
                           env=env, stdout=(tmp_path / "sim.log").open("ab"), stderr=subprocess.STDOUT)
    service = Service(env, port, tmp_path / "service.log")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_up(f"http://127.0.0.1:{sim_port}/ledger", sim)
        service.start()
        async with httpx.AsyncClient(base_url=base, timeout=120) as client:
            r = await client.post("/v1/cycles", json={"program": "BPNT", "period": "2026-Q4",
                                                      "cutoff": "2026-10-01"})
            assert r.status_code == 201, r.text
            cid = r.json()["cycle_id"]
            # Compute, and kill the process once some batches are committed but not all.
            computing = asyncio.create_task(client.post(f"/v1/cycles/{cid}/compute"))
            partial = await wait_for(engine, "SELECT count(*) FROM entitlements", lambda n: n > 0)
            service.kill9()
            with pytest.raises(httpx.HTTPError):
                await computing
            assert partial < HOUSEHOLDS
            assert await scalar(engine, "SELECT count(*) FROM cycles WHERE status = 'open'") == 1
        service.start()
        async with httpx.AsyncClient(base_url=base, timeout=120) as client:
            r = await client.post(f"/v1/cycles/{cid}/compute")
            assert r.status_code == 200, r.text
            assert r.json()["households"] == HOUSEHOLDS
            # Maker–checker: the API runs without auth here (everyone is "anonymous"), so a supervisor approves
            # through the application layer as a different officer.
            units = UnitOfWorkFactory(PostgresEventStore(engine), projectors=projectors)
            async with units.begin(EventMetadata(actor="ops-2")) as uow:
                await cy.review(uow, UUID(cid), "ops-2", None)
            async with units.begin(EventMetadata(actor="sup-1")) as uow:
                await cy.approve(uow, UUID(cid), "sup-1")
            r = await client.post(f"/v1/cycles/{cid}/pay")
            assert r.json()["instructed_now"] == HOUSEHOLDS
            paid = await wait_for(engine, "SELECT count(*) FROM payments WHERE status = 'paid'", lambda n: n > 0)
        service.kill9()
        assert paid < HOUSEHOLDS
        service.start()
        async with httpx.AsyncClient(base_url=base, timeout=120) as client:
            r = await client.post(f"/v1/cycles/{cid}/pay")  # a retry after the crash instructs nothing new
            assert r.json()["instructed_now"] == 0
        await wait_for(engine, "SELECT count(*) FROM payments WHERE status = 'paid'", lambda n: n == HOUSEHOLDS,
                       timeout=90)
        async with httpx.AsyncClient(timeout=10) as plain:
            ledger = (await plain.get(f"http://127.0.0.1:{sim_port}/ledger")).json()
        payees = [p["payee_fa"] for p in ledger["payouts"]]
        assert len(payees) == HOUSEHOLDS
        assert len(set(payees)) == HOUSEHOLDS  # the channel paid every household exactly once
        assert await scalar(engine, "SELECT count(DISTINCT household_ref) FROM entitlements") == HOUSEHOLDS
        assert await scalar(engine, "SELECT count(*) FROM entitlements") == HOUSEHOLDS
        assert await scalar(engine, "SELECT count(*) FROM events WHERE event_type = 'PaymentRecorded' "
                                    "AND data->>'status' = 'paid'") == HOUSEHOLDS
        # The CLI against the restarted service: close and reconcile the cycle (nothing open, all paid).
        runner = CliRunner(env={"GOTONG_NO_AUTH": "1", "GOTONG_DISBURSEMENT_URL": base})
        result = await asyncio.to_thread(runner.invoke, cycle, ["reconcile", cid])
        assert result.exit_code == 0, result.output
        assert "reconciled" in result.output
        result = await asyncio.to_thread(runner.invoke, cycle, ["list", "--program", "BPNT"])
        assert "reconciled" in result.output
        assert f"{HOUSEHOLDS:,}" in result.output
    finally:
        service.stop()
        sim.terminate()
        sim.wait(10)
        await engine.dispose()
