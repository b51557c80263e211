"""`gotong enterprise`: list, show, summary on the demo data; report import keeps good reports, lists bad ones."""

import datetime
import json

import pytest
from click.testing import CliRunner

from enterprise.config import Settings
from enterprise.demo import last_quarters, load_demo
from enterprise.entrypoints.cli import enterprise


@pytest.fixture
async def demo_db(database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    await load_demo(Settings(database_url=database_url))
    return database_url


def test_list_filters_show_and_summary(demo_db):
    runner = CliRunner()
    listed = runner.invoke(enterprise, ["list", "--region", "32", "--status", "active", "--json"])
    assert listed.exit_code == 0, listed.output
    assert [(r["name"], r["region_name"]) for r in json.loads(listed.output)] == [
        ("CV Kopi Petani Muda Garut", "Kabupaten Garut"), ("Koperasi Bank Sampah Resik Bandung", "Kota Bandung")]
    table = runner.invoke(enterprise, ["list", "--legal-form", "yayasan"])
    assert table.exit_code == 0, table.output
    assert "Yayasan Dapur" in table.output
    shown = runner.invoke(enterprise, ["show", "8120201000003"])  # by NIB
    detail = json.loads(shown.output)
    assert detail["name"] == "Koperasi Batik Tulis Difabel Sragen"
    assert len(detail["figures"]["quarterly"]["points"]) == 4
    assert detail["households"]["employee"] == {"current": 3, "ever": 3}
    summary = json.loads(runner.invoke(enterprise, ["summary"]).output)
    assert summary["enterprises_by_status"] == {"active": 10, "registered": 1, "suspended": 1}
    assert summary["households_graduated"] == 33
    missing = runner.invoke(enterprise, ["show", "9999999999999"])
    assert missing.exit_code == 1
    assert "is not registered" in missing.output


def test_report_import_keeps_the_good_and_lists_the_bad(demo_db, tmp_path):
    period = last_quarters(datetime.datetime.now(datetime.UTC).date(), 5)[0].label  # a quarter the demo did not report
    good = {"earned_revenue": 100_000_000, "total_expenses": 150_000_000, "grants_received": 50_000_000,
            "employees": 10, "employees_vulnerable": 6, "beneficiaries_served": 300}
    reports = [
        {"enterprise": "8120201000001", "period": period, "metrics": good},
        {"enterprise": "8120201000002", "period": period, "metrics": {**good, "employees_vulnerable": 11}},
        {"enterprise": "8120201000012", "period": period, "metrics": good},  # only registered
        {"enterprise": "not-an-id", "period": period, "metrics": good},
        {"period": period, "metrics": good},
        {"enterprise": "8120201000005", "period": "2026-Q9", "metrics": good},
        {"enterprise": "8120201000005", "period": period, "metrics": good},
    ]
    path = tmp_path / "reports.json"
    path.write_text(json.dumps({"reports": reports}))
    result = CliRunner().invoke(enterprise, ["report", "import", str(path), "--as", "import-officer"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[-1] == "2 imported, 5 refused"
    assert "report 2: metrics.employees_vulnerable: cannot exceed employees" in lines
    assert any(line.startswith("report 3: status: a registered enterprise cannot submit") for line in lines)
    assert any(line.startswith("report 4:") and "NIB" in line for line in lines)
    assert any(line.startswith("report 5: enterprise:") for line in lines)
    assert any(line.startswith("report 6: period:") for line in lines)
    shown = json.loads(CliRunner().invoke(enterprise, ["show", "8120201000005"]).output)
    assert {"period": period, "version": 1, "status": "submitted"} in shown["reports"]
    again = CliRunner().invoke(enterprise, ["report", "import", str(path)])
    assert "2 imported" in again.output.splitlines()[-1], "a second import submits corrections (version 2)"
    shown = json.loads(CliRunner().invoke(enterprise, ["show", "8120201000005"]).output)
    assert {"period": period, "version": 2, "status": "submitted"} in shown["reports"]
