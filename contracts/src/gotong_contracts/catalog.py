"""Every published contract in one place: JSON Schemas per event and an AsyncAPI 3.0 document of the topics."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from gotong.messaging.cloudevents import ce_type
from gotong_contracts.base import IntegrationEvent


def contract_modules() -> dict[str, dict[str, type[IntegrationEvent]]]:
    """service name -> {event_type: model}, from every `gotong_contracts.<module>` with an EVENTS mapping."""
    import gotong_contracts as pkg

    found: dict[str, dict[str, type[IntegrationEvent]]] = {}
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name in {"base", "catalog", "cli"}:
            continue
        module = importlib.import_module(f"gotong_contracts.{info.name}")
        events = getattr(module, "EVENTS", None)
        if events:
            found[info.name.replace("_", "-")] = dict(events)
    return dict(sorted(found.items()))


def json_schemas() -> dict[str, dict[str, Any]]:
    """`<service>/<EventType>.v<n>` -> JSON Schema of the payload."""
    out: dict[str, dict[str, Any]] = {}
    for service, events in contract_modules().items():
        for name, model in sorted(events.items()):
            schema = model.model_json_schema()
            schema["$id"] = f"urn:gotong:{service}:{name}:v{model.schema_version}"
            schema["x-cloudevents-type"] = ce_type(service, name, model.schema_version)
            out[f"{service}/{name}.v{model.schema_version}"] = schema
    return out


_HEADERS = {
    "type": "object",
    "required": ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_subject", "content-type"],
    "properties": {
        "ce_specversion": {"type": "string", "const": "1.0"},
        "ce_id": {"type": "string", "format": "uuid"},
        "ce_source": {"type": "string"},
        "ce_type": {"type": "string"},
        "ce_time": {"type": "string", "format": "date-time"},
        "ce_subject": {"type": "string", "description": "stream id (also the Kafka key)"},
        "content-type": {"type": "string", "const": "application/json"},
        "ce_storeposition": {"type": "string", "description": "source event store position tx:pos"},
        "ce_streamtype": {"type": "string"},
        "ce_streamversion": {"type": "string"},
        "ce_partitionkey": {"type": "string"},
        "ce_correlationid": {"type": "string"},
        "ce_causationid": {"type": "string"},
        "traceparent": {"type": "string", "description": "W3C trace context"},
    },
}


def asyncapi() -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {"CloudEventsHeaders": _HEADERS}
    for service, events in contract_modules().items():
        channel_id = service.replace("-", "_") + "_events"
        channel_messages = {}
        for name, model in sorted(events.items()):
            message_id = f"{service.replace('-', '_')}_{name}_v{model.schema_version}"
            schema_id = f"{service.replace('-', '_')}_{name}"
            schemas[schema_id] = model.model_json_schema(ref_template=f"#/components/schemas/{schema_id}_{{model}}")
            for def_name, definition in schemas[schema_id].pop("$defs", {}).items():
                schemas[f"{schema_id}_{def_name}"] = definition
            messages[message_id] = {
                "name": name,
                "title": f"{name} v{model.schema_version}",
                "summary": (model.__doc__ or "").strip().split("\n")[0],
                "contentType": "application/json",
                "headers": {"$ref": "#/components/schemas/CloudEventsHeaders"},
                "payload": {"$ref": f"#/components/schemas/{schema_id}"},
                "bindings": {"kafka": {"key": {"type": "string", "description": "stream id"}}},
                "x-cloudevents-type": ce_type(service, name, model.schema_version),
            }
            channel_messages[message_id] = {"$ref": f"#/components/messages/{message_id}"}
        channels[channel_id] = {"address": f"{service}.events", "messages": channel_messages,
                                "description": f"Integration events of the {service} service (CloudEvents 1.0, "
                                               "Kafka binary mode). Poison events go to the .dlq topic."}
        operations[f"publish_{channel_id}"] = {
            "action": "send", "channel": {"$ref": f"#/channels/{channel_id}"},
            "summary": f"The {service} outbox relay publishes every committed event, at least once.",
        }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "Gotong integration events", "version": "1.0.0",
                 "description": "Topics `<service>.events`; key = stream id; consumers dedupe on ce_storeposition."},
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }
