"""The projector's own typed app state (beside the kit's `runtime(app)`): its settings, the log's signer, and
the transparency consumer the sealer follows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from canvas_projector.config import Settings
from canvas_projector.domain.transparency import TransparencyLog
from gotong.messaging.consumer import EventConsumer


@dataclass
class ProjectorState:
    settings: Settings
    tlog: TransparencyLog
    #: set when the consumers start (the sealer seals what its assigned partitions have passed)
    transparency_consumer: EventConsumer | None = None


def projector_state(app: Any) -> ProjectorState:
    """The canvas-projector's state of a built app (set by `bootstrap.create_app`)."""
    found = app.state.projector
    if not isinstance(found, ProjectorState):
        raise RuntimeError("not a canvas-projector app")
    return found


def _request_state(request: Request) -> ProjectorState:
    return projector_state(request.app)


StateDep = Annotated[ProjectorState, Depends(_request_state)]

