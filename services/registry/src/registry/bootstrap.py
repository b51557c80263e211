"""The registry's composition root: settings -> keyring, civil registry, projectors, the app and its parts
(typed state in `registry_state(app)`), and how the launcher finds, migrates and runs the service
(entry point `gotong.services`)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI
from starlette.middleware import Middleware

from gotong.api.app import create_app as create_kit_app
from gotong.api.fast_path import install_fast_path
from gotong.application.uow import Projectors
from gotong.messaging.consumer import consumers_lifespan
from gotong.messaging.relay import relay_lifespan
from gotong.messaging.topics import events_topic
from gotong.service import DemoScopes, ServiceSpec
from registry.adapters.civil_registry import DukcapilSimulator
from registry.adapters.crypto import KeyRing
from registry.application.commands import Deps
from registry.application.projections import build_projectors
from registry.application.publishing import publish_contract
from registry.config import VERSION, Settings
from registry.dci.bootstrap import install as install_dci
from registry.dci.demo import with_sandbox
from registry.demo import load_demo
from registry.entrypoints.api.deps import LifespanHook, RegistryState, registry_state
from registry.entrypoints.api.public import (
    STATUS_PATH,
    FastStatusCheck,
    fast_reply,
    fast_status_lifespan,
    public_router,
    status_route,
)
from registry.entrypoints.api.requests import router as requests_router
from registry.entrypoints.api.routes import router
from registry.entrypoints.api.status_page import status_page_router
from registry.entrypoints.cli import registry
from registry.entrypoints.cli_household import household
from registry.entrypoints.consumers.disbursement import disbursement_consumer

DESCRIPTION = (
    "The digital social-economic registry (DTSEN): households and their members, verification, the "
    "welfare ranking (desil 1–10, the national income decile) and the public \"is my aid coming?\" "
    "check. Personal data (NIK, No. KK, names, addresses) is kept encrypted per household and found "
    "by a blind index; other services refer to people only by a pseudonymous reference."
)

def deps_from(settings: Settings) -> Deps:
    return Deps(KeyRing.from_text(settings.master_secret), DukcapilSimulator(
        death_rate=settings.civil_death_rate, mismatch_rate=settings.civil_mismatch_rate,
        not_found_rate=settings.civil_not_found_rate))


def projectors_for(settings: Settings) -> Projectors:
    return build_projectors(deps_from(settings).keyring)


@contextlib.asynccontextmanager
async def _installed_parts(app: FastAPI) -> AsyncIterator[None]:
    """The lifespans of parts installed once the app existed (DCI), in order; the reverse on shutdown."""
    async with contextlib.AsyncExitStack() as stack:
        for hook in registry_state(app).lifespans:
            await stack.enter_async_context(hook(app))
        yield


def _disbursement_consumers(app: FastAPI) -> contextlib.AbstractAsyncContextManager[None]:
    return consumers_lifespan(app, [disbursement_consumer])


def create_app(settings: Settings | None = None, deps: Deps | None = None) -> FastAPI:
    settings = settings or Settings()
    deps = deps or deps_from(settings)
    projectors = build_projectors(deps.keyring)
    hooks: list[LifespanHook] = [relay_lifespan, fast_status_lifespan]
    if settings.consume_disbursement:
        hooks.append(_disbursement_consumers)
    hooks.append(_installed_parts)
    public = public_router(settings.status_check_per_minute)
    app = create_kit_app(settings, title="Gotong registry", version=VERSION, description=DESCRIPTION,
                         routers=[router, requests_router, public,
                                  status_page_router(settings.status_check_per_minute)],
                         lifespan_hooks=tuple(hooks), projectors=projectors,
                         contract_mapper=publish_contract)
    state = RegistryState(deps, projectors)
    app.state.registry = state
    # the public check's hot path: innermost (inside the kit's layers) while spans are recorded or for anything
    # unusual, and the same check answered in front of them all (the kit's fast path, which does their work inline)
    app.user_middleware.append(Middleware(FastStatusCheck, per_minute=settings.status_check_per_minute,
                                          holder=state, route=status_route(public)))
    install_fast_path(app, method="POST", path=STATUS_PATH, handler=fast_reply)
    state.lifespans = tuple(install_dci(app, settings, deps.keyring))  # DCI: routes now, worker at startup
    return app


service = ServiceSpec(
    name="registry",
    settings=Settings,
    create_app=create_app,
    migrations=Path(__file__).parent / "migrations",
    port=8101,
    demo_data=with_sandbox(load_demo),  # and the DCI sandbox ministry client, its keys printed
    cli=(registry, household),
    public_page="/cek-status",
    consumes=(events_topic("disbursement"),),
    # Finer scopes (see entrypoints/api/routes.py): officers register, verify, read personal data for a stated
    # purpose and propose ranking runs; supervisors also approve them (`registry:approve`, never their own),
    # audit personal-data reads and erase, and onboard the ministries' DCI clients; a ministry searches by DCI.
    scopes=DemoScopes(
        officer=("registry:register", "registry:verify", "registry:read-personal", "registry:rank"),
        supervisor=("registry:audit", "registry:erase", "registry:dci-admin"),
        ministry=("dci:search", "dci:search:identity", "dci:search:socioeconomic", "dci:subscribe"),
    ),
)
