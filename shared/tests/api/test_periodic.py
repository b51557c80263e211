"""Periodic lifespan jobs run repeatedly, survive a failing run, and stop with the app."""

import asyncio
from types import SimpleNamespace

from gotong.api.periodic import periodic


async def test_job_runs_repeatedly_survives_failures_and_stops():
    runs = []

    async def job(app):
        runs.append(app.name)
        if len(runs) == 2:
            raise RuntimeError("database briefly away")

    hook = periodic("test job", lambda app: 0.01, job)
    app = SimpleNamespace(name="svc")
    async with hook(app):
        await asyncio.sleep(0.2)
    stopped_at = len(runs)
    await asyncio.sleep(0.05)
    assert stopped_at >= 4, "the failing second run did not stop the job"
    assert len(runs) == stopped_at, "nothing runs after shutdown"
