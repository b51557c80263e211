"""How a service describes itself to the kit and the launcher (entry point group `gotong.services`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

    from gotong.settings import KitSettings


@dataclass(frozen=True)
class DemoScopes:
    """Finer scopes a service uses beyond `<name>:read`, `:write` and `:approve`, for the local demo clients.

    officer:     given to the operations officer (and the supervisor).
    supervisor:  given to the supervisor only, on top of the officer's.
    ministry:    given to the ministry's machine client, on top of `<name>:read`.
    """

    officer: tuple[str, ...] = ()
    supervisor: tuple[str, ...] = ()
    ministry: tuple[str, ...] = ()


@dataclass(frozen=True)
class ServiceSpec:
    """Everything the launcher needs to migrate, run and seed one service.

    name:        service name, also the topic prefix (`registry` -> `registry.events`) and database suffix.
    settings:    the service's settings class (a KitSettings subclass), read from the environment.
    create_app:  builds the FastAPI app from settings (the composition root).
    migrations:  the service's Alembic script folder.
    port:        the default local port.
    demo_data:   optional coroutine loading demo data into a running system (given the service's settings).
    cli:         optional click group, or several, added to the `gotong` command (e.g. `gotong registry import`);
                 a group named after the service holds its `rebuild` (`gotong <service> rebuild`).
    consumes:    the topics it reads (the launcher creates them first).
    scopes:      its finer scopes for the local demo clients (`gotong up`).
    environment: optional `state_root -> {VAR: value}`: extra environment for a local run (keys, paths).
    public_page: optional path of a page for the public, announced by `gotong up` (e.g. the portal's `/`).
    sign_in:     optional callback path of a browser app people sign in to (OIDC authorization code + PKCE):
                 `gotong up` registers it with the local token server as a public client whose redirect URI is
                 `http://HOST:PORT<sign_in>`, and makes the demo users (operator, supervisors, auditor).
    """

    name: str
    settings: type[KitSettings]
    create_app: Callable[[Any], FastAPI]
    migrations: Path
    port: int
    demo_data: Callable[[Any], Awaitable[None]] | None = None
    cli: Any = None
    consumes: Sequence[str] = field(default_factory=tuple)
    scopes: DemoScopes = field(default_factory=DemoScopes)
    environment: Callable[[Path], Mapping[str, str]] | None = None
    public_page: str | None = None
    sign_in: str | None = None


def discover_services() -> dict[str, ServiceSpec]:
    """All installed services, in launcher order."""
    found: dict[str, ServiceSpec] = {}
    for ep in entry_points(group="gotong.services"):
        spec = ep.load()
        found[spec.name] = spec
    return dict(sorted(found.items(), key=lambda kv: kv[1].port))
