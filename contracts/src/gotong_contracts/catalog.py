"""Every published contract in one place: JSON Schemas per event and an AsyncAPI 3.0 document of the topics:
each `<service>.events` channel (its integration events and the relay's watermark) and its `.dlq` channel."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from gotong.messaging.cloudevents import EXT_POSITION, WATERMARK_TYPE, ce_type
from gotong.messaging.topics import dlq_topic, events_topic
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
        "gotong-broker": {"type": "string", "description": "the broker the relay published to (a new one means "
                                                            "everything was republished)"},
    },
}

_WATERMARK_HEADERS = {
    "type": "object",
    "required": ["ce_specversion", "ce_id", "ce_source", "ce_type", "content-type", f"ce_{EXT_POSITION}"],
    "properties": {
        "ce_specversion": {"type": "string", "const": "1.0"},
        "ce_id": {"type": "string", "description": "wm-<service>-<tx:pos>"},
        "ce_source": {"type": "string"},
        "ce_type": {"type": "string", "const": WATERMARK_TYPE},
        "content-type": {"type": "string", "const": "application/json"},
        f"ce_{EXT_POSITION}": {"type": "string", "description": "every event of this producer up to this source "
                                                                "position (tx:pos) was acknowledged before it"},
        "gotong-broker": {"type": "string"},
    },
}

_DEAD_LETTER_HEADERS = {
    "type": "object",
    "description": "The poison record's own headers (CloudEvents ones when it was one), plus these.",
    "required": ["gotong_dlq_error", "gotong_dlq_consumer", "gotong_dlq_topic", "gotong_dlq_partition",
                 "gotong_dlq_offset"],
    "properties": {
        "gotong_dlq_error": {"type": "string", "maxLength": 2000,
                             "description": "exception type and message (never personal data)"},
        "gotong_dlq_consumer": {"type": "string", "description": "the consumer that gave up on it"},
        "gotong_dlq_topic": {"type": "string"},
        "gotong_dlq_partition": {"type": "string", "pattern": "^[0-9]+$"},
        "gotong_dlq_offset": {"type": "string", "pattern": "^[0-9]+$"},
    },
}

_WATERMARK_MESSAGE = {
    "name": "Watermark",
    "title": "Watermark v1",
    "summary": "The relay, caught up, tells every partition how far it has published (a control event).",
    "contentType": "application/json",
    "headers": {"$ref": "#/components/schemas/WatermarkHeaders"},
    "payload": {"type": "object", "maxProperties": 0, "description": "always {}"},
    "bindings": {"kafka": {"key": {"type": "null", "description": "no key: sent to each partition by number"}}},
    "x-cloudevents-type": WATERMARK_TYPE,
}

_DEAD_LETTER_MESSAGE = {
    "name": "DeadLetter",
    "title": "Dead letter",
    "summary": "A record a consumer could not apply, unchanged, with why and where it came from.",
    "headers": {"$ref": "#/components/schemas/DeadLetterHeaders"},
    "payload": {"description": "the original record value, byte for byte (it may be what made it poison)"},
    "bindings": {"kafka": {"key": {"type": "string", "description": "the original key (stream id)"}}},
}


def asyncapi() -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {"kit_Watermark_v1": _WATERMARK_MESSAGE, "kit_DeadLetter": _DEAD_LETTER_MESSAGE}
    schemas: dict[str, Any] = {"CloudEventsHeaders": _HEADERS, "WatermarkHeaders": _WATERMARK_HEADERS,
                               "DeadLetterHeaders": _DEAD_LETTER_HEADERS}
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
        channel_messages["watermark"] = {"$ref": "#/components/messages/kit_Watermark_v1"}
        topic = events_topic(service)
        channels[channel_id] = {"address": topic, "messages": channel_messages,
                                "description": f"Integration events of the {service} service (CloudEvents 1.0, "
                                               "Kafka binary mode) and the relay's watermarks. Poison events go "
                                               f"to {dlq_topic(topic)}."}
        channels[f"{channel_id}_dlq"] = {
            "address": dlq_topic(topic),
            "messages": {"dead_letter": {"$ref": "#/components/messages/kit_DeadLetter"}},
            "description": f"Records of {topic} that a consumer could not apply; the partition moved on.",
        }
        operations[f"publish_{channel_id}"] = {
            "action": "send", "channel": {"$ref": f"#/channels/{channel_id}"},
            "summary": f"The {service} outbox relay publishes every committed event, at least once, and a "
                       "watermark to every partition when caught up.",
            "messages": [{"$ref": f"#/channels/{channel_id}/messages/{m}"} for m in channel_messages],
        }
        operations[f"dead_letter_{channel_id}"] = {
            "action": "send", "channel": {"$ref": f"#/channels/{channel_id}_dlq"},
            "summary": f"A consumer of {topic} sends a record it cannot apply here, with the error.",
            "messages": [{"$ref": f"#/channels/{channel_id}_dlq/messages/dead_letter"}],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "Gotong integration events", "version": "1.0.0",
                 "description": "Topics `<service>.events`; key = stream id; consumers dedupe on ce_storeposition. "
                                "Topics `<service>.events.dlq` hold what a consumer could not apply."},
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }
