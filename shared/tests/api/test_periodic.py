"""Periodic lifespan jobs run repeatedly, survive a failing run, and stop with the app."""

import asyncio
from types import SimpleNamespace

from gotong.api.periodic import periodic
from gotong.testing.wait import eventually


async def _count(runs: list) -> int:
    return len(runs)


async def test_job_runs_repeatedly_survives_failures_and_stops():
    runs = []

    async def job(app):
        runs.append(app.name)
        if len(runs) == 2:
            raise RuntimeError("database briefly away")

    hook = periodic("test job", lambda app: 0.01, job)
    app = SimpleNamespace(name="svc")
    async with hook(app):
        await eventually(lambda: _count(runs), lambda n: n >= 4, timeout=10, interval=0.01,
                         what="four runs, the second failing")
    stopped_at = len(runs)
    await asyncio.sleep(0.05)  # five intervals: a job still scheduled would run in them
    assert stopped_at >= 4, "the failing second run did not stop the job"
    assert len(runs) == stopped_at, "nothing runs after shutdown"
