"""The partnership service's composition root: its projectors, the app (API, relay with the contract mapper,
the periodic overdue-milestone and completeness check), and how the launcher finds, migrates and runs it (entry
point `gotong.services`)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from gotong.api.app import LifespanHook, runtime
from gotong.api.app import create_app as create_kit_app
from gotong.api.periodic import periodic
from gotong.domain.clock import SYSTEM_CLOCK, Clock
from gotong.eventstore import EventMetadata
from gotong.messaging.relay import relay_lifespan
from gotong.service import ServiceSpec
from partnership.adapters.tables import projectors
from partnership.application.commands import flag_overdue_milestones, reassess_projects
from partnership.application.publishing import publish_contract
from partnership.application.regions import today
from partnership.config import VERSION, Settings
from partnership.demo import load_demo
from partnership.entrypoints.api import routes_agreements, routes_partners, routes_projects
from partnership.entrypoints.cli import partnership

DESCRIPTION = (
    "The Triple Helix: government (rule-maker), campus (knowledge and research) and industry (resources and field "
    "of implementation) partners, with civil society as an optional fourth strand; their MoU and PKS agreements, "
    "joint projects, contributions committed and delivered, milestones, KPIs, the completeness check and the "
    "partner network. Publishes `partnership.events`."
)


async def periodic_checks(app: FastAPI) -> None:
    """Milestones that became overdue, and projects whose completeness changed as an agreement's term ran
    out, are recorded and published without anyone asking."""
    kit = runtime(app)
    meta = EventMetadata(actor="periodic-check")
    async with kit.units.begin(meta) as uow:
        await flag_overdue_milestones(uow, today(kit.clock))
    async with kit.units.begin(meta) as uow:
        await reassess_projects(uow, today(kit.clock))


def create_app(settings: Settings | None = None, *, clock: Clock = SYSTEM_CLOCK) -> FastAPI:
    settings = settings or Settings()
    hooks: list[LifespanHook] = [relay_lifespan]
    if settings.overdue_check_interval_s > 0:
        interval = settings.overdue_check_interval_s
        hooks.append(periodic("partnership checks", lambda app: interval, periodic_checks))
    app = create_kit_app(settings, title="Gotong partnership", version=VERSION, description=DESCRIPTION,
                         routers=[routes_partners.router, routes_agreements.router, routes_projects.router],
                         lifespan_hooks=hooks, projectors=projectors, clock=clock,
                         contract_mapper=publish_contract)
    return app


service = ServiceSpec(
    name="partnership",
    settings=Settings,
    create_app=create_app,
    migrations=Path(__file__).parent / "migrations",
    port=8105,
    demo_data=load_demo,
    cli=partnership,
)
