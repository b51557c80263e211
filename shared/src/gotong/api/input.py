"""Input the database cannot store is refused at the door (422 naming the field), never a 500 from the driver.

PostgreSQL text and jsonb cannot hold U+0000, no UTF-8 text holds a lone surrogate (JSON can spell one,
`"\\ud800"`), no name or text needs a control character or a bidirectional override (a program named with
them reads as something else on the public canvas), and integers stop at 64 bits. `InputGuard` screens each
request's path, query string and JSON (or form) body for these before any route sees it. Model bounds
(`gotong.domain.bounds`) keep each field within what its column holds; should a value still be refused by the
database, `blame` tells the client's input (422 naming the fields that carried it) from a bug (re-raised: a
logged 500).
"""

from __future__ import annotations

import json
import logging
import math
import re
import weakref
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import asyncpg
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gotong.api.problem import field_path, problem
from gotong.domain.bounds import INT16_MAX, INT32_MAX, INT64_MAX

log = logging.getLogger("gotong.api.input")

Leaf = tuple[str, Any]  # ("body.members.0.nik", value): where the client put a value, and the value
_SURROGATE = re.compile("[\ud800-\udfff]")
#: Control characters no name or text needs (tab, line feed and carriage return are text), and the bidirectional
#: overrides that make a name read differently from what it holds (Trojan Source, CVE-2021-42574).
_CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_INTEGER = re.compile(r"[+-]?\d{1,400}")
_RANGES = {"int16": INT16_MAX, "smallint": INT16_MAX, "int32": INT32_MAX, "integer": INT32_MAX,
           "int64": INT64_MAX, "bigint": INT64_MAX}
_OUT_OF_RANGE = re.compile(r"\b(smallint|integer|bigint) out of range|out of (int16|int32|int64) range"
                           r"|out of range for type (smallint|integer|bigint)|exceeds 64-bit range")
_TOO_LONG = re.compile(r"value too long for type character(?: varying)?\((\d+)\)")
_TEXT_STATES = ("22021", "22P05")  # character_not_in_repertoire, untranslatable_character (NUL in text, jsonb)


class _NonFinite:
    """`NaN`, `Infinity` or `-Infinity` in a JSON body: Python's parser accepts them, JSON does not."""


def text_flaw(value: str) -> str | None:
    """Why PostgreSQL cannot store `value` as text, or None when it can."""
    if "\x00" in value:
        return "contains a NUL character (U+0000), which cannot be stored"
    if _SURROGATE.search(value):
        return "contains a lone surrogate (U+D800 to U+DFFF), which is not a character"
    if found := _CONTROL.search(value):
        return f"contains a control character (U+{ord(found.group()):04X}), which no name or text may hold"
    return None


