"""The read tables are projections: rebuilt from the event store they come out the same (demo data, and partner
and agreement changes that made projects announce); contact persons are not events and are kept."""

import asyncio

from click.testing import CliRunner
from sqlalchemy import select, text

from gotong.adapters.sql import Database
from gotong.application.rebuild import rebuild
from gotong.application.uow import UnitOfWorkFactory
from gotong.eventstore import EventMetadata
from gotong.eventstore.postgres import PostgresEventStore
from partnership.adapters.tables import agreements, milestones, partner_contacts, partners, projectors, projects
from partnership.application import commands as c
from partnership.application import inputs
from partnership.config import Settings
from partnership.demo import load_demo
from partnership.entrypoints.cli import partnership


async def _snapshot(engine):
    async with engine.connect() as conn:
        out = {}
        for table in (partners, agreements, projects):
            cols = [c for c in table.c if c.name not in ("registered_at", "created_at")]
            out[table.name] = sorted((await conn.execute(select(*cols))).all(), key=lambda r: r.id)
        out["milestones"] = sorted((await conn.execute(select(milestones))).all())
    return out


async def test_rebuilding_the_read_tables_gives_the_same_rows(database_url, engine):
    await load_demo(Settings(database_url=database_url))
    before = await _snapshot(engine)
    async with engine.begin() as conn:  # a projection bug wrote nonsense
        await conn.execute(text("UPDATE projects SET status = 'cancelled', helix_complete = NOT helix_complete"))
        await conn.execute(text("DELETE FROM milestones"))
    assert await _snapshot(engine) != before
    refused = CliRunner().invoke(partnership, ["rebuild"], env={"DATABASE_URL": database_url})
    assert refused.exit_code != 0
    # The CLI runs its own event loop: give it a thread of its own.
    done = await asyncio.to_thread(CliRunner().invoke, partnership, ["rebuild", "--yes"],
                                   env={"DATABASE_URL": database_url})
    assert done.exit_code == 0, done.output
    assert done.output.strip() == "11 partners, 5 agreements, 3 projects rebuilt"
    assert await _snapshot(engine) == before


async def test_a_rebuild_after_status_changes_keeps_the_rows_and_the_contacts(database_url, engine):
    await load_demo(Settings(database_url=database_url))
    units = UnitOfWorkFactory(PostgresEventStore(engine), projectors=projectors)
    async with engine.connect() as conn:
        campus = (await conn.execute(text("SELECT id FROM partners WHERE strand = 'campus' ORDER BY name"))).scalar()
        mou = (await conn.execute(text("SELECT id FROM agreements WHERE status = 'active' ORDER BY id"))).scalar()
    async with units.begin(EventMetadata(actor="test")) as uow:
        await c.set_contact(uow, campus, inputs.ContactPerson(name="Dewi Lestari", email="dewi@example.ac.id"))
        await c.deactivate_partner(uow, campus, inputs.DeactivatePartner(reason="kerja sama dihentikan"))
        await c.terminate_agreement(uow, mou, inputs.TerminateAgreement(reason="mitra mundur"))
    before = await _snapshot(engine)
    async with engine.connect() as conn:
        contacts = (await conn.execute(select(partner_contacts.c.partner_id, partner_contacts.c.contact))).all()
    done = await rebuild(Database(engine), projectors, [c.partner_repo, c.agreement_repo, c.project_repo])
    assert done.aggregates == {"partner": 11, "agreement": 5, "project": 3}
    assert await _snapshot(engine) == before
    async with engine.connect() as conn:
        assert (await conn.execute(select(partner_contacts.c.partner_id, partner_contacts.c.contact))).all() == contacts
    assert contacts
