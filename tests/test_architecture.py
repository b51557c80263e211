"""The house rules that hold every service in one shape (issue 13). import-linter checks the import graph in
`python3 dev.py lint`; these check what an import graph cannot see."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from gotong.eventstore.port import EventStoreTx

ROOT = Path(__file__).resolve().parents[1]
SERVICES = sorted(p for p in (ROOT / "services").iterdir() if (p / "pyproject.toml").exists())
LAYERS = ("domain", "application", "adapters", "entrypoints")


def _package(service: Path) -> Path:
    (package,) = (p for p in (service / "src").iterdir() if (p / "__init__.py").exists())
    return package


@pytest.mark.parametrize("service", SERVICES, ids=lambda p: p.name)
def test_every_service_has_the_same_top_level_folders(service: Path) -> None:
    package = _package(service)
    missing = [layer for layer in LAYERS if not (package / layer / "__init__.py").exists()]
    assert not missing, f"{service.name} lacks {missing}"
    assert (package / "bootstrap.py").exists(), f"{service.name} has no bootstrap.py composition root"


def test_no_code_takes_the_driver_under_the_unit_of_work() -> None:
    """`driver_connection` is gone from the services: SQL lives in adapters, on the kit's `Sql`."""
    found = [f"{p.relative_to(ROOT)}:{n}" for p in (ROOT / "services").rglob("*.py") if "/tests/" not in str(p)
             for n, line in enumerate(p.read_text().splitlines(), 1) if "driver_connection" in line]
    assert not found, found


def test_the_event_store_port_exposes_no_connection() -> None:
    assert not hasattr(EventStoreTx, "connection")


@pytest.mark.parametrize("service", SERVICES, ids=lambda p: p.name)
def test_application_and_domain_hold_no_sql(service: Path) -> None:
    """No SQL text in application/ or domain/: queries go through adapters."""
    sql = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|TRUNCATE)\s", re.IGNORECASE)
    found = []
    for layer in ("application", "domain"):
        for path in (_package(service) / layer).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and sql.match(node.value):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, found


@pytest.mark.parametrize("service", SERVICES, ids=lambda p: p.name)
def test_topics_are_named_by_the_kit(service: Path) -> None:
    """`events_topic(name)`, never a literal "x.events" string in a service's code."""
    literal = re.compile(r"""["'][a-z-]+\.events["']""")
    found = [f"{p.relative_to(ROOT)}:{n}" for p in (service / "src").rglob("*.py")
             for n, line in enumerate(p.read_text().splitlines(), 1) if literal.search(line)]
    assert not found, found


@pytest.mark.parametrize("service", SERVICES, ids=lambda p: p.name)
def test_the_domain_reads_no_clock_and_no_file(service: Path) -> None:
    """A Clock and reference data are handed to the domain; it never asks the world."""
    banned = re.compile(r"\b(date\.today|datetime\.now|datetime\.utcnow|time\.time)\(|(?<![\w.])(?<!def )open\("
                        r"|\.(read_text|read_bytes)\(")
    found = [f"{p.relative_to(ROOT)}:{n}" for p in (_package(service) / "domain").rglob("*.py")
             for n, line in enumerate(p.read_text().splitlines(), 1) if banned.search(line.split("#")[0])]
    assert not found, found


@pytest.mark.parametrize("service", SERVICES, ids=lambda p: p.name)
def test_domain_rules_have_unit_tests(service: Path) -> None:
    """Each service's aggregates are tested directly, without a database."""
    unit = service / "tests" / "unit"
    tests = list(unit.glob("test_*.py"))
    assert tests, f"{service.name} has no tests/unit"
    imports_domain = [t for t in tests if f"{_package(service).name}.domain" in t.read_text()]
    assert imports_domain, f"{service.name}'s unit tests never import its domain"