def _int_value(value: Any) -> int | None:
    """The integer a leaf carries: a JSON integer, or path or query text spelling one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return int(value)
    return None


def flaws(leaves: list[Leaf], *, json_numbers: bool) -> list[dict[str, str]]:
    """The problem+json `errors` for leaves no column can hold (integers only where JSON typed them)."""
    found = []
    for field, value in leaves:
        if isinstance(value, str) and (why := text_flaw(value)):
            found.append({"field": field, "detail": why, "code": "string_unstorable"})
        elif json_numbers and isinstance(value, _NonFinite | float) and not (
                isinstance(value, float) and math.isfinite(value)):
            found.append({"field": field, "detail": "must be a finite number", "code": "finite_number"})
        elif json_numbers and isinstance(value, int) and not isinstance(value, bool) and not (
                -INT64_MAX - 1 <= value <= INT64_MAX):
            found.append({"field": field, "detail": "must fit in 64 bits (-2^63 to 2^63 - 1)",
                          "code": "int_out_of_range"})
    return found


def json_leaves(value: Any, where: tuple[Any, ...] = ("body",)) -> Iterator[Leaf]:
    """Every string, number and object key in a parsed JSON document, with its field path."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield field_path((*where, key)), key
            yield from json_leaves(item, (*where, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from json_leaves(item, (*where, i))
    else:
        yield field_path(where), value


def query_leaves(scope: Scope) -> list[Leaf]:
    """The query string as Starlette reads it (names count: a NUL in a name is as bad as in a value)."""
    query = scope.get("query_string", b"")
    if not query:
        return []
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    return [leaf for name, value in pairs for leaf in ((f"query.{name}", name), (f"query.{name}", value))]


def path_leaves(scope: Scope) -> list[Leaf]:
    """The path parameters (`path.household_id`) of the documented route the path matches, if any."""
    path = scope.get("path", "")
    for pattern, names in _path_templates(scope.get("app")):
        if match := pattern.fullmatch(path):
            return [(f"path.{name}", value) for name, value in zip(names, match.groups(), strict=True)]
    return []


def _path_flaws(scope: Scope) -> list[Leaf]:
    """The parameters holding a NUL (or surrogate), or the whole `path` when it is outside them (a mount, an
    unknown route); nothing for a clean path, which is most of them, without matching it against any route."""
    path = scope.get("path", "")
    if not text_flaw(path):
        return []
    params = [leaf for leaf in path_leaves(scope) if text_flaw(leaf[1])]
    return params or [("path", path)]


_TEMPLATES: weakref.WeakKeyDictionary[Any, list[tuple[re.Pattern[str], list[str]]]] = weakref.WeakKeyDictionary()


def _path_templates(app: Any) -> list[tuple[re.Pattern[str], list[str]]]:
    """The app's OpenAPI path templates as patterns (`/v1/cycles/{cycle_id}` -> `/v1/cycles/([^/]+)`)."""
    if app is None or not callable(getattr(app, "openapi", None)):
        return []
    if app not in _TEMPLATES:
        try:
            paths = list(app.openapi().get("paths", {}))
        except Exception:
            paths = []
        compiled = []
        for template in paths:
            parts = re.split(r"{([^}:]+)(?::[^}]*)?}", template)
            names = parts[1::2]
            regex = "".join(re.escape(p) if i % 2 == 0 else "([^/]+)" for i, p in enumerate(parts))
            compiled.append((re.compile(regex, re.DOTALL), names))
        _TEMPLATES[app] = compiled
    return _TEMPLATES[app]


def _media_type(scope: Scope) -> str:
    for name, value in scope.get("headers") or ():
        if name == b"content-type":
            return str(value.decode("latin-1")).split(";", 1)[0].strip().lower()
    return ""


def _is_json(media_type: str) -> bool:
    # FastAPI reads a body without a content type as JSON too.
    return media_type in ("", "application/json") or (media_type.startswith("application/")
                                                       and media_type.endswith("+json"))


def body_leaves(body: bytes, media_type: str) -> tuple[list[Leaf], bool]:
    """The leaves of a JSON or form body (and whether JSON typed its numbers); none for other bodies, whose
    routes read them row by row and report each bad row themselves."""
    if not body:
        return [], False
    if _is_json(media_type):
        try:
            parsed = json.loads(body, parse_constant=lambda _: _NonFinite())
        except ValueError:  # not JSON: FastAPI answers that itself
            return [], False
        return list(json_leaves(parsed)), True
    if media_type == "application/x-www-form-urlencoded":
        pairs = parse_qsl(body.decode("latin-1"), keep_blank_values=True)
        return [(f"body.{name}", value) for name, value in pairs], False
    return [], False


def _chain(err: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo = [err]
    while todo and len(seen) < 20:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo.extend(x for x in (e.__cause__, e.__context__, getattr(e, "orig", None)) if isinstance(x, BaseException))


def blame(err: BaseException, leaves: list[Leaf]) -> list[dict[str, str]] | None:
    """The fields of the client's input that made the database (or the event encoder) refuse a value, as
    problem+json `errors`; None when the error is not a data error or no input explains it (a bug: a 500)."""
    culprits: list[dict[str, str]] = []
    for e in _chain(err):
        state = getattr(e, "sqlstate", None)
        text = str(e)
        if state in _TEXT_STATES or isinstance(e, UnicodeEncodeError):
            culprits = [f for f in flaws(leaves, json_numbers=False) if f["code"] == "string_unstorable"]
        elif state == "22001" and (length := _TOO_LONG.search(text)):
            limit = int(length.group(1))
            culprits = [{"field": f, "detail": f"must be at most {limit} characters", "code": "string_too_long"}
                        for f, v in leaves if isinstance(v, str) and len(v) > limit]
        elif (bound := _OUT_OF_RANGE.search(text)) and (
                state == "22003" or isinstance(e, OverflowError | asyncpg.DataError | TypeError)):
            name = next((g for g in bound.groups() if g), "int64")
            top = _RANGES[name]
            culprits = [{"field": f, "detail": f"must be between {-top - 1} and {top}", "code": "int_out_of_range"}
                        for f, v in leaves if (n := _int_value(v)) is not None and not -top - 1 <= n <= top]
        if culprits:
            return _unique(culprits)
    return None


def _unique(errors: list[dict[str, str]]) -> list[dict[str, str]]:
    first: dict[str, dict[str, str]] = {}
    for e in errors:
        first.setdefault(e["field"], e)
    return list(first.values())


def invalid(scope: Scope, errors: list[dict[str, str]]) -> Any:
    fields = ", ".join(e["field"] for e in errors[:5])
    return problem(422, "validation-error", "Your request is not valid", f"invalid field(s): {fields}",
                   instance=scope.get("path"), errors=errors)


async def _read_body(receive: Receive) -> tuple[list[Message], bytes]:
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return messages, b"".join(chunks)


class InputGuard:
    """ASGI middleware: text PostgreSQL cannot hold and integers past 64 bits anywhere in the path, the query
    string or a JSON/form body get a 422 naming the field before routing; a data error the database raises
    later because of the client's input gets a 422 naming the fields too (logged without a traceback)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body_messages: list[Message] = []
        body: list[Leaf] = []
        json_numbers = False
        if scope.get("method") in ("POST", "PUT", "PATCH", "DELETE") and (
                _is_json(media_type := _media_type(scope)) or media_type == "application/x-www-form-urlencoded"):
            body_messages, raw = await _read_body(receive)
            body, json_numbers = body_leaves(raw, media_type)
        url = [*query_leaves(scope), *_path_flaws(scope)]
        errors = flaws(url, json_numbers=False) + flaws(body, json_numbers=json_numbers)
        if errors:
            await invalid(scope, _unique(errors))(scope, receive, send)
            return
        if body_messages:
            receive = _replay(body_messages, receive)
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as err:
            culprits = None if started else blame(err, [*path_leaves(scope), *query_leaves(scope), *body])
            if culprits is None:
                raise
            log.info("input refused by the database", extra={
                "path": scope.get("path"), "fields": [c["field"] for c in culprits], "error_type": type(err).__name__})
            await invalid(scope, culprits)(scope, receive, send)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay


__all__ = ["InputGuard", "blame", "flaws", "text_flaw"]
