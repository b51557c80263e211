"""`gotong enterprise register|verify|activate` and `gotong enterprise report submit|queue|review` against a served
enterprise app (real PostgreSQL and broker, real HTTP): an officer registers and submits, a reviewer finds the
report in the queue by an id prefix and accepts it; four eyes and missing scopes are explained; bad input names
the field."""

import asyncio
import json
import socket

import pytest
import uvicorn
from click.testing import CliRunner

from enterprise.bootstrap import create_app
from enterprise.config import Settings
from enterprise.entrypoints.cli import enterprise
from gotong.messaging.topics import dlq_topic, ensure_topics

from .test_enterprise_flow import ISSUER, METRICS, body

WRITER = "enterprise:read enterprise:write"
REVIEWER = "enterprise:read enterprise:review enterprise:verify"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def served(database_url, kafka_bootstrap, tmp_path, monkeypatch):
    topics = ["enterprise.events", "csr-ledger.events", "registry.events"]
    await ensure_topics(kafka_bootstrap, [*topics, *(dlq_topic(t) for t in topics)])
    app = create_app(Settings(database_url=database_url, kafka_bootstrap_servers=kafka_bootstrap,
                              relay_enabled=False, consume_csr=False, consume_registry=False))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="off"))
    async with app.router.lifespan_context(app):
        app.state.token_verifier = ISSUER.verifier()
        task = asyncio.create_task(server.serve())
        while not server.started:
            assert not task.done(), "uvicorn did not start"
            await asyncio.sleep(0.02)
        (tmp_path / "auth").mkdir()
        (tmp_path / "auth" / "clients.json").write_text(json.dumps({"clients": [
            {"client_id": "ops-officer", "client_secret": "x", "scopes": WRITER.split()},
            {"client_id": "supervisor", "client_secret": "y", "scopes": REVIEWER.split()}]}))
        monkeypatch.setenv("GOTONG_ENTERPRISE_URL", f"http://127.0.0.1:{port}")
        for name in ("GOTONG_TOKEN_URL", "GOTONG_CLIENT_SECRET", "GOTONG_NO_AUTH"):
            monkeypatch.delenv(name, raising=False)
        yield tmp_path
        server.should_exit = True
        await task


async def gotong(monkeypatch, state, who: str, scopes: str, *args: str, stdin: str | None = None):
    token = ISSUER.headers(who, scopes, client_id=who)["Authorization"].removeprefix("Bearer ")
    monkeypatch.setenv("GOTONG_ACCESS_TOKEN", token)
    return await asyncio.to_thread(CliRunner().invoke, enterprise, [*args, "--as", who, "--state-dir", str(state)]
                                   if args and args[0] != "report" else
                                   [*args[:2], "--as", who, "--state-dir", str(state), *args[2:]], input=stdin)


async def test_register_submit_and_review_with_four_eyes(served, monkeypatch):
    done = await gotong(monkeypatch, served, "ops-officer", WRITER, "register", "--json", "-",
                        stdin=json.dumps(body("8120009999999")))
    assert done.exit_code == 0, done.output
    eid = json.loads(done.output)["id"]

    own = await gotong(monkeypatch, served, "ops-officer", WRITER + " enterprise:verify", "verify", eid[:8])
    assert own.exit_code == 1
    assert "HTTP 403" in own.output
    missing = await gotong(monkeypatch, served, "ops-officer", WRITER, "activate", eid)
    assert missing.exit_code == 1
    assert "ops-officer lacks enterprise:review" in missing.output
    assert "act as supervisor (--as supervisor)" in missing.output

    for step in ("verify", "activate"):  # by NIB, then by an id prefix
        r = await gotong(monkeypatch, served, "supervisor", REVIEWER, step,
                         "8120009999999" if step == "verify" else eid[:6])
        assert r.exit_code == 0, r.output
    shown = await gotong(monkeypatch, served, "supervisor", REVIEWER, "activate", "--json", eid)
    assert shown.exit_code == 1, "already active"
    assert "HTTP 409" in shown.output

    report = {"period": "2026-Q3", "metrics": METRICS}
    submitted = await gotong(monkeypatch, served, "ops-officer", WRITER, "report", "submit", eid[:8], "-",
                             stdin=json.dumps(report))
    assert submitted.exit_code == 0, submitted.output
    assert "submitted" in submitted.output

    queue = await gotong(monkeypatch, served, "supervisor", REVIEWER, "report", "queue", "--json")
    assert queue.exit_code == 0, queue.output
    [waiting] = json.loads(queue.output)["items"]
    assert (waiting["enterprise_id"], waiting["period"], waiting["version"]) == (eid, "2026-Q3", 1)
    table = await gotong(monkeypatch, served, "supervisor", REVIEWER, "report", "queue")
    assert "Koperasi" in table.output
    assert eid[:8] in table.output

    neither = await gotong(monkeypatch, served, "supervisor", REVIEWER, "report", "review", eid, "2026-Q3", "1")
    assert neither.exit_code == 2
    assert "exactly one of --accept or --return" in neither.output
    accepted = await gotong(monkeypatch, served, "supervisor", REVIEWER, "report", "review", eid[:8], "2026-Q3",
                            "1", "--accept", "--json")
    assert accepted.exit_code == 0, accepted.output
    assert json.loads(accepted.output)["versions"][0]["status"] == "accepted"
    empty = await gotong(monkeypatch, served, "supervisor", REVIEWER, "report", "queue", "--json")
    assert json.loads(empty.output)["items"] == []


async def test_bad_input_is_refused_with_the_field(served, monkeypatch, tmp_path):
    bad = tmp_path / "e.json"
    bad.write_text("{name: 1")
    out = await gotong(monkeypatch, served, "ops-officer", WRITER, "register", str(bad))
    assert out.exit_code == 2
    assert "not JSON" in out.output
    out = await gotong(monkeypatch, served, "ops-officer", WRITER, "register", "-",
                       stdin=json.dumps(body("12345")))
    assert out.exit_code == 1
    assert "HTTP 422" in out.output
    assert "nib" in out.output
    out = await gotong(monkeypatch, served, "ops-officer", WRITER, "verify", "zz-not-an-id")
    assert out.exit_code == 2
    assert "13-digit NIB" in out.output
    out = await gotong(monkeypatch, served, "ops-officer", WRITER, "verify", "abcdef")
    assert out.exit_code == 1
    assert "no id starts with 'abcdef'" in out.output
