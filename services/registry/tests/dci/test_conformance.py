"""Everything the registry sends, checked against the DCI YAML itself (`spec/`, the published standard): the sync
answers, acknowledgements, errors, JWKS and every callback, with a small validator for the OpenAPI subset
the spec uses (type, properties, required, enum, items, allOf, oneOf, $ref, maxLength). `oneOf` is read as
`anyOf`, a known defect of the YAML (an integer is also a number)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

from registry.synthetic import households

from .conftest import OPS, SOCIAL
from .helpers import nik_query, register, search_message
from .test_subscribe import subscribe_message

SPEC = Path(__file__).parent / "spec"
_TYPES: dict[str, Any] = {"object": dict, "array": list, "string": str, "boolean": bool, "integer": int,
                          "number": (int, float)}


@functools.cache
def spec(name: str) -> dict[str, Any]:
    return yaml.safe_load((SPEC / name).read_text())  # type: ignore[no-any-return]


def _resolve(doc: dict[str, Any], ref: str) -> Any:
    node: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def problems(schema: Any, value: Any, doc: dict[str, Any], path: str = "$") -> list[str]:
    if "$ref" in schema:
        return problems(_resolve(doc, schema["$ref"]), value, doc, path)
    out: list[str] = []
    for sub in schema.get("allOf", []):
        out += problems(sub, value, doc, path)
    options = schema.get("oneOf") or schema.get("anyOf")
    if options and all(problems(o, value, doc, path) for o in options):
        out.append(f"{path}: matches none of {len(options)} alternatives: "
                   f"{[problems(o, value, doc, path)[:2] for o in options]}")
    kind = schema.get("type")
    if kind and not (isinstance(value, _TYPES[kind]) and not (kind in ("integer", "number") and
                                                                  isinstance(value, bool))):
        return [*out, f"{path}: expected {kind}, got {type(value).__name__}"]
    if "enum" in schema and value not in schema["enum"]:
        out.append(f"{path}: {value!r} not in {schema['enum']}")
    if isinstance(value, str) and "maxLength" in schema and len(value) > schema["maxLength"]:
        out.append(f"{path}: longer than {schema['maxLength']}")
    if isinstance(value, dict):
        out += [f"{path}.{r}: required" for r in schema.get("required", []) if r not in value]
        for key, sub in (schema.get("properties") or {}).items():
            if key in value and value[key] is not None:
                out += problems(sub, value[key], doc, f"{path}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            out += problems(schema["items"], item, doc, f"{path}[{i}]")
    return out


def body_schema(doc: dict[str, Any], path: str) -> Any:
    return doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]


def response_schema(doc: dict[str, Any], path: str) -> Any:
    return doc["paths"][path]["post"]["responses"]["default"]["content"]["application/json"]["schema"]


def conforms(schema: Any, value: Any, doc: dict[str, Any]) -> None:
    found = problems(schema, value, doc)
    assert not found, found


async def test_every_message_the_registry_sends_conforms_to_the_dci_yaml(client, callbacks):
    social, core = spec("social_api_v1.0.0.yaml"), spec("registry_core_api_v1.0.0.yaml")
    ack_schema = social["components"]["responses"]["Response"]["content"]["application/json"]["schema"]
    http_error = social["components"]["responses"]["HttpErrorResponse"]["content"]["application/json"]["schema"]
    [(row, _)] = await register(client, seed=91)
    request = SOCIAL.envelope("search", search_message("idtype-value", nik_query(row), transaction_id="txn-c"))
    conforms(body_schema(social, "/registry/sync/search"), request, social)

    sync = await client.post("/dci/registry/sync/search", headers=SOCIAL.headers, json=request)
    conforms(response_schema(social, "/registry/sync/search"), sync.json(), social)
    conforms(body_schema(social, "/registry/on-search"), sync.json(), social)

    ack = await client.post("/dci/registry/search", headers=SOCIAL.headers, json=SOCIAL.envelope(
        "search", search_message("expression", {"poverty_score": {"$le": 10}}, transaction_id="txn-c2")))
    conforms(ack_schema, ack.json(), social)
    [on_search] = await callbacks.wait_for("/social/registry/on-search")
    conforms(body_schema(social, "/registry/on-search"), on_search, social)

    status_request = SOCIAL.envelope("txn-status", {"transaction_id": "t", "txnstatus_request": {
        "reference_id": "s1", "txn_type": "search", "attribute_type": "transaction_id", "attribute_value": "txn-c"}})
    conforms(body_schema(social, "/registry/sync/txn/status"), status_request, social)
    status = await client.post("/dci/registry/sync/txn/status", headers=SOCIAL.headers, json=status_request)
    conforms(response_schema(social, "/registry/sync/txn/status"), status.json(), social)
    async_status = SOCIAL.envelope("txn-status", status_request["message"])
    conforms(ack_schema, (await client.post("/dci/registry/txn/status", headers=SOCIAL.headers,
                                            json=async_status)).json(), social)
    [on_status] = await callbacks.wait_for("/social/registry/txn/on-status")
    conforms(body_schema(social, "/registry/txn/on-status"), on_status, social)

    inside = next(households(1, seed=92))
    subscribe = SOCIAL.envelope("subscribe", subscribe_message(inside["village_code"][:2]))
    conforms(body_schema(core, "/registry/subscribe"), subscribe, core)
    conforms(ack_schema, (await client.post("/dci/registry/subscribe", headers=SOCIAL.headers,
                                            json=subscribe)).json(), social)
    [on_subscribe] = await callbacks.wait_for("/social/registry/on-subscribe")
    conforms(body_schema(core, "/registry/on-subscribe"), on_subscribe, core)
    assert (await client.post("/v1/households", headers=OPS, json=inside)).status_code == 201
    [notify] = await callbacks.wait_for("/social/registry/notify")
    conforms(body_schema(core, "/registry/notify"), notify, core)
    code = on_subscribe["message"]["subscribe_response"][0]["subscriptions"][0]["code"]
    unsubscribe = SOCIAL.envelope("unsubscribe", {"transaction_id": "u", "timestamp": "2026-11-29T08:00:00+07:00",
                                                  "subscription_codes": [code]})
    conforms(ack_schema, (await client.post("/dci/registry/unsubscribe", headers=SOCIAL.headers,
                                            json=unsubscribe)).json(), social)
    [on_unsubscribe] = await callbacks.wait_for("/social/registry/on-unsubscribe")
    conforms(body_schema(core, "/registry/on-unsubscribe"), on_unsubscribe, core)

    refused = await client.post("/dci/registry/sync/search", headers=SOCIAL.headers,
                                json=SOCIAL.envelope("search", search_message("expression", {}), sign=False))
    assert refused.status_code == 401
    conforms(http_error, refused.json(), social)
    conforms(ack_schema, refused.json(), social)
    assert refused.json()["errors"][0]["code"] == "err.signature.missing"

    jwks = spec("jwks_core_api_v1.0.0.yaml")
    conforms(jwks["paths"]["/.well-known/jwks.json"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"], (await client.get("/dci/.well-known/jwks.json")).json(), jwks)


def test_the_validator_catches_what_the_spec_forbids():
    social = spec("social_api_v1.0.0.yaml")
    ack_schema = social["components"]["responses"]["Response"]["content"]["application/json"]["schema"]
    assert problems(ack_schema, {"message": {"ack_status": "MAYBE", "timestamp": "t", "correlation_id": "c"}},
                    social) == [
        "$.message.ack_status: 'MAYBE' not in ['ACK', 'NACK', 'ERR']"]
    assert "$.header.status: required" in problems(
        response_schema(social, "/registry/sync/search"),
        {"header": {"message_id": "1", "message_ts": "t", "action": "on-search"}, "message": {
            "transaction_id": "t", "correlation_id": "c", "search_response": []}}, social)


async def test_refusals_and_rejections_conform_too(client, callbacks):
    social = spec("social_api_v1.0.0.yaml")
    ack_schema = social["components"]["responses"]["Response"]["content"]["application/json"]["schema"]
    http_error = social["components"]["responses"]["HttpErrorResponse"]["content"]["application/json"]["schema"]
    rejected = SOCIAL.envelope("search", search_message("expression", {"shoe_size": 1}))
    r = await client.post("/dci/registry/sync/search", headers=SOCIAL.headers, json=rejected)
    assert r.json()["message"]["search_response"][0]["status"] == "rjct"
    conforms(response_schema(social, "/registry/sync/search"), r.json(), social)
    again = await client.post("/dci/registry/sync/search", headers=SOCIAL.headers, json=rejected)
    assert again.status_code == 409
    conforms(ack_schema, again.json(), social)
    for headers, body in ((SOCIAL.headers, {**rejected, "header": {**rejected["header"], "version": "2.0"}}),
                          ({}, rejected), (OPS, rejected)):
        refused = await client.post("/dci/registry/sync/search", headers=headers, json=body)
        assert refused.status_code in (400, 401, 403)
        conforms(ack_schema, refused.json(), social)
        conforms(http_error, refused.json(), social)
