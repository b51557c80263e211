"""Found by the fault suite: when two children crashed close together, restarting the first rewrote run.json
while the second was dead and reaped, and `process_identity` of its pid raised NoSuchProcess — the launcher
itself died and took the whole system down. A dead child is recorded by pid alone (no process matches it)."""

from __future__ import annotations

import sys
from pathlib import Path

from gotong.launcher.children import Child
from gotong.launcher.run import Launch, Ports, Supervisor, _run_record
from gotong.launcher.state import StateDir, same_process


def _child(name: str, tmp_path: Path) -> Child:
    child = Child(name, [sys.executable, "-c", "import time; time.sleep(60)"], {}, tmp_path / f"{name}.log")
    child.start(lambda line: None)
    return child


def test_run_json_is_written_while_a_crashed_child_awaits_its_restart(tmp_path: Path):
    launch = Launch(StateDir.at(tmp_path / "state"), Ports())
    launch.state.create()
    children = [_child(name, tmp_path) for name in ("auth", "registry", "enterprise")]
    launch.children = children
    urls = {"registry": "http://r", "enterprise": "http://e"}
    records: list[dict] = []
    supervisor = Supervisor(launch, lambda line: None, lambda: records.append(_run_record(launch, urls, "http://a")))
    try:
        for child in children[1:]:  # both crash; the supervisor reaps both and restarts them one by one
            child.process.kill()
            child.process.wait(10)
        supervisor.tick()
        supervisor.restarts["registry"].due = 0.0  # the registry's backoff is over, the enterprise's not yet
        supervisor.tick()
        assert children[1].running
        assert not children[2].running
        assert records, "run.json was rewritten after the restart"
        record = records[-1]
        assert record["services"]["registry"]["pid"] == children[1].pid
        assert same_process(record["services"]["registry"]) is not None
        assert same_process(record["services"]["enterprise"]) is None  # dead: nothing matches it
    finally:
        for child in children:
            if child.running:
                child.process.kill()
                child.process.wait(10)
            child.join_output()
