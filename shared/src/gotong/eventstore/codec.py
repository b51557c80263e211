"""JSON encoding of event payloads (orjson: fast, and it refuses NaN and other non-JSON values)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson


def dumps(data: Mapping[str, Any]) -> str:
    return orjson.dumps(data).decode()


def dumpb(data: Any) -> bytes:
    return orjson.dumps(data)


def loads(text: str | bytes) -> Any:
    return orjson.loads(text)
