"""Base for published integration events: frozen, versioned, and free of personal data by construction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class IntegrationEvent(BaseModel):
    """What a service publishes on `<service>.events`. The CloudEvents type is
    `id.gotong.<service>.<event_type>.v<schema_version>`; the subject is the stream id."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1


def parse_contract(event_type: str, schema_version: int, data: object,
                   events: Mapping[str, type[IntegrationEvent]]) -> IntegrationEvent | None:
    """The contract model for a consumed event, or None for a type this consumer does not know (skip it).

    A newer schema version than the model is refused (raise: the event goes to the DLQ until the consumer is
    upgraded); an older one must be upcast by the contract module before it reaches here.
    """
    model = events.get(event_type)
    if model is None:
        return None
    if schema_version > model.schema_version:
        raise LookupError(f"{event_type} v{schema_version} is newer than this consumer knows")
    return model.model_validate(data)
