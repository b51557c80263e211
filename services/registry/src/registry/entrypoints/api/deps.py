"""The registry's typed app state (`registry_state(app)`), built by the composition root (`registry.bootstrap`)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, FastAPI, Request

from gotong.application.uow import Projectors
from registry.adapters.civil_registry import CivilRegistry
from registry.adapters.crypto import KeyRing
from registry.application.commands import Deps

if TYPE_CHECKING:
    from registry.entrypoints.api.public import FastStatusCheck

LifespanHook = Callable[[FastAPI], AbstractAsyncContextManager[None]]


@dataclass
class RegistryState:
    """What the registry's routes, middleware and sub-apps read from the running app."""

    deps: Deps
    projectors: Projectors
    #: lifespan hooks of parts installed after the app was built (DCI); entered by one hook given to the kit
    lifespans: tuple[LifespanHook, ...] = ()
    fast_status_check: FastStatusCheck | None = None

    @property
    def keyring(self) -> KeyRing:
        return self.deps.keyring

    @property
    def civil(self) -> CivilRegistry:
        return self.deps.civil


def registry_state(app: Any) -> RegistryState:
    found = getattr(app.state, "registry", None)
    if not isinstance(found, RegistryState):
        raise RuntimeError("not a registry app: its state is built by registry.bootstrap.create_app")
    return found


def _request_state(request: Request) -> RegistryState:
    return registry_state(request.app)


def _request_deps(request: Request) -> Deps:
    return registry_state(request.app).deps


RegistryDep = Annotated[RegistryState, Depends(_request_state)]
DepsDep = Annotated[Deps, Depends(_request_deps)]

__all__ = ["DepsDep", "LifespanHook", "RegistryDep", "RegistryState", "registry_state"]
