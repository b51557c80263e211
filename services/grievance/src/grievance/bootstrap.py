"""The grievance service's composition root: its projectors, the key ring, the app (public and officer APIs,
relay with the contract mapper, the SLA job and the follow-up worker) and how the launcher runs it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from fastapi import FastAPI
from starlette.middleware import Middleware

from gotong.api.app import LifespanHook
from gotong.api.app import create_app as create_kit_app
from gotong.domain.clock import SYSTEM_CLOCK, Clock
from gotong.messaging.relay import relay_lifespan
from gotong.service import DemoScopes, ServiceSpec
from grievance.adapters.sealing import KeyRing
from grievance.adapters.tables import projectors
from grievance.application.commands import Deps
from grievance.application.publishing import publish_contract
from grievance.config import VERSION, Settings
from grievance.demo import load_demo
from grievance.entrypoints.api.fast import FastSubmit, fast_submit_lifespan, submission_route
from grievance.entrypoints.api.public import public_router
from grievance.entrypoints.api.routes import router
from grievance.entrypoints.cli import grievance
from grievance.entrypoints.jobs import follow_up_job, owners_lifespan, sla_job
from grievance.entrypoints.web.limits import page_limit
from grievance.entrypoints.web.pages import pages_router

DESCRIPTION = (
    "Grievances: usul (a village officer proposes a household), sanggah (objection to a household's inclusion or "
    "desil, may be anonymous), payment complaints and data corrections. Public submission and status check by "
    "tracking number (no login, rate-limited), officers' workflow with deadlines, four eyes on decisions that "
    "change data, and the loop closed through the registry's and disbursement's APIs."
)


def create_app(settings: Settings | None = None, *, clock: Clock = SYSTEM_CLOCK, jobs: bool = True) -> FastAPI:
    """`jobs=False` leaves the SLA job and the follow-up worker out (tests drive them by hand)."""
    settings = settings or Settings()
    hooks: list[LifespanHook] = [relay_lifespan, owners_lifespan, fast_submit_lifespan]
    if jobs:
        hooks += [sla_job, follow_up_job]
    public = public_router(settings.public_per_minute)
    app = create_kit_app(settings, title="Gotong grievance", version=VERSION, description=DESCRIPTION,
                         routers=[public, router,
                                  pages_router(page_limit(settings.public_per_minute))], lifespan_hooks=hooks,
                         projectors=projectors, clock=clock, contract_mapper=publish_contract)
    app.state.grievance = Deps(KeyRing.from_text(settings.grievance_master_secret))
    app.state.grievance_owners = None
    app.state.grievance_fast_submit = None
    # the public submission's hot path, inside the kit's metrics, rate limit and size limit
    app.user_middleware.append(Middleware(FastSubmit, per_minute=settings.public_per_minute,
                                          route=submission_route(public), state=app.state))
    return app


def local_environment(state_root: Path) -> Mapping[str, str]:
    """Under `gotong up`: the kit has no client per service yet, so the follow-up worker signs in as the demo
    supervisor (it holds `registry:verify` and `disbursement:write`) from the run's clients file; the token
    endpoint is the local issuer's (`Settings.token_endpoint`)."""
    clients = state_root / "auth" / "clients.json"
    env = {"GRIEVANCE_CLIENT_ID": "supervisor"}
    if clients.exists():
        found = [c for c in json.loads(clients.read_text())["clients"] if c["client_id"] == "supervisor"]
        if found:
            env["GRIEVANCE_CLIENT_SECRET"] = found[0]["client_secret"]
    return env


service = ServiceSpec(
    name="grievance",
    settings=Settings,
    create_app=create_app,
    migrations=Path(__file__).parent / "migrations",
    port=8107,
    demo_data=load_demo,
    cli=grievance,
    scopes=DemoScopes(officer=(), supervisor=("grievance:decide",)),
    environment=local_environment,
    public_page="/pengaduan",
)
