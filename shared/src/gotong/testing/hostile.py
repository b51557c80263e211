"""Hostile requests for every operation of an OpenAPI document, for tests that an API never answers 5xx.

Each path parameter, query parameter and JSON body field in turn gets a bad value — a NUL byte, a lone
surrogate, an integer past 64 bits, a wrong type, a date at the edge of the calendar, a very long string —
while the rest of the request stays plausible (built from the schema), so the bad value travels as deep as
the service lets it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any
from urllib.parse import quote
from uuid import uuid4

INT64_MAX = 2**63 - 1
SAMPLE_UUID = "0196a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a1b"

_TEXT: list[tuple[str, Any]] = [("nul", "a\x00b"), ("surrogate", "a\ud800b"), ("long", "x" * 20_000),
                                ("digits", "1000000"), ("empty", "")]
_INT: list[tuple[str, Any]] = [("int64+1", 2**63), ("int64-1", -(2**63) - 1), ("int64max", INT64_MAX),
                               ("int32+1", 2**31), ("int16+1", 2**15), ("negative", -1), ("true", True),
                               ("string", "1000000"), ("float", 1e3), ("fraction", 1.5), ("null", None)]
_NUMBER: list[tuple[str, Any]] = [("huge", 1e308), ("int64+1", 2**63), ("string", "x"), ("true", True),
                                  ("null", None)]
_BOOL: list[tuple[str, Any]] = [("string", "yes"), ("int", 2), ("null", None)]
_DATE: list[tuple[str, Any]] = [("max-date", "9999-12-31"), ("min-date", "0001-01-01"), ("bad-date", "2026-02-30")]
_DATETIME: list[tuple[str, Any]] = [("max-datetime", "9999-12-31T23:59:59-12:00"),
                                    ("min-datetime", "0001-01-01T00:00:00+14:00"), ("naive", "2026-01-01T00:00:00")]
_CONTAINER: list[tuple[str, Any]] = [("string", "x"), ("number", 1), ("null", None)]
#: In a URL everything is text: the same hazards, spelled as strings.
_URL: list[tuple[str, str]] = [("nul", "a\x00b"), ("int64+1", str(2**63)), ("int64-1", str(-(2**63) - 1)),
                               ("int32+1", str(2**31)), ("int16+1", str(2**15)), ("float", "1e3"),
                               ("true", "true"), ("max-date", "9999-12-31"), ("min-date", "0001-01-01"),
                               ("long", "x" * 4_000), ("empty", "")]


@dataclass(frozen=True)
class Probe:
    """One request: `field` (`body.amount`, `query.after`, `path.code`), whose schema type is `typed`, carries
    the bad value of `kind`."""

    method: str
    url: str
    template: str
    field: str
    kind: str
    body: bytes | None
    typed: str | None = None

    @property
    def must_be_named(self) -> bool:
        """Whether the answer must be a 422 naming `field`: text no column holds, anywhere; an integer past 64
        bits where an integer belongs."""
        return self.kind in ("nul", "surrogate") or (self.kind in ("int64+1", "int64-1") and self.typed == "integer")

    @property
    def headers(self) -> dict[str, str]:
        return {"content-type": "application/json"} if self.body is not None else {}

    def __str__(self) -> str:
        return f"{self.method} {self.template} {self.field}={self.kind}"


def encode(value: Any) -> bytes:
    """JSON as a client may send it: lone surrogates escaped, integers of any size, NaN refused."""
    return json.dumps(value, ensure_ascii=True, allow_nan=False).encode()


class _Schemas:
    def __init__(self, doc: dict[str, Any], known: dict[str, str]) -> None:
        self.components = doc.get("components", {}).get("schemas", {})
        self.known = known

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        seen = 0
        while "$ref" in schema and seen < 20:
            schema = self.components[schema["$ref"].rsplit("/", 1)[-1]]
            seen += 1
        for key in ("anyOf", "oneOf"):  # the first option that is not null
            options = [self.resolve(s) for s in schema.get(key, ()) if s.get("type") != "null"]
            if options:
                return {**{k: v for k, v in schema.items() if k != key}, **options[0]}
        if schema.get("allOf"):
            merged: dict[str, Any] = {}
            for part in schema["allOf"]:
                merged.update(self.resolve(part))
            return {**{k: v for k, v in schema.items() if k != "allOf"}, **merged}
        return schema

    def sample(self, schema: dict[str, Any], depth: int = 0) -> Any:
        """A plausible value of `schema`: an example or enum member where given, else the smallest valid one."""
        schema = self.resolve(schema)
        for key in ("example", "const"):
            if key in schema:
                return schema[key]
        if schema.get("examples"):
            return schema["examples"][0]
        if schema.get("enum"):
            return schema["enum"][0]
        if schema.get("default") is not None:
            return schema["default"]
        kind = schema.get("type")
        if kind == "string":
            return _string(schema)
        if kind in ("integer", "number"):
            low = schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1 if "exclusiveMinimum" in schema else 1)
            high = schema.get("maximum", max(low, 1))
            value = min(max(1, low), high)
            return int(value) if kind == "integer" else value
        if kind == "boolean":
            return False
        if kind == "array":
            if depth > 6:
                return []
            return [self.sample(schema.get("items", {}), depth + 1)] * max(1, schema.get("minItems", 1))
        if kind == "object" or "properties" in schema:
            if depth > 6:
                return {}
            value = {name: self.known.get(name) or self.sample(sub, depth + 1)
                     for name, sub in schema.get("properties", {}).items()}
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict) and not value:
                value["k1"] = self.sample(extra, depth + 1)
            return value
        return "x"

    def hazards(self, schema: dict[str, Any]) -> list[tuple[str, Any]]:
        schema = self.resolve(schema)
        kind = schema.get("type")
        if kind == "string":
            fmt = schema.get("format")
            extra = _DATE if fmt == "date" else _DATETIME if fmt == "date-time" else []
            return [*_TEXT, *extra]
        if kind == "integer":
            return _INT
        if kind == "number":
            return _NUMBER
        if kind == "boolean":
            return _BOOL
        return _CONTAINER

    def leaves(self, schema: dict[str, Any], value: Any, path: tuple[str | int, ...] = (),
               depth: int = 0) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any]]]:
        """Every place in `value` (built by `sample`) with the schema that describes it, parents first."""
        schema = self.resolve(schema)
        yield path, schema
        if depth > 6:
            return
        if isinstance(value, dict):
            props = schema.get("properties", {})
            extra = schema.get("additionalProperties")
            for name, item in value.items():
                sub = props.get(name, extra if isinstance(extra, dict) else {})
                yield from self.leaves(sub, item, (*path, name), depth + 1)
        elif isinstance(value, list) and value:
            yield from self.leaves(schema.get("items", {}), value[0], (*path, 0), depth + 1)


def _string(schema: dict[str, Any]) -> str:
    fmt = schema.get("format")
    if fmt == "uuid":
        return SAMPLE_UUID
    if fmt == "date":
        return "2026-01-15"
    if fmt == "date-time":
        return "2026-01-15T08:00:00Z"
    if fmt == "email":
        return "a@example.org"
    if fmt in ("uri", "url"):
        return "https://example.org/"
    if "pattern" in schema:
        return regex_sample(schema["pattern"])
    return "x" * max(1, int(schema.get("minLength", 1)))


def regex_sample(pattern: str) -> str:
    """A short string matching `pattern` (the smallest choice at each step; good enough for field patterns)."""
    try:
        return "".join(_emit(sre_parse.parse(pattern)))
    except Exception:
        return "x"


def _emit(parsed: Any) -> Iterator[str]:
    for op, arg in parsed:
        name = str(op)
        if name == "LITERAL":
            yield chr(arg)
        elif name == "IN":
            yield _in_class(arg)
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, _, sub = arg
            for _ in range(low):
                yield from _emit(sub)
        elif name == "SUBPATTERN":
            yield from _emit(arg[-1])
        elif name == "BRANCH":
            yield from _emit(arg[1][0])
        elif name == "ANY":
            yield "a"
        elif name == "NOT_LITERAL":
            yield "a" if arg != ord("a") else "b"
        elif name == "CATEGORY":
            yield _category(str(arg))


def _in_class(items: Any) -> str:
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            return chr(arg)
        if name == "RANGE":
            return chr(arg[0])
        if name == "CATEGORY":
            return _category(str(arg))
    return "a"


def _category(name: str) -> str:
    return "0" if "DIGIT" in name and "NOT" not in name else " " if "SPACE" in name and "NOT" not in name else "a"


def _set(value: Any, path: tuple[str | int, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _set(value[head], rest, new)}
    copy = list(value)
    copy[int(head)] = _set(copy[int(head)], rest, new)
    return copy


def _fill(template: str, values: dict[str, str]) -> str:
    return re.sub(r"{([^}]+)}", lambda m: quote(values[m.group(1)], safe=""), template)


def probes(doc: dict[str, Any], known: dict[str, str] | None = None) -> Iterator[Probe]:
    """Every hostile request for every operation in the OpenAPI document `doc`.

    `known`: values by parameter or field name (ids of things that exist), used instead of samples.
    """
    schemas = _Schemas(doc, known or {})
    for template, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if method.upper() not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                continue
            yield from _operation(schemas, method.upper(), template, op)


def _operation(schemas: _Schemas, method: str, template: str, op: dict[str, Any]) -> Iterator[Probe]:
    params = [p for p in op.get("parameters", []) if p.get("in") in ("path", "query")]
    plain = {p["name"]: schemas.known.get(p["name"]) or _url_text(schemas.sample(p.get("schema", {})))
             if p["in"] == "path" or p.get("required") else "" for p in params}  # "": an optional one left out
    content = op.get("requestBody", {}).get("content", {}).get("application/json")
    body_schema = content.get("schema", {}) if content else None
    body = schemas.sample(body_schema) if body_schema is not None else None

    def build(values: dict[str, str], payload: Any, field: str, kind: str, typed: str | None = None) -> Probe:
        path_values = {p["name"]: values[p["name"]] for p in params if p["in"] == "path"}
        query = [(p["name"], values[p["name"]]) for p in params
                 if p["in"] == "query" and (values[p["name"]] != "" or field == f"query.{p['name']}")]
        url = _fill(template, path_values)
        if query:
            url += "?" + "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in query)
        raw = encode(payload) if payload is not None or body_schema is not None else None
        if raw is not None:  # a new id for each request: a second create with the same id would stop early
            raw = raw.replace(SAMPLE_UUID.encode(), str(uuid4()).encode())
        return Probe(method, url, template, field, kind, raw, typed)

    yield build(plain, body, "", "plausible")
    for p in params:
        for kind, bad in _URL:
            if p["in"] == "path" and bad == "":
                continue
            typed = schemas.resolve(p.get("schema", {})).get("type")
            yield build({**plain, p["name"]: bad}, body, f"{p['in']}.{p['name']}", kind, typed)
    if body_schema is None:
        if method in ("POST", "PUT", "PATCH"):  # a route that reads its body itself still meets the screen
            yield build(plain, {"note": "a\x00b"}, "body.note", "nul", "string")
        return
    for path, schema in schemas.leaves(body_schema, body):
        field = ".".join(["body", *(str(p) for p in path)])
        for kind, bad in schemas.hazards(schema):
            yield build(plain, _set(body, path, bad), field, kind, schema.get("type"))


def _url_text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def unbounded_integers(doc: dict[str, Any]) -> list[str]:
    """Every integer a request of `doc` may carry (parameter or body field) that lacks a minimum or a maximum:
    `POST /v1/things body.amount`. An API that keeps its columns whole has none."""
    components = doc.get("components", {}).get("schemas", {})
    found: list[str] = []

    def walk(schema: dict[str, Any], where: str, seen: tuple[str, ...] = ()) -> None:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                walk(components[name], where, (*seen, name))
            return
        for key in ("anyOf", "oneOf", "allOf"):
            for option in schema.get(key, ()):
                walk(option, where, seen)
        low = "minimum" in schema or "exclusiveMinimum" in schema
        high = "maximum" in schema or "exclusiveMaximum" in schema
        if schema.get("type") == "integer" and not (low and high):
            found.append(where)
        for name, sub in schema.get("properties", {}).items():
            walk(sub, f"{where}.{name}", seen)
        for key, suffix in (("items", ".0"), ("additionalProperties", ".*")):
            if isinstance(schema.get(key), dict):
                walk(schema[key], where + suffix, seen)

    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if not isinstance(op, dict):
                continue
            for p in op.get("parameters", []):
                walk(p.get("schema", {}), f"{method.upper()} {path} {p['in']}.{p['name']}")
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                walk(body.get("schema", {}), f"{method.upper()} {path} body")
    return sorted(set(found))
