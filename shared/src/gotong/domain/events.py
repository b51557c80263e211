"""Domain events: frozen, typed, versioned; old versions are upcast on read, never edited in place."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class DomainEvent(BaseModel):
    """Past tense, holds ids and values only. `event_type` and `schema_version` identify its contract."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1

    def to_data(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


E = TypeVar("E", bound=type[DomainEvent])


class EventRegistry:
    """Knows the event classes of one domain and how to bring an old payload to the current version."""

    def __init__(self) -> None:
        self._classes: dict[str, type[DomainEvent]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}

    def register(self, cls: E) -> E:
        self._classes[cls.event_type] = cls
        return cls

    def upcaster(self, event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Decorate `upcast_v1_v2(data) -> data` style functions: from_version -> from_version + 1."""

        def deco(fn: Upcaster) -> Upcaster:
            self._upcasters[(event_type, from_version)] = fn
            return fn

        return deco

    def upcast(self, event_type: str, schema_version: int, data: Mapping[str, Any]) -> dict[str, Any]:
        cls = self._classes.get(event_type)
        if cls is None:
            raise KeyError(f"unknown event type {event_type}")
        payload = dict(data)
        version = schema_version
        while version < cls.schema_version:
            step = self._upcasters.get((event_type, version))
            if step is None:
                raise LookupError(f"no upcaster for {event_type} v{version} -> v{version + 1}")
            payload = step(payload)
            version += 1
        if version > cls.schema_version:
            raise LookupError(f"{event_type} v{version} is newer than this code knows (v{cls.schema_version})")
        return payload

    def decode(self, event_type: str, schema_version: int, data: Mapping[str, Any]) -> DomainEvent:
        return self._classes[event_type].model_validate(self.upcast(event_type, schema_version, data))

    def json_schemas(self) -> dict[str, dict[str, Any]]:
        return {f"{t}.v{c.schema_version}": c.model_json_schema() for t, c in sorted(self._classes.items())}
