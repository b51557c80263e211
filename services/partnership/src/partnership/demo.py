"""Demo data for `gotong up`: three Triple Helix projects with real-sounding Indonesian partners (fictional
companies, figures and documents). Surabaya's waste project and West Java's village digital services are
complete (the latter with an overdue milestone); the Sleman stunting project lacks its industry partner's
signed PKS, so it is incomplete. Dates are relative to the day it loads."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from gotong.application.uow import UnitOfWork, UnitOfWorkFactory
from gotong.db import create_engine
from gotong.eventstore import EventMetadata
from gotong.eventstore.postgres import PostgresEventStore
from partnership.adapters.reads import PartnershipReads
from partnership.adapters.tables import projectors
from partnership.application import commands as c
from partnership.application import inputs
from partnership.application.regions import today

META = EventMetadata(actor="demo-loader")

PARTNERS: list[dict[str, Any]] = [
    {"name": "Pemerintah Kota Surabaya", "strand": "government", "kind": "pemkot", "region_code": "35.78",
     "website": "https://surabaya.go.id"},
    {"name": "Institut Teknologi Sepuluh Nopember", "strand": "campus", "kind": "institute", "region_code": "35.78",
     "website": "https://www.its.ac.id"},
    {"name": "PT Daur Ulang Nusantara", "strand": "industry", "kind": "company", "region_code": "35.78",
     "nib": "8120202345601"},
    {"name": "Koperasi Bank Sampah Induk Surabaya", "strand": "community", "kind": "cooperative",
     "region_code": "35.78"},
    {"name": "Pemerintah Provinsi Jawa Barat", "strand": "government", "kind": "pemprov", "region_code": "32",
     "website": "https://jabarprov.go.id"},
    {"name": "Institut Teknologi Bandung", "strand": "campus", "kind": "institute", "region_code": "32.73",
     "website": "https://www.itb.ac.id"},
    {"name": "PT Telekomunikasi Desa Digital", "strand": "industry", "kind": "company", "region_code": "32.73",
     "nib": "8120101234503"},
    {"name": "Bappeda Daerah Istimewa Yogyakarta", "strand": "government", "kind": "opd", "region_code": "34"},
    {"name": "Universitas Gadjah Mada", "strand": "campus", "kind": "university", "region_code": "34.04",
     "website": "https://ugm.ac.id"},
    {"name": "PT Pangan Sehat Nusantara", "strand": "industry", "kind": "company", "region_code": "34.04",
     "nib": "8120303456702"},
    {"name": "Tim Penggerak PKK Kabupaten Sleman", "strand": "community", "kind": "community_group",
     "region_code": "34.04"},
]


def _doc(name: str) -> str:
    return hashlib.sha256(f"gotong-demo:{name}".encode()).hexdigest()


def _d(n: int) -> date:
    return today() + timedelta(days=n)


async def _agreement(uow: UnitOfWork, kind: str, title: str, parties: list[tuple[UUID, str]], *,
                     sign: bool = True, parent: UUID | None = None) -> UUID:
    doc = [inputs.DocumentIn(sha256=_doc(title), title=f"{title} (ditandatangani)")] if sign else []
    a = await c.draft_agreement(uow, inputs.DraftAgreement(
        kind="pks" if kind == "pks" else "mou", title=title, purpose=title, starts_on=_d(-240), ends_on=_d(3 * 365),
        parties=[inputs.PartyIn(partner_id=p, role=r) for p, r in parties], documents=doc,
        parent_agreement_id=parent))
    aid = UUID(a["id"])
    if sign:
        signed = inputs.SignAgreement(signed_by=[p for p, _ in parties], signed_on=_d(-230))
        await c.sign_agreement(uow, aid, signed)
        await c.activate_agreement(uow, aid, inputs.Effective(effective_on=_d(-220)))
    return aid


async def _project(uow: UnitOfWork, title: str, goals: list[str], region: str, budget: int, sdgs: list[int],
                   partners: list[tuple[UUID, str]], agreements: list[UUID]) -> UUID:
    p = await c.start_project(uow, inputs.StartProject(
        title=title, goals=goals, region_code=region, budget=budget, sdgs=sdgs, starts_on=_d(-210),
        ends_on=_d(2 * 365), partners=[inputs.PartyIn(partner_id=pid, role=r) for pid, r in partners],
        agreement_ids=agreements))
    return UUID(p["id"])


async def _contribute(uow: UnitOfWork, project: UUID, partner: UUID, kind: str, description: str, value: int,
                      delivered: int, quantity: tuple[float, str, float] | None = None) -> None:
    made = await c.commit_contribution(uow, project, inputs.CommitContribution.model_validate({
        "partner_id": partner, "kind": kind, "description": description, "value_rupiah": value,
        "quantity": quantity[0] if quantity else None, "unit": quantity[1] if quantity else None}))
    if delivered or (quantity and quantity[2]):
        await c.deliver_contribution(uow, project, made["id"], inputs.DeliverContribution(
            value_rupiah=delivered, quantity=quantity[2] if quantity else None, delivered_on=_d(-30),
            evidence_sha256=_doc(f"bast:{description}")))


async def _milestone(uow: UnitOfWork, project: UUID, title: str, due: int, done: int | None) -> None:
    m = await c.plan_milestone(uow, project, inputs.PlanMilestone(title=title, due_on=_d(due)))
    if done is not None:
        await c.complete_milestone(uow, project, m["id"], inputs.CompleteMilestone(
            done_on=_d(done), evidence=inputs.Evidence(sha256=_doc(f"laporan:{title}"))))


async def _kpi(uow: UnitOfWork, project: UUID, code: str, name: str, unit: str, baseline: float, target: float,
               actual: float) -> None:
    await c.define_kpi(uow, project, inputs.DefineKpi(code=code, name=name, unit=unit, baseline=baseline,
                                                      target=target))
    await c.measure_kpi(uow, project, code, inputs.MeasureKpi(value=actual, measured_on=_d(-14)))


async def load_demo(settings: Any) -> None:
    engine = create_engine(settings.service_database_url, pool_size=2)
    units = UnitOfWorkFactory(PostgresEventStore(engine), projectors=projectors)
    try:
        async with units.begin(META) as uow:
            if await uow.adapter(PartnershipReads).count_partners():
                return  # loaded already
        async with units.begin(META) as uow:
            ids = [UUID((await c.register_partner(uow, inputs.RegisterPartner.model_validate(p)))["id"])
                   for p in PARTNERS]
            await _surabaya(uow, *ids[0:4])
            await _jawa_barat(uow, *ids[4:7])
            await _sleman(uow, *ids[7:11])
            await c.flag_overdue_milestones(uow, today())
    finally:
        await engine.dispose()


async def _surabaya(uow: UnitOfWork, gov: UUID, its: UUID, company: UUID, bank_sampah: UUID) -> None:
    parties = [(gov, "regulator dan penyedia lahan"), (its, "riset dan rekayasa"), (company, "operator TPST"),
               (bank_sampah, "pemilahan di sumber")]
    mou = await _agreement(uow, "mou", "Nota Kesepahaman Pengelolaan Sampah Berbasis Teknologi Kota Surabaya",
                           parties)
    pks = await _agreement(uow, "pks", "Perjanjian Kerja Sama Operasional TPST Cerdas Surabaya", parties[:3],
                           parent=mou)
    p = await _project(uow, "Pengelolaan Sampah Berbasis Teknologi Kota Surabaya",
                       ["Mengolah 100 ton sampah per hari di TPST cerdas",
                        "Mengurangi sampah yang dibuang ke TPA Benowo 30%"],
                       "35.78", 12_500_000_000, [11, 12, 13], parties, [mou, pks])
    await _contribute(uow, p, gov, "money", "APBD Kota Surabaya untuk pembangunan TPST", 5_000_000_000,
                      3_000_000_000)
    await _contribute(uow, p, gov, "facilities", "Lahan TPST 2 ha di Benowo (nilai sewa)", 2_000_000_000,
                      2_000_000_000)
    await _contribute(uow, p, its, "expertise", "Tim peneliti teknik lingkungan", 900_000_000, 450_000_000,
                      (240, "person-days", 120))
    await _contribute(uow, p, its, "research_output", "Publikasi dan desain sistem pemilahan otomatis", 150_000_000,
                      50_000_000, (3, "publications", 1))
    await _contribute(uow, p, company, "money", "Investasi mesin dan operasional", 3_000_000_000, 1_800_000_000)
    await _contribute(uow, p, company, "in_kind", "Mesin pencacah dan konveyor pemilah", 1_200_000_000,
                      1_200_000_000)
    await _contribute(uow, p, bank_sampah, "in_kind", "Jaringan 300 bank sampah unit", 250_000_000, 100_000_000)
    await _milestone(uow, p, "Studi kelayakan dan desain TPST", -150, -160)
    await _milestone(uow, p, "Pemasangan mesin pemilah dan pencacah", -40, -45)
    await _milestone(uow, p, "Uji coba operasi 100 ton per hari", 60, None)
    await _kpi(uow, p, "sampah_diolah_ton_per_hari", "Sampah diolah di TPST", "ton/hari", 0, 100, 65)
    await _kpi(uow, p, "sampah_ke_tpa_persen", "Sampah yang dibuang ke TPA", "persen", 100, 70, 88)


async def _jawa_barat(uow: UnitOfWork, gov: UUID, itb: UUID, telco: UUID) -> None:
    parties = [(gov, "regulator dan koordinator desa"), (itb, "desain layanan dan pendampingan"),
               (telco, "jaringan dan platform")]
    mou = await _agreement(uow, "mou", "Nota Kesepahaman Layanan Digital Desa Jawa Barat", parties)
    p = await _project(uow, "Layanan Digital Desa Jawa Barat",
                       ["Layanan administrasi desa daring di 50 desa percontohan",
                        "Melatih 100 operator desa"], "32", 8_000_000_000, [9, 16, 17], parties, [mou])
    await _contribute(uow, p, gov, "money", "APBD Provinsi Jawa Barat", 3_500_000_000, 2_000_000_000)
    await _contribute(uow, p, itb, "expertise", "Pendampingan desain layanan", 600_000_000, 300_000_000,
                      (150, "person-days", 75))
    await _contribute(uow, p, telco, "in_kind", "Koneksi internet desa 24 bulan", 2_400_000_000, 800_000_000)
    await _milestone(uow, p, "Pelatihan 100 operator desa", -60, -62)
    await _milestone(uow, p, "Konektivitas 50 desa percontohan", -21, None)  # late: the demo's overdue milestone
    await _milestone(uow, p, "Peluncuran layanan surat daring", 90, None)
    await _kpi(uow, p, "desa_terlayani", "Desa dengan layanan daring", "desa", 0, 50, 18)


async def _sleman(uow: UnitOfWork, bappeda: UUID, ugm: UUID, food: UUID, pkk: UUID) -> None:
    mou = await _agreement(uow, "mou", "Nota Kesepahaman Percepatan Penurunan Stunting",
                           [(bappeda, "perencana program"), (ugm, "riset gizi dan evaluasi"),
                            (pkk, "pendampingan keluarga")])
    # The food company's PKS is still being negotiated: the project is not Triple Helix complete yet.
    pks = await _agreement(uow, "pks", "Perjanjian Kerja Sama Pangan Bergizi untuk Baduta",
                           [(bappeda, "pemberi kerja"), (food, "penyedia pangan bergizi")], sign=False, parent=mou)
    p = await _project(uow, "Percepatan Penurunan Stunting Kabupaten Sleman",
                       ["Menurunkan prevalensi stunting baduta dari 11% ke 8%",
                        "Makanan tambahan bergizi untuk 2.000 baduta"], "34.04", 3_200_000_000, [2, 3],
                       [(bappeda, "perencana"), (ugm, "riset dan evaluasi"), (food, "penyedia pangan"),
                        (pkk, "pendampingan keluarga")], [mou, pks])
    await _contribute(uow, p, bappeda, "money", "APBD untuk intervensi gizi", 1_500_000_000, 600_000_000)
    await _contribute(uow, p, ugm, "research_output", "Studi dasar status gizi baduta", 200_000_000, 200_000_000,
                      (1, "baseline study", 1))
    await _contribute(uow, p, food, "in_kind", "Makanan pendamping ASI fortifikasi", 900_000_000, 0)
    await _milestone(uow, p, "Survei dasar status gizi", -120, -125)
    await _milestone(uow, p, "Distribusi makanan tambahan tahap 1", 45, None)
    await _kpi(uow, p, "prevalensi_stunting_persen", "Prevalensi stunting baduta", "persen", 11, 8, 10.4)
