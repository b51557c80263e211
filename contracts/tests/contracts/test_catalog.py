"""The contract catalog describes every topic and event, and every $ref in the AsyncAPI document resolves."""

import json

from gotong_contracts.catalog import asyncapi, contract_modules, json_schemas


def _refs(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                yield v
            else:
                yield from _refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from _refs(v)


def test_every_contract_module_has_a_channel_and_every_event_a_message():
    doc = asyncapi()
    modules = contract_modules()
    assert {"registry", "disbursement"} <= set(modules)
    addresses = {c["address"] for c in doc["channels"].values()}
    assert addresses == {f"{s}.events" for s in modules} | {f"{s}.events.dlq" for s in modules}
    types = {m["x-cloudevents-type"] for m in doc["components"]["messages"].values() if m["name"] != "DeadLetter"}
    assert "id.gotong.disbursement.PaymentRecorded.v1" in types
    assert len(types) == sum(len(e) for e in modules.values()) + 1  # and the relay's watermark


def test_all_refs_resolve_within_the_document():
    doc = asyncapi()
    for ref in _refs(doc):
        node = doc
        for part in ref.removeprefix("#/").split("/"):
            assert part in node, f"dangling $ref {ref}"
            node = node[part]


def test_schemas_are_json_and_name_no_personal_fields():
    forbidden = {"nik", "no_kk", "name_plain", "full_name", "address", "phone", "bank_account", "account_number"}
    for key, schema in json_schemas().items():
        json.dumps(schema)
        assert schema["$id"].startswith("urn:gotong:")
        fields = set(schema.get("properties", {}))
        assert not (fields & forbidden), f"{key} publishes personal data fields {fields & forbidden}"
