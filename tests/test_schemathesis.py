"""Schemathesis over every service's OpenAPI document, with a token holding every scope and without one: no
answer is a 5xx and every answer matches the schema the document declares for its status and content type
(schemathesis' `not_a_server_error` and `response_schema_conformance` checks).

Each service runs on a real PostgreSQL database with its (small) demo data, served by uvicorn on a free port in
the test's own event loop; Hypothesis generates requests in a worker thread (deterministic, a few examples per
operation, half of them with path ids of things that exist) and sends them over HTTP.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import schemathesis
import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance

from .test_bad_input_never_500 import ISSUER, OWN, SERVICES, walking

#: Examples per operation: with a token (known ids and generated ones), and without (refused before the body
#: matters, so fewer). Bounded so the whole run stays within a few minutes on a busy 2-core machine.
WITH_TOKEN = 6
ANONYMOUS = 2
CHECKS = [not_a_server_error, response_schema_conformance]
#: Not worth generating for: streams and pages whose answer is not an API contract.
SKIP_PATHS = {"/metrics"}
#: `/readyz` answers its documented 503 when a check outlasts its 2 s bound, which a 2-core machine running the
#: generator beside the server can cause once; the deployments' probes allow 3 failures in a row, and so does this.
READYZ_TRIES = 3


@dataclass
class Findings:
    failures: dict[tuple[str, str], str] = field(default_factory=dict)
    sent: int = 0

    def record(self, label: str, who: str, err: BaseException, curl: str) -> None:
        key = (label, type(err).__name__ + ":" + str(err).split("\n", 1)[0][:120])
        self.failures.setdefault(key, f"{label} [{who}] {str(err)[:600]}\n    {curl[:400]}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _run_operation(operation: Any, base_url: str, ids: dict[str, str], headers: dict[str, str], examples: int,
                   who: str, findings: Findings) -> None:
    known = {p.name: ids[p.name] for p in operation.path_parameters if p.name in ids}
    strategies = [operation.as_strategy(GenerationMode.POSITIVE)]
    if known and len(known) == len(list(operation.path_parameters)):
        strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=known))
    if who == "token":
        strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))
    session = requests.Session()

    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=st.one_of(*strategies))
    def check(case: Any) -> None:
        findings.sent += 1
        response = case.call(base_url=base_url, headers=headers, session=session, timeout=30)
        for _ in range(READYZ_TRIES - 1):  # a probe is judged as the cluster judges it: failing that often in a row
            if operation.path != "/readyz" or response.status_code != 503:
                break
            response = case.call(base_url=base_url, headers=headers, session=session, timeout=30)
        try:
            case.validate_response(response, checks=CHECKS)
        except (FailureGroup, AssertionError) as err:  # the checks that failed for this answer
            findings.record(f"{operation.method.upper()} {operation.path}", who, err,
                            case.as_curl_command(headers=headers, base_url=base_url))

    check()


def _run_all(doc: dict[str, Any], base_url: str, ids: dict[str, str], findings: Findings) -> None:
    schema = schemathesis.openapi.from_dict(doc)
    token = ISSUER.headers("schemathesis", "*")
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path in SKIP_PATHS:
            continue
        _run_operation(operation, base_url, ids, token, WITH_TOKEN, "token", findings)
        _run_operation(operation, base_url, ids, {}, ANONYMOUS, "anonymous", findings)


async def _served(app: Any, port: int, body: Callable[[], None]) -> None:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning",
                                           access_log=False))
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            assert not serving.done(), "uvicorn did not start"
            await asyncio.sleep(0.01)
        await asyncio.to_thread(body)
    finally:
        server.should_exit = True
        await serving


@pytest.mark.timeout(600)
@pytest.mark.parametrize("service", sorted(set(OWN) & set(SERVICES)))
async def test_schemathesis_finds_no_5xx_and_no_schema_violation(service, test_infra, kafka_bootstrap, tmp_path,
                                                                 monkeypatch):
    findings = Findings()
    async with walking(service, test_infra, kafka_bootstrap, tmp_path, monkeypatch) as walk:
        app = walk.client._transport.app  # type: ignore[attr-defined]
        doc = app.openapi()
        port = _free_port()
        await _served(app, port, lambda: _run_all(doc, f"http://127.0.0.1:{port}", walk.ids, findings))
    operations = sum(1 for path, item in doc["paths"].items() for op in item if path not in SKIP_PATHS)
    assert findings.sent >= operations * 2, f"only {findings.sent} requests for {operations} operations"
    assert not findings.failures, f"{len(findings.failures)} finding(s):\n" + "\n".join(findings.failures.values())


class _Shape(BaseModel):
    count: int


async def test_the_harness_reports_a_schema_violation_and_a_server_error():
    """The checks above can fail: an answer off its declared schema and a crash are both reported."""
    app = FastAPI()

    @app.get("/wrong", response_model=_Shape)
    async def wrong() -> JSONResponse:
        return JSONResponse({"count": "many"})

    @app.get("/crash", response_model=_Shape)
    async def crash() -> _Shape:
        raise RuntimeError("boom")

    @app.get("/right", response_model=_Shape)
    async def right() -> _Shape:
        return _Shape(count=3)

    findings = Findings()
    port = _free_port()
    await _served(app, port, lambda: _run_all(app.openapi(), f"http://127.0.0.1:{port}", {}, findings))
    assert {label for label, _ in findings.failures} == {"GET /wrong", "GET /crash"}
