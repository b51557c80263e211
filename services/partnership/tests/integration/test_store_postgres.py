"""The command handlers on a real PostgreSQL: read tables equal a replay of the streams, concurrent writers to
one project conflict (one wins), and time alone (an agreement's term running out) republishes completeness."""

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from gotong.application.uow import UnitOfWorkFactory
from gotong.eventstore import ConcurrencyError, EventMetadata
from gotong.eventstore.postgres import PostgresEventStore
from partnership.adapters.tables import projectors, projects
from partnership.application import commands as c
from partnership.application import inputs
from partnership.application.regions import today

META = EventMetadata(actor="test")


@pytest.fixture
async def world(engine):
    es = UnitOfWorkFactory(PostgresEventStore(engine), projectors=projectors)
    async with es.begin(META) as tx:
        ids = []
        for name, strand, kind in [("Pemerintah Kota Surabaya", "government", "pemkot"),
                                   ("Institut Teknologi Sepuluh Nopember", "campus", "institute"),
                                   ("PT Daur Ulang Nusantara", "industry", "company")]:
            made = await c.register_partner(tx, inputs.RegisterPartner(name=name, strand=strand, kind=kind,
                                                                  region_code="35.78"))
            ids.append(made["id"])
        mou = await c.draft_agreement(tx, inputs.DraftAgreement(
            kind="mou", title="MoU Sampah", purpose="TPST", starts_on=today() - timedelta(days=30),
            ends_on=today() + timedelta(days=10), parties=[inputs.PartyIn(partner_id=i, role="pihak") for i in ids],
            documents=[inputs.DocumentIn(sha256="ab" * 32, title="MoU")]))
        await c.sign_agreement(tx, mou["id"], inputs.SignAgreement(signed_by=ids))
        await c.activate_agreement(tx, mou["id"], inputs.Effective())
        project = await c.start_project(tx, inputs.StartProject(
            title="TPST", goals=["kurangi sampah"], region_code="35.78", budget=1_000_000_000,
            starts_on=today() - timedelta(days=20), partners=[inputs.PartyIn(partner_id=i, role="mitra") for i in ids],
            agreement_ids=[mou["id"]]))
    return es, ids, project["id"]


async def test_the_read_table_equals_a_replay_of_the_stream(world, engine):
    es, ids, project_id = world
    async with es.begin(META) as tx:
        made = await c.commit_contribution(tx, project_id, inputs.CommitContribution(
            partner_id=ids[0], kind="money", description="APBD", value_rupiah=500_000_000))
        await c.deliver_contribution(tx, project_id, made["id"], inputs.DeliverContribution(value_rupiah=200_000_000))
        await c.plan_milestone(tx, project_id, inputs.PlanMilestone(title="Desain", due_on=today()))
    async with es.begin(META) as tx:
        replayed = (await tx.get(c.project_repo, project_id)).view()
    async with engine.connect() as conn:
        stored = (await conn.execute(select(projects.c.state).where(projects.c.id == project_id))).scalar_one()
    assert stored == replayed
    assert (stored["committed_rupiah"], stored["delivered_rupiah"]) == (500_000_000, 200_000_000)


async def test_concurrent_changes_to_one_project_conflict(world):
    es, _, project_id = world
    async with es.begin(META) as tx:
        first = await tx.get(c.project_repo, project_id)
    async with es.begin(META) as tx:
        second = await tx.get(c.project_repo, project_id)
    first.plan_milestone("m1", "Desain", today())
    second.plan_milestone("m2", "Uji coba", today())
    async with es.begin(META) as tx:
        await c.save_project(tx, first, "milestone_planned", today())
    with pytest.raises(ConcurrencyError):
        async with es.begin(META) as tx:
            await c.save_project(tx, second, "milestone_planned", today())


async def test_an_agreement_running_out_republishes_the_project_as_incomplete(world, engine):
    es, _, project_id = world
    later = today() + timedelta(days=11)
    async with es.begin(META) as tx:
        assert await c.reassess_projects(tx, today()) == []
        assert await c.reassess_projects(tx, later) == [project_id]
    async with es.begin(META) as tx:
        assert await c.reassess_projects(tx, later) == [], "published once"
    async with engine.connect() as conn:
        last = (await conn.execute(text(
            "SELECT data FROM events WHERE event_type = 'ProjectChanged' ORDER BY position DESC LIMIT 1"))).scalar_one()
    assert (last["change"], last["helix_complete"], last["helix_missing"]) == (
        "helix_reassessed", False, ["government", "campus", "industry"])
    assert last["version"] == 2
