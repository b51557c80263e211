"""Demo data loads once through ServiceSpec.demo_data with the promised shape, and the `gotong partnership`
CLI reads it: two complete projects (one with an overdue milestone), one incomplete with its reason."""

import json

import pytest
from click.testing import CliRunner

from gotong.adapters.sql import Database
from gotong.db import create_engine
from gotong.service import discover_services
from partnership.adapters.reads import PartnershipReads
from partnership.application import queries as q
from partnership.application.regions import today
from partnership.config import Settings
from partnership.demo import PARTNERS


@pytest.fixture
async def demo_db(database_url):
    spec = discover_services()["partnership"]
    assert spec.demo_data is not None
    assert spec.cli is not None
    settings = Settings(database_url=database_url)
    await spec.demo_data(settings)
    await spec.demo_data(settings)  # a second `gotong up` adds nothing
    return database_url


async def test_demo_has_complete_incomplete_and_overdue_projects(demo_db):
    engine = create_engine(demo_db, pool_size=1)
    try:
        async with Database(engine).read() as sql:
            reads = PartnershipReads(sql)
            partners = await q.list_partners(reads, limit=100)
            result = await q.checks(reads, today())
            net = await q.network(reads, today(), "35")
    finally:
        await engine.dispose()
    assert len(partners) == len(PARTNERS)
    by_title = {p["title"]: p for p in result["projects"]}
    surabaya = by_title["Pengelolaan Sampah Berbasis Teknologi Kota Surabaya"]
    jabar = by_title["Layanan Digital Desa Jawa Barat"]
    sleman = by_title["Percepatan Penurunan Stunting Kabupaten Sleman"]
    assert (surabaya["helix_complete"], surabaya["overdue_milestones"]) == (True, [])
    assert jabar["helix_complete"] is True
    assert [m["title"] for m in jabar["overdue_milestones"]] == ["Konektivitas 50 desa percontohan"]
    assert sleman["helix_missing"] == ["industry"]
    assert "PT Pangan Sehat Nusantara (industry) has no signed or active agreement" in sleman["reasons"][0]
    assert "is draft" in sleman["reasons"][0]
    assert surabaya["committed_rupiah"] == 12_500_000_000
    assert surabaya["delivered_rupiah"] == 8_600_000_000
    # The network of East Java holds Surabaya's four partners around their one project.
    assert sorted(n["type"] for n in net["nodes"]) == ["partner"] * 4 + ["project"]
    assert sum(e["type"] == "collaborates" for e in net["edges"]) == 6  # 4 partners: 6 pairs


def test_cli_lists_shows_and_checks(demo_db, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", demo_db)
    monkeypatch.setenv("COLUMNS", "400")  # rich wraps table cells to the terminal width
    cli = discover_services()["partnership"].cli
    runner = CliRunner()
    listed = runner.invoke(cli, ["list", "projects", "--json"])
    assert listed.exit_code == 0, listed.output
    projects = json.loads(listed.output)
    assert len(projects) == 3
    shown = runner.invoke(cli, ["show", "project", projects[0]["id"]])
    assert json.loads(shown.output)["helix"]["as_of"] == today().isoformat()
    table = runner.invoke(cli, ["check"])
    assert "INCOMPLETE" in table.output
    assert "Konektivitas 50 desa" in table.output
    strict = runner.invoke(cli, ["check", "--strict", "--json"])
    assert strict.exit_code == 1
    assert json.loads(strict.output)["incomplete"] == 1
    partners = runner.invoke(cli, ["list", "partners", "--region", "34"])
    assert "Universitas Gadjah Mada" in partners.output
    assert "Surabaya" not in partners.output
