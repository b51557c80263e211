"""The AsyncAPI document is valid AsyncAPI 3.0.0 (the spec's own JSON Schema, vendored) and covers every channel:
each service's events topic with every contract message and the relay's watermark, and its dead-letter topic;
`gotong contracts export` writes the same document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
from click.testing import CliRunner
from gotong_contracts.catalog import asyncapi, contract_modules
from gotong_contracts.cli import contracts

from gotong.eventstore.model import Position
from gotong.messaging.cloudevents import WATERMARK_TYPE, encode_watermark

SCHEMA = Path(__file__).parent / "asyncapi_schema" / "asyncapi-3.0.0.json"


def _validator() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(json.loads(SCHEMA.read_text()))


def _errors(doc: dict[str, Any]) -> list[str]:
    return [f"{e.json_path}: {e.message[:200]}" for e in _validator().iter_errors(doc)]


def test_the_document_is_valid_asyncapi_3():
    assert _errors(asyncapi()) == []


def test_the_validator_refuses_a_broken_document():
    broken = asyncapi()
    broken["channels"]["registry_events"]["address"] = 7
    del broken["info"]["title"]
    assert len(_errors(broken)) >= 2


def test_every_topic_has_its_dead_letter_channel_and_every_event_a_message():
    doc = asyncapi()
    services = contract_modules()
    addresses = {c["address"] for c in doc["channels"].values()}
    assert addresses == {f"{s}.events" for s in services} | {f"{s}.events.dlq" for s in services}
    for service, events in services.items():
        channel = doc["channels"][service.replace("-", "_") + "_events"]
        types = {doc["components"]["messages"][m["$ref"].rsplit("/", 1)[-1]].get("x-cloudevents-type")
                 for m in channel["messages"].values()}
        assert types == {f"id.gotong.{service}.{name}.v{model.schema_version}" for name, model in events.items()} | {
            WATERMARK_TYPE}
        dlq = doc["channels"][service.replace("-", "_") + "_events_dlq"]
        assert [m["$ref"] for m in dlq["messages"].values()] == ["#/components/messages/kit_DeadLetter"]
    sent = {op["channel"]["$ref"] for op in doc["operations"].values() if op["action"] == "send"}
    assert sent == {f"#/channels/{c}" for c in doc["channels"]}


def test_the_watermark_the_relay_sends_matches_its_message():
    doc = asyncapi()
    headers, value = encode_watermark("registry", Position(12, 34))
    as_json = {k: v.decode() for k, v in headers}
    header_schema = doc["components"]["schemas"]["WatermarkHeaders"]
    jsonschema.validate(as_json, header_schema)
    jsonschema.validate(json.loads(value), doc["components"]["messages"]["kit_Watermark_v1"]["payload"])


def test_export_writes_the_document(tmp_path):
    result = CliRunner().invoke(contracts, ["export", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "asyncapi.json").read_text()) == json.loads(json.dumps(asyncapi()))
    assert _errors(json.loads((tmp_path / "asyncapi.json").read_text())) == []
