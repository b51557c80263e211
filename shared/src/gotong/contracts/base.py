"""Base for published integration events: frozen, versioned, and free of personal data by construction."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class IntegrationEvent(BaseModel):
    """What a service publishes on `<service>.events`. The CloudEvents type is
    `id.gotong.<service>.<event_type>.v<schema_version>`; the subject is the stream id."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1
