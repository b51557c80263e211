"""`gotong partnership partner|agreement|project|milestone ...` against a served partnership app (real PostgreSQL
and broker, real HTTP): partners registered, an MoU signed by the client that holds the approve scope (the other
is told who holds it), a project created, a milestone planned overdue, listed, completed by an id prefix, and the
project completed; bad input names the field, an ambiguous prefix lists the candidates."""

import asyncio
import json
import socket
from datetime import timedelta

import pytest
import uvicorn
from click.testing import CliRunner

from gotong.messaging.topics import dlq_topic, ensure_topics
from partnership.application.regions import today
from partnership.bootstrap import create_app
from partnership.config import Settings
from partnership.entrypoints.cli import partnership

from .conftest import ISSUER

WRITER = "partnership:read partnership:write"
SUPERVISOR = "partnership:read partnership:write partnership:approve"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def served(database_url, kafka_bootstrap, tmp_path, monkeypatch):
    await ensure_topics(kafka_bootstrap, ["partnership.events", dlq_topic("partnership.events")])
    app = create_app(Settings(database_url=database_url, kafka_bootstrap_servers=kafka_bootstrap,
                              relay_enabled=False, overdue_check_interval_s=0))
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
            {"client_id": "supervisor", "client_secret": "y", "scopes": SUPERVISOR.split()}]}))
        monkeypatch.setenv("GOTONG_PARTNERSHIP_URL", f"http://127.0.0.1:{port}")
        for name in ("GOTONG_TOKEN_URL", "GOTONG_CLIENT_SECRET", "GOTONG_NO_AUTH"):
            monkeypatch.delenv(name, raising=False)
        yield tmp_path
        server.should_exit = True
        await task


async def gotong(monkeypatch, state, who: str, scopes: str, group: str, command: str, *args: str,
                 stdin: str | None = None):
    token = ISSUER.headers(who, scopes, client_id=who)["Authorization"].removeprefix("Bearer ")
    monkeypatch.setenv("GOTONG_ACCESS_TOKEN", token)
    argv = [group, command, "--as", who, "--state-dir", str(state), *args]
    return await asyncio.to_thread(CliRunner().invoke, partnership, argv, input=stdin)


def day(n: int) -> str:
    return (today() + timedelta(days=n)).isoformat()


async def test_a_partnership_from_partners_to_a_completed_project(served, monkeypatch):
    async def ok(who, scopes, *args, stdin=None):
        r = await gotong(monkeypatch, served, who, scopes, *args, stdin=stdin)
        assert r.exit_code == 0, r.output
        return r

    async def partner(name, strand, kind, **more):
        r = await ok("ops-officer", WRITER, "partner", "register", "--json", "-", stdin=json.dumps(
            {"name": name, "strand": strand, "kind": kind, "region_code": "35.78", **more}))
        return json.loads(r.output)["id"]

    gov = await partner("Pemerintah Kota Surabaya", "government", "pemkot")
    campus = await partner("Institut Teknologi Sepuluh Nopember", "campus", "institute")
    industry = await partner("PT Daur Ulang Nusantara", "industry", "company", nib="8120202345601")
    mou = json.loads((await ok("ops-officer", WRITER, "agreement", "draft", "--json", "-", stdin=json.dumps({
        "kind": "mou", "title": "MoU TPST", "purpose": "Kerja sama pengelolaan sampah", "starts_on": day(-30),
        "ends_on": day(700), "parties": [{"partner_id": p, "role": r} for p, r in (
            (gov, "regulator"), (campus, "researcher"), (industry, "implementer"))],
        "documents": [{"sha256": "ab" * 32, "title": "MoU TPST (ditandatangani)"}]}))).output)["id"]

    args = ("agreement", "sign", mou, *(x for p in (gov, campus, industry) for x in ("--by", p)))
    refused = await gotong(monkeypatch, served, "ops-officer", WRITER, *args)
    assert refused.exit_code == 1
    assert "ops-officer lacks partnership:approve; act as supervisor (--as supervisor)" in refused.output
    await ok("supervisor", SUPERVISOR, *args, "--on", day(-20))
    active = await ok("supervisor", SUPERVISOR, "agreement", "activate", mou, "--json")
    assert json.loads(active.output)["status"] == "active"

    created = await ok("ops-officer", WRITER, "project", "create", "--json", "-", stdin=json.dumps({
        "title": "TPST Berbasis Teknologi", "goals": ["Mengurangi sampah ke TPA 30%"], "region_code": "35.78",
        "budget": 4_500_000_000, "starts_on": day(-30), "ends_on": day(700), "agreement_ids": [mou],
        "partners": [{"partner_id": gov, "role": "regulator"}, {"partner_id": campus, "role": "researcher"},
                     {"partner_id": industry, "role": "implementer"}]}))
    project = json.loads(created.output)["id"]
    planned = await ok("ops-officer", WRITER, "milestone", "plan", project, "--title", "Desain rinci",
                       "--due", day(-3), "--json")
    milestone = json.loads(planned.output)["id"]

    late = await ok("ops-officer", WRITER, "milestone", "list", "--json")
    [row] = json.loads(late.output)["items"]
    assert (row["milestone_id"], row["days_overdue"], row["project_id"]) == (milestone, 3, project)
    table = await ok("ops-officer", WRITER, "milestone", "list")
    assert "Desain rinci" in table.output
    assert milestone[:8] in table.output

    open_one = await gotong(monkeypatch, served, "ops-officer", WRITER, "project", "complete", project,
                            "--summary", "Selesai dibangun")
    assert open_one.exit_code == 1, "a milestone is still open"
    assert "HTTP 409" in open_one.output
    done = await ok("ops-officer", WRITER, "milestone", "complete", project, milestone[:13],
                    "--url", "https://example.org/desain.pdf", "--json")
    assert json.loads(done.output)["done_on"] == today().isoformat()
    assert json.loads((await ok("ops-officer", WRITER, "milestone", "list", "--json")).output)["items"] == []
    finished = await ok("ops-officer", WRITER, "project", "complete", project, "--summary", "Selesai dibangun",
                        "--json")
    assert json.loads(finished.output)["status"] == "completed"


async def test_bad_input_names_the_field_and_prefixes_must_be_unique(served, monkeypatch):
    out = await gotong(monkeypatch, served, "ops-officer", WRITER, "partner", "register", "-",
                       stdin=json.dumps({"name": "Pemkot", "strand": "government", "kind": "pemkot",
                                         "region_code": "99.99"}))
    assert out.exit_code == 1
    assert "HTTP 422" in out.output
    assert "region_code" in out.output
    out = await gotong(monkeypatch, served, "ops-officer", WRITER, "milestone", "plan", "0", "--title", "x",
                       "--due", "kemarin")
    assert out.exit_code == 2
    assert "kemarin" in out.output
    for name in ("Pemerintah Kota Malang", "Pemerintah Kota Batu"):
        r = await gotong(monkeypatch, served, "ops-officer", WRITER, "partner", "register", "-",
                         stdin=json.dumps({"name": name, "strand": "government", "kind": "pemkot",
                                           "region_code": "35.78"}))
        assert r.exit_code == 0, r.output
    out = await gotong(monkeypatch, served, "ops-officer", WRITER, "milestone", "list", "--project", "0")
    assert out.exit_code == 1
    assert "no id starts with '0'" in out.output
    out = await gotong(monkeypatch, served, "supervisor", SUPERVISOR, "agreement", "sign",
                       "00000000-0000-0000-0000-000000000000", "--by", "0")
    assert out.exit_code == 1
    assert "'0' is ambiguous" in out.output
