"""Generated from the DCI YAML (`spec/`, vendored): for every path the registry serves, in both the Social
Registry and the registry core API, every declared response (401, 403, 500, default) is provoked and the answer
checked for its status code, its media type (the YAML's content key) and its body (jsonschema, Draft 7, the
YAML's `$ref`s resolved in the document itself). The callback paths (implemented by the ministry) are checked
on the bodies the registry POSTs to them.

Known defects of the YAML are corrected here, in the copy the validator reads, never copied into the code:
`txn_type: subscibe` is read as `subscribe`, the required `sunscription_codes` as `subscription_codes`, and
`oneOf` as `anyOf` (its alternatives overlap: a string is both a transaction_id and a correlation_id, any query
object matches several query schemas, so no valid message could satisfy a strict `oneOf`).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from registry.dci.entrypoints import inbound
from registry.synthetic import households

from .conftest import NO_SEARCH, OPS, SOCIAL, Ministry
from .helpers import search_message
from .test_subscribe import subscribe_message

SPEC = Path(__file__).parent / "spec"
DOCS = ("social_api_v1.0.0.yaml", "registry_core_api_v1.0.0.yaml")
TYPOS = {"subscibe": "subscribe", "sunscription_codes": "subscription_codes"}
#: The action of each path the registry serves (the others are callbacks the ministry serves).
SERVED = {"/registry/search": "search", "/registry/sync/search": "search", "/registry/txn/status": "txn-status",
          "/registry/sync/txn/status": "txn-status", "/registry/subscribe": "subscribe",
          "/registry/unsubscribe": "unsubscribe"}
#: Where the test server receives each callback of SOCIAL (its callback_base is `<origin>/social`).
CALLBACKS = {"/registry/on-search": "/social/registry/on-search",
             "/registry/txn/on-status": "/social/registry/txn/on-status",
             "/registry/on-subscribe": "/social/registry/on-subscribe", "/registry/notify": "/social/registry/notify",
             "/registry/on-unsubscribe": "/social/registry/on-unsubscribe"}


def _fixed(node: Any) -> Any:
    if isinstance(node, dict):
        return {("anyOf" if k == "oneOf" else TYPOS.get(k, k)): _fixed(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_fixed(v) for v in node]
    return TYPOS.get(node, node) if isinstance(node, str) else node


@functools.cache
def spec(name: str) -> dict[str, Any]:
    return _fixed(yaml.safe_load((SPEC / name).read_text()))  # type: ignore[no-any-return]


@functools.cache
def _registry(name: str) -> Registry:
    return Registry().with_resource(f"urn:dci:{name}", Resource.from_contents(spec(name),
                                                                                default_specification=DRAFT7))


def _pointer(*parts: str) -> str:
    return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def errors_of(name: str, pointer: str, value: Any) -> list[str]:
    """Every way `value` fails the schema at `pointer` of the YAML `name` ($refs resolved in that document)."""
    validator = Draft7Validator({"$ref": f"urn:dci:{name}{pointer}"}, registry=_registry(name))
    out = []
    for error in validator.iter_errors(value):
        cause = best_match([error])  # the deepest reason inside an anyOf
        out.append(f"{'.'.join(str(p) for p in cause.absolute_path) or '$'}: {cause.message[-300:]}")
    return out


def response(name: str, path: str, code: str) -> tuple[str, str]:
    """(the media type, the pointer of the body schema) the YAML declares for `code` of `path`."""
    declared = spec(name)["paths"][path]["post"]["responses"][code]
    base = declared["$ref"] if "$ref" in declared else _pointer("paths", path, "post", "responses", code)
    node: Any = spec(name)
    for part in base.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    [media] = node["content"]
    return media, f"{base}/content/{media.replace('/', '~1')}/schema"


def request_body(name: str, path: str) -> str:
    return _pointer("paths", path, "post", "requestBody", "content", "application/json", "schema")


def message_for(path: str, transaction_id: str = "txn-gen") -> dict[str, Any]:
    action = SERVED[path]
    if action == "search":
        return search_message("expression", {"poverty_score": {"$le": 4}}, transaction_id=transaction_id)
    if action == "txn-status":
        return {"transaction_id": "txn-status-gen", "txnstatus_request": {
            "reference_id": "st-1", "txn_type": "search", "attribute_type": "transaction_id",
            "attribute_value": transaction_id}}
    if action == "subscribe":
        return subscribe_message("32")
    return {"transaction_id": "u", "timestamp": "2026-11-29T08:00:00+07:00", "subscription_codes": ["no-such-code"]}


def envelope(ministry: Ministry, path: str, **extra: Any) -> dict[str, Any]:
    return ministry.envelope(SERVED[path], message_for(path), **extra)


CASES = [(name, path) for name in DOCS for path in spec(name)["paths"] if path in SERVED]


#: Where the registry core YAML contradicts the Social Registry YAML on a path both declare, the registry
#: answers as the Social Registry YAML says (it is a social registry): `reg_records` is a list of records there
#: (one object in the core YAML), and `txn_type` echoes the request's (`search`; the core YAML says `on-search`).
#: Only these locations are excused, and only where the body conforms to the social YAML.
CORE_CONFLICTS = (re.compile(r"^message\.search_response\.\d+\.data\.reg_records$"),
                  re.compile(r"^message\.txnstatus_response\.txn_type$"))
SOCIAL_YAML = DOCS[0]


def conforms(name: str, path: str, pointer: str, body: Any, social_pointer: str | None = None) -> None:
    found = errors_of(name, pointer, body)
    if name != SOCIAL_YAML and path in spec(SOCIAL_YAML)["paths"] and social_pointer is not None:
        excused = [f for f in found if any(c.match(f.split(": ", 1)[0]) for c in CORE_CONFLICTS)]
        if excused:
            assert not errors_of(SOCIAL_YAML, social_pointer, body), excused
        found = [f for f in found if f not in excused]
    assert not found, (name, path, found)


def check(r: Any, name: str, path: str, code: str) -> dict[str, Any]:
    media, pointer = response(name, path, code)
    if code != "default":
        assert r.status_code == int(code), (code, r.text)
    assert r.headers["content-type"] == media, (code, r.headers["content-type"])
    body = r.json()
    social = response(SOCIAL_YAML, path, code)[1] if path in spec(SOCIAL_YAML)["paths"] else None
    conforms(name, path, pointer, body, social)
    return body  # type: ignore[no-any-return]


@pytest.mark.parametrize(("name", "path"), CASES, ids=[f"{n.split('_')[0]}:{p}" for n, p in CASES])
async def test_every_declared_response_of_a_served_path(client, callbacks, monkeypatch, name, path):
    declared = list(spec(name)["paths"][path]["post"]["responses"])
    assert set(declared) == {"401", "403", "500", "default"}, declared  # a new code in the YAML needs a case here
    url = f"/dci{path}"
    request = envelope(SOCIAL, path)
    assert not errors_of(name, request_body(name, path), request)  # what the test sends is a valid request

    body = check(await client.post(url, json=request), name, path, "401")
    assert body["errors"][0]["code"] == "err.request.unauthorized"

    r = await client.post(url, headers=NO_SEARCH.headers, json=envelope(NO_SEARCH, path))
    assert check(r, name, path, "403")["errors"][0]["code"] == "err.request.forbidden"

    # default: the answer to a valid message (an acknowledgement, or the signed answer of a sync path) ...
    r = await client.post(url, headers=SOCIAL.headers, json=envelope(SOCIAL, path))
    assert r.status_code == 200, r.text
    body = check(r, name, path, "default")
    if "/sync/" in path:
        assert body["header"]["action"] == {"search": "on-search", "txn-status": "txn-on-status"}[SERVED[path]]
    else:
        assert body["message"]["ack_status"] == "ACK"
    # ... and every refusal that is neither 401, 403 nor 500: a negative acknowledgement with the spec's Error
    for bad, status, code in (({"version": "9.9"}, 400, "err.version.not_supported"),
                              ({"receiver_id": "someone.else"}, 400, "err.receiver_id.invalid")):
        refused = envelope(SOCIAL, path)
        refused["header"].update(bad)
        r = await client.post(url, headers=SOCIAL.headers, json=refused)
        assert r.status_code == status, r.text
        answer = check(r, name, path, "default")
        if "/sync/" in path:  # the sync answer's header rejects the message, naming the error code
            assert answer["header"]["status"] == "rjct"
            assert answer["header"]["status_reason_message"].startswith(f"{code}: ")
        else:
            assert (answer["message"]["ack_status"], answer["message"]["error"]["code"]) == ("ERR", code)
    replay = envelope(SOCIAL, path, message_id="replayed-gen")
    assert (await client.post(url, headers=SOCIAL.headers, json=replay)).status_code == 200
    r = await client.post(url, headers=SOCIAL.headers, json=replay)
    assert r.status_code == 409
    answer = check(r, name, path, "default")
    if "/sync/" in path:
        assert answer["header"]["status_reason_code"] == "rjct.message_id.duplicate"
    else:
        assert answer["message"]["ack_status"] == "NACK"

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the signature check broke")

    monkeypatch.setattr(inbound, "verify", crash)
    r = await client.post(url, headers=SOCIAL.headers, json=envelope(SOCIAL, path))
    body = check(r, name, path, "500")
    assert body["errors"][0]["code"] == "err.service.unavailable"
    assert "signature check broke" not in r.text


async def test_txn_status_of_known_and_unknown_transactions_has_the_spec_shape(client):
    path = "/registry/sync/txn/status"
    found = await client.post("/dci/registry/sync/search", headers=SOCIAL.headers,
                              json=SOCIAL.envelope("search", message_for("/registry/sync/search", "txn-known")))
    assert found.status_code == 200, found.text
    for transaction_id, status in (("txn-known", "succ"), ("txn-never-sent", "rjct")):
        r = await client.post(f"/dci{path}", headers=SOCIAL.headers, json=SOCIAL.envelope(
            "txn-status", {"transaction_id": "t", "txnstatus_request": {
                "reference_id": "st-9", "txn_type": "search", "attribute_type": "transaction_id",
                "attribute_value": transaction_id}}))
        for name in DOCS:
            body = check(r, name, path, "default")
        assert body["header"]["status"] == status
        txn = body["message"]["txnstatus_response"]["txn_status"]
        assert txn["transaction_id"] == ("txn-known" if status == "succ" else "t")
        assert txn["search_response"], txn
        if status == "rjct":
            [item] = txn["search_response"]
            assert (item["reference_id"], item["status"], item["status_reason_code"]) == (
                "st-9", "rjct", "rjct.reference_id.invalid")


async def test_every_callback_body_conforms_to_its_declared_request(client, callbacks):
    for path in ("/registry/search", "/registry/txn/status"):
        r = await client.post(f"/dci{path}", headers=SOCIAL.headers, json=envelope(SOCIAL, path))
        assert r.status_code == 200, r.text
    inside = next(households(1, seed=93))
    r = await client.post("/dci/registry/subscribe", headers=SOCIAL.headers,
                          json=SOCIAL.envelope("subscribe", subscribe_message(inside["village_code"][:2])))
    assert r.status_code == 200, r.text
    [on_subscribe] = await callbacks.wait_for(CALLBACKS["/registry/on-subscribe"])
    assert (await client.post("/v1/households", headers=OPS, json=inside)).status_code == 201
    await callbacks.wait_for(CALLBACKS["/registry/notify"])
    code = on_subscribe["message"]["subscribe_response"][0]["subscriptions"][0]["code"]
    r = await client.post("/dci/registry/unsubscribe", headers=SOCIAL.headers, json=SOCIAL.envelope(
        "unsubscribe", {"transaction_id": "u", "timestamp": "2026-11-29T08:00:00+07:00", "subscription_codes": [code]}))
    assert r.status_code == 200, r.text
    checked = 0
    for name in DOCS:
        for path in spec(name)["paths"]:
            if path not in CALLBACKS:
                continue
            [body] = await callbacks.wait_for(CALLBACKS[path])
            social = request_body(SOCIAL_YAML, path) if path in spec(SOCIAL_YAML)["paths"] else None
            conforms(name, path, request_body(name, path), body, social)
            checked += 1
    assert checked == 7  # social: on-search, txn/on-status; core: those two, on-subscribe, notify, on-unsubscribe
    # a subscription without `frequency` is answered with one (every event from now on, as it happens)
    info = on_subscribe["message"]["subscribe_response"][0]["subscriptions"][0]
    assert set(info["frequency"]) == {"start_time", "end_time", "frequency"}
    assert info["subscribe_criteria"]["frequency"] == info["frequency"]
