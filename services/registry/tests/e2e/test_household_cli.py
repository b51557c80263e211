"""`gotong household ...` against a served registry (real PostgreSQL and broker): an officer registers, sees the
household flagged with its review and the other household, proposes; a verifier without the approve scope is
told who holds it; a supervisor decides."""

import asyncio
import json
import socket

import pytest
import uvicorn
from click.testing import CliRunner

from gotong.messaging.topics import dlq_topic, ensure_topics, events_topic
from registry.adapters.civil_registry import DukcapilSimulator
from registry.adapters.crypto import KeyRing
from registry.application.commands import Deps
from registry.config import Settings
from registry.entrypoints.api.app import create_app
from registry.entrypoints.cli_household import household
from registry.synthetic import households

from .conftest import ALL, ISSUER


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def served(database_url, kafka_bootstrap, tmp_path, monkeypatch):
    topics = [events_topic("registry"), events_topic("disbursement")]
    await ensure_topics(kafka_bootstrap, [*topics, *(dlq_topic(t) for t in topics)])
    settings = Settings(database_url=database_url, kafka_bootstrap_servers=kafka_bootstrap, relay_enabled=False,
                        consume_disbursement=False)
    app = create_app(settings, deps=Deps(KeyRing.from_text(settings.master_secret), DukcapilSimulator(seed="cli")))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="off"))
    async with app.router.lifespan_context(app):
        app.state.token_verifier = ISSUER.verifier()
        task = asyncio.create_task(server.serve())
        while not server.started:
            assert not task.done(), "uvicorn did not start"
            await asyncio.sleep(0.02)
        # the state dir of a local `gotong up`: which demo client holds which scope, for the hints
        (tmp_path / "auth").mkdir()
        (tmp_path / "auth" / "clients.json").write_text(json.dumps({"clients": [
            {"client_id": "verifier-1", "client_secret": "x", "scopes": ["registry:read", "registry:verify"]},
            {"client_id": "supervisor", "client_secret": "y", "scopes": ["registry:read", "registry:approve"]}]}))
        monkeypatch.setenv("GOTONG_REGISTRY_URL", f"http://127.0.0.1:{port}")
        for name in ("GOTONG_TOKEN_URL", "GOTONG_CLIENT_SECRET", "GOTONG_NO_AUTH"):
            monkeypatch.delenv(name, raising=False)
        yield tmp_path
        server.should_exit = True
        await task


async def gotong(monkeypatch, state, who: str, scopes: str, *args: str, stdin: str | None = None):
    token = ISSUER.headers(who, scopes, client_id=who)["Authorization"].removeprefix("Bearer ")
    monkeypatch.setenv("GOTONG_ACCESS_TOKEN", token)
    runner = CliRunner()
    return await asyncio.to_thread(runner.invoke, household, ["--as", who, "--state-dir", str(state), *args],
                                   input=stdin)


async def test_an_officer_registers_reviews_and_a_supervisor_decides(served, monkeypatch):
    first, second = list(households(2, seed=41))
    second["members"].append({**first["members"][0], "relation": "famili"})
    done = await gotong(monkeypatch, served, "ops-1", ALL, "register", "--json", "-", stdin=json.dumps(first))
    assert done.exit_code == 0, done.output
    holder = json.loads(done.output)["household_ref"]

    flagged = await gotong(monkeypatch, served, "ops-1", ALL, "register", "-", stdin=json.dumps(second))
    assert flagged.exit_code == 0, flagged.output
    assert "flagged" in flagged.output
    assert "duplicate_nik" in flagged.output
    assert first["members"][0]["nik"] not in flagged.output  # the table shows references, never a NIK

    queue = await gotong(monkeypatch, served, "ops-1", ALL, "reviews", "--json")
    review = json.loads(queue.output)["items"][0]
    assert holder in review["reasons"][0]["other_households"]

    verifier = "registry:read registry:verify"
    proposed = await gotong(monkeypatch, served, "verifier-1", verifier, "propose", str(review["id"]),
                            "--decision", "verified", "--note", "NIK ganda sudah dicek di lapangan")
    assert proposed.exit_code == 0, proposed.output
    refused = await gotong(monkeypatch, served, "verifier-1", verifier, "decide", str(review["id"]))
    assert refused.exit_code == 1
    assert "HTTP 403" in refused.output
    assert "verifier-1 lacks registry:approve; act as supervisor (--as supervisor)" in refused.output

    decided = await gotong(monkeypatch, served, "supervisor", "registry:read registry:verify registry:approve",
                           "decide", "--json", str(review["id"]))
    assert decided.exit_code == 0, decided.output
    assert json.loads(decided.output)["household"]["verification"] == "verified"


async def test_bad_input_is_refused_with_the_field(served, monkeypatch, tmp_path):
    not_json = tmp_path / "h.json"
    not_json.write_text("{kk: 1")
    out = await gotong(monkeypatch, served, "ops-1", ALL, "register", str(not_json))
    assert out.exit_code == 2
    assert "not JSON" in out.output
    row = next(households(1, seed=42))
    row["members"][0]["nik"] = "12345"
    out = await gotong(monkeypatch, served, "ops-1", ALL, "register", "-", stdin=json.dumps(row))
    assert out.exit_code == 1
    assert "HTTP 422" in out.output
    assert "members.0.nik" in out.output
    assert "12345" not in out.output
