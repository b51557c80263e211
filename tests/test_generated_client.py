"""A client generated from the registry's OpenAPI document (openapi-python-client, run now into a temporary
folder) registers a household and reads it back against the running registry on a real PostgreSQL database:
the operationIds name its functions, the response models type its answers, problems come back as `Problem`."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType
from typing import Any
from uuid import UUID

import httpx
import pytest

from gotong.db import drop_database
from gotong.messaging.topics import dlq_topic, ensure_topics
from gotong.testing.plugin import create_test_database
from registry.synthetic import households

from .test_bad_input_never_500 import ISSUER, OWN, QUIET, SERVICES

PACKAGE = "gotong_registry_client"


def generate(doc: dict[str, Any], into: Path) -> ModuleType:
    (into / "registry.json").write_text(json.dumps(doc))
    (into / "config.yaml").write_text(f"package_name_override: {PACKAGE}\nproject_name_override: registry-client\n")
    tool = Path(sys.executable).parent / "openapi-python-client"
    env = {**os.environ, "PATH": f"{tool.parent}{os.pathsep}{os.environ.get('PATH', '')}"}  # its ruff post-hook
    done = subprocess.run([str(tool), "generate", "--path", "registry.json", "--meta", "none", "--config",
                           "config.yaml", "--output-path", PACKAGE, "--fail-on-warning"],
                          cwd=into, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(into))
    try:
        return importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(into))


def _module(name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.{name}")


@asynccontextmanager
async def registry_app(test_infra: Any, kafka_bootstrap: str) -> AsyncIterator[Any]:
    """The registry on a fresh database at head, started, taking tokens from the test issuer."""
    spec = SERVICES["registry"]
    await ensure_topics(kafka_bootstrap, ["registry.events", *spec.consumes, *(dlq_topic(t) for t in spec.consumes)])
    url = await create_test_database(test_infra.database_url, "registry")
    try:
        app = spec.create_app(spec.settings(database_url=url, kafka_bootstrap_servers=kafka_bootstrap, **QUIET,
                                            **OWN["registry"]))
        async with app.router.lifespan_context(app):
            app.state.token_verifier = ISSUER.verifier()
            yield app
    finally:
        await drop_database(url)


@pytest.mark.timeout(600)
async def test_a_generated_client_registers_and_reads_a_household(test_infra, kafka_bootstrap, tmp_path):
    async with registry_app(test_infra, kafka_bootstrap) as app:
        package = generate(app.openapi(), tmp_path)
        register = _module("api.registry.registry_register")
        get_household = _module("api.registry.registry_get_household")
        models = _module("models")
        transport = httpx.ASGITransport(app=app)
        client = package.AuthenticatedClient(base_url="http://registry.test", token="unused")
        client.set_async_httpx_client(httpx.AsyncClient(
            transport=transport, base_url="http://registry.test",
            headers={**ISSUER.headers("generated-client", "registry:register registry:read")}))
        row = next(households(1, seed=4242))

        registered = await register.asyncio_detailed(client=client, body=models.HouseholdIn.from_dict(row))
        assert registered.status_code == 201, registered.content
        summary = registered.parsed
        assert isinstance(summary, models.HouseholdSummary)
        assert summary.verification in ("verified", "flagged")
        assert summary.village_code == row["village_code"]
        assert len(summary.members) == len(row["members"])

        read = await get_household.asyncio(household_id=UUID(summary.household_ref), client=client)
        assert isinstance(read, models.HouseholdView)
        assert (read.household_ref, read.version, read.village_code) == (
            summary.household_ref, summary.version, row["village_code"])
        assert "nik" not in json.dumps(read.to_dict())  # the non-personal view names members by reference

        anonymous = package.Client(base_url="http://registry.test")
        anonymous.set_async_httpx_client(httpx.AsyncClient(transport=transport, base_url="http://registry.test"))
        refused = await get_household.asyncio_detailed(household_id=UUID(summary.household_ref), client=anonymous)
        assert refused.status_code == 401
        assert isinstance(refused.parsed, models.Problem)
        assert refused.parsed.status == 401

        missing = await get_household.asyncio_detailed(household_id=UUID(int=7), client=client)
        assert missing.status_code == 404
        assert isinstance(missing.parsed, models.Problem)
        assert missing.parsed.errors
        assert missing.parsed.errors[0].field == "household_id"
