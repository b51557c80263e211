"""Every service's OpenAPI document is a valid OpenAPI 3.1 document (openapi-spec-validator), every operation has
a stable operationId `<service>_<function>` unique in its service, every success answer has a typed schema and
every problem answer is declared as application/problem+json with the kit's `Problem` schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate

from gotong.service import discover_services

SERVICES = discover_services()
#: Services not yet held to typed answers (every other service's every route must answer a typed body).
UNTYPED_SERVICES: tuple[str, ...] = ()
TYPED_SERVICES = tuple(sorted(set(SERVICES) - set(UNTYPED_SERVICES)))
#: Routes whose protocol has its own error format: the DCI endpoints answer errors in the DCI envelope, the G2P
#: Connect callbacks in the G2P acknowledgement.
OWN_ERROR_FORMAT = {"registry": ("/dci/",), "disbursement": ("/g2p/",)}
#: Bodies that are not JSON: text, CSV, XML, HTML pages.
NOT_JSON = ("text/plain", "text/csv", "text/html", "application/xml", "application/x-ndjson")


def openapi(service: str, tmp_path: Path) -> dict[str, Any]:
    spec = SERVICES[service]
    extra = {"tlog_signing_key_path": str(tmp_path / "tlog.pem")} if service == "canvas-projector" else {}
    doc: dict[str, Any] = spec.create_app(spec.settings(**extra)).openapi()
    return doc


def operations(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(f"{method.upper()} {path}", op) for path, item in doc["paths"].items()
            for method, op in item.items() if isinstance(op, dict) and "responses" in op]


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str):
        found: dict[str, Any] = doc["components"]["schemas"][ref.rsplit("/", 1)[-1]]
        return found
    return schema


def typed(doc: dict[str, Any], schema: dict[str, Any] | None) -> bool:
    """A schema a client generator can make a type of: a model, a list of models, a scalar, a union of those."""
    if not schema:
        return False
    schema = _resolve(doc, schema)
    if "anyOf" in schema or "oneOf" in schema:
        return all(typed(doc, s) for s in schema.get("anyOf", schema.get("oneOf", [])))
    kind = schema.get("type")
    if kind == "array":
        return typed(doc, schema.get("items"))
    if kind == "object":
        return bool(schema.get("properties")) or isinstance(schema.get("additionalProperties"), dict)
    return kind in ("string", "integer", "number", "boolean", "null") or "enum" in schema or "const" in schema


def untyped_successes(doc: dict[str, Any]) -> set[str]:
    missing = set()
    for name, op in operations(doc):
        for status, answer in op["responses"].items():
            if not status.startswith("2") or status == "204":
                continue
            content = answer.get("content", {})
            json_bodies = {k: v for k, v in content.items() if k not in NOT_JSON}
            if not content or any(not typed(doc, v.get("schema")) for v in json_bodies.values()):
                missing.add(name)
    return missing


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_openapi_document_is_valid(service, tmp_path):
    validate(openapi(service, tmp_path))  # raises OpenAPIValidationError naming the place


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_operation_ids_are_stable_and_unique(service, tmp_path):
    doc = openapi(service, tmp_path)
    ids = [op.get("operationId") for _, op in operations(doc)]
    prefix = service.replace("-", "_") + "_"
    assert all(isinstance(i, str) and i.startswith(prefix) for i in ids), ids
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    names = dict(zip(ids, (name for name, _ in operations(doc)), strict=True))
    assert names[f"{prefix}healthz"] == "GET /healthz"


@pytest.mark.parametrize("service", TYPED_SERVICES)
def test_every_success_answer_is_typed(service, tmp_path):
    assert untyped_successes(openapi(service, tmp_path)) == set()


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_problems_are_declared_as_problem_json(service, tmp_path):
    doc = openapi(service, tmp_path)
    wrong = []
    for name, op in operations(doc):
        if name.split(" ", 1)[1].startswith(OWN_ERROR_FORMAT.get(service, ())):
            continue
        for status in ("413", "422", "429", "503"):
            assert status in op["responses"], f"{name} does not declare {status}"
        for status, answer in op["responses"].items():
            content = answer.get("content", {})
            if int(status) >= 400 and set(content) != {"application/problem+json"}:
                wrong.append(f"{name} {status}: {sorted(content)}")
            elif int(status) >= 400 and content["application/problem+json"]["schema"] != {
                    "$ref": "#/components/schemas/Problem"}:
                wrong.append(f"{name} {status}: not the Problem schema")
    assert not wrong, "\n".join(wrong)
