"""The partnership service's web app: the composition root (API, relay, periodic overdue-milestone check)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from gotong.api.app import create_app as create_kit_app
from gotong.api.periodic import periodic
from gotong.eventstore import EventMetadata
from gotong.eventstore.model import RecordedEvent
from gotong.messaging.relay import relay_lifespan
from partnership.application.commands import flag_overdue_milestones
from partnership.application.regions import today
from partnership.application.store import PUBLICATION, reassess_projects
from partnership.config import VERSION, Settings
from partnership.entrypoints.api import routes_agreements, routes_partners, routes_projects

DESCRIPTION = (
    "The Triple Helix: government (rule-maker), campus (knowledge and research) and industry (resources and field "
    "of implementation) partners, with civil society as an optional fourth strand; their MoU and PKS agreements, "
    "joint projects, contributions committed and delivered, milestones, KPIs, the completeness check and the "
    "partner network. Publishes `partnership.events`."
)


def publish_contract(event: RecordedEvent) -> tuple[str, int, dict[str, Any]] | None:
    """Only the publication streams go out; the aggregates' own events stay internal."""
    if event.stream_type == PUBLICATION:
        return event.event_type, event.schema_version, dict(event.data)
    return None


async def periodic_checks(app: FastAPI) -> None:
    """Milestones that became overdue, and projects whose completeness changed as an agreement's term ran
    out, are recorded and published without anyone asking."""
    meta = EventMetadata(actor="periodic-check")
    async with app.state.store.transaction() as tx:
        await flag_overdue_milestones(tx, today(), meta)
    async with app.state.store.transaction() as tx:
        await reassess_projects(tx, today(), meta)


overdue_lifespan = periodic("partnership checks", lambda app: app.state.settings.overdue_check_interval_s,
                            periodic_checks)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    hooks: list[Any] = [relay_lifespan]
    if settings.overdue_check_interval_s > 0:
        hooks.append(overdue_lifespan)
    app = create_kit_app(settings, title="Gotong partnership", version=VERSION, description=DESCRIPTION,
                         routers=[routes_partners.router, routes_agreements.router, routes_projects.router],
                         lifespan_hooks=hooks)
    app.state.contract_mapper = publish_contract
    return app
