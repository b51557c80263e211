"""Demo data for `gotong up`: twelve social enterprises across Indonesia (fictional names, NIBs and figures),
each with the last four complete quarters of impact reports, reviewed by a second officer, and the households
they employ by pseudonymous reference."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid5

from enterprise.adapters.reads import EnterpriseReads
from enterprise.adapters.tables import projectors
from enterprise.application import commands as c
from enterprise.domain.enterprise import NAMESPACE
from enterprise.domain.reports import Period, parse_period
from gotong.application.uow import UnitOfWork, UnitOfWorkFactory
from gotong.db import create_engine
from gotong.domain.clock import SYSTEM_CLOCK
from gotong.eventstore import EventMetadata
from gotong.eventstore.postgres import PostgresEventStore

# name, NIB, legal form, region, SDGs, served, employed, mission,
# (earned revenue, total expenses, grants) per quarter in millions of rupiah, employees, vulnerable, beneficiaries
ENTERPRISES: list[dict[str, Any]] = [
    {"name": "Koperasi Bank Sampah Resik Bandung", "nib": "8120201000001", "legal_form": "koperasi", "region": "32.73",
     "sdgs": [8, 11, 12], "served": ["poor_households"], "employed": ["women", "poor_households"],
     "mission": "Mengubah sampah rumah tangga menjadi penghasilan: ibu rumah tangga memilah, menimbang dan "
                "menjual sampah daur ulang lewat bank sampah kelurahan.",
     "money": (310, 420, 90), "people": (46, 41, 3_800)},
    {"name": "PT Desa Digital Nusantara", "nib": "8120201000002", "legal_form": "pt", "region": "35.07",
     "sdgs": [4, 9, 10], "served": ["smallholder_farmers", "poor_households"], "employed": ["youth"],
     "mission": "Layanan digital murah untuk desa: administrasi desa, pembayaran, dan pemasaran hasil tani "
                "oleh pemuda desa yang dilatih sendiri.",
     "money": (780, 690, 40), "people": (32, 20, 15_400)},
    {"name": "Koperasi Batik Tulis Difabel Sragen", "nib": "8120201000003", "legal_form": "koperasi", "region": "33.14",
     "sdgs": [8, 10], "served": ["disabled"], "employed": ["disabled", "women"],
     "mission": "Perajin batik tulis penyandang disabilitas memiliki koperasinya sendiri dan menjual langsung "
                "ke pembeli.",
     "money": (260, 300, 70), "people": (38, 34, 38)},
    {"name": "Yayasan Dapur Harapan Makassar", "nib": "8120201000004", "legal_form": "yayasan", "region": "73.71",
     "sdgs": [2, 8, 16], "served": ["ex_offenders", "youth"], "employed": ["ex_offenders"],
     "mission": "Katering dan pelatihan dapur bagi mantan warga binaan agar kembali bekerja.",
     "money": (190, 330, 160), "people": (22, 17, 640)},
    {"name": "CV Kopi Petani Muda Garut", "nib": "8120201000005", "legal_form": "cv", "region": "32.05",
     "sdgs": [1, 8, 12], "served": ["smallholder_farmers"], "employed": ["youth", "smallholder_farmers"],
     "mission": "Membeli kopi petani kecil dengan harga adil dan mengolahnya bersama pemuda desa.",
     "money": (650, 560, 0), "people": (27, 15, 410)},
    {"name": "Koperasi Tenun Ikat Perempuan Kupang", "nib": "8120201000006", "legal_form": "koperasi",
     "region": "53.71",
     "sdgs": [5, 8], "served": ["women", "indigenous_communities"], "employed": ["women", "indigenous_communities"],
     "mission": "Penenun ikat perempuan menjual kain dan menyimpan hasilnya di koperasi simpan pinjam mereka.",
     "money": (140, 210, 55), "people": (61, 61, 61)},
    {"name": "PT Air Bersih Lombok Timur", "nib": "8120201000007", "legal_form": "pt", "region": "52.03",
     "sdgs": [6, 3], "served": ["poor_households"], "employed": ["migrant_worker_returnees"],
     "mission": "Kios air minum isi ulang murah di dusun kering, dikelola purna pekerja migran.",
     "money": (520, 610, 120), "people": (35, 22, 9_200)},
    {"name": "Yayasan Lansia Berdaya Yogyakarta", "nib": "8120201000008", "legal_form": "yayasan", "region": "34.71",
     "sdgs": [3, 10], "served": ["elderly"], "employed": ["elderly", "women"],
     "mission": "Layanan pendamping lansia di rumah yang dibayar keluarga mampu dan disubsidi untuk keluarga "
                "miskin.",
     "money": (230, 380, 140), "people": (40, 28, 520)},
    {"name": "CV Daur Plastik Surabaya", "nib": "8120201000009", "legal_form": "cv", "region": "35.78",
     "sdgs": [11, 12, 13], "served": ["poor_households"], "employed": ["poor_households", "ex_offenders"],
     "mission": "Mengolah plastik dari TPS menjadi bijih plastik, mempekerjakan pemulung sebagai karyawan tetap.",
     "money": (1_100, 980, 0), "people": (58, 44, 2_600)},
    {"name": "PT Tani Organik Banyuwangi", "nib": "8120201000010", "legal_form": "pt_perorangan", "region": "35.10",
     "sdgs": [2, 12, 15], "served": ["smallholder_farmers"], "employed": ["smallholder_farmers"],
     "mission": "Pupuk organik dan pendampingan budidaya untuk petani gurem, dibayar dari hasil panen.",
     "money": (300, 280, 20), "people": (14, 9, 760)},
    {"name": "Koperasi Nelayan Muda Pontianak", "nib": "8120201000011", "legal_form": "koperasi", "region": "61.71",
     "sdgs": [14, 8], "served": ["poor_households"], "employed": ["youth"],
     "mission": "Cold storage bersama dan pemasaran ikan untuk nelayan kecil.",
     "money": (410, 470, 80), "people": (19, 12, 330)},
    {"name": "PT Cerdas Inklusi Medan", "nib": "8120201000012", "legal_form": "pt", "region": "12.71",
     "sdgs": [4, 10], "served": ["disabled", "youth"], "employed": ["disabled"],
     "mission": "Kursus komputer dan penempatan kerja untuk teman tuli dan netra.",
     "money": (160, 240, 90), "people": (12, 9, 210)},
]
#: Enterprises the demo leaves mid-review, to show every status.
JUST_REGISTERED = "8120201000012"
SUSPENDED = "8120201000011"
GROWTH = (0.0, 0.04, 0.07, 0.11)  # a modest trend across the four quarters


def last_quarters(today: date, n: int = 4) -> list[Period]:
    """The last `n` quarters that have ended, oldest first."""
    current = parse_period(f"{today.year}-Q{(today.month - 1) // 3 + 1}")
    out = [current.previous()]
    while len(out) < n:
        out.append(out[-1].previous())
    return out[::-1]


def household_ref(nib: str, i: int) -> str:
    return "hh_" + uuid5(NAMESPACE, f"demo-household:{nib}:{i}").hex[:12]


async def load_demo(settings: Any) -> None:
    engine = create_engine(settings.service_database_url, pool_size=2)
    units = UnitOfWorkFactory(PostgresEventStore(engine), projectors=projectors)
    officer, supervisor = EventMetadata(actor="demo-officer"), EventMetadata(actor="demo-supervisor")
    today = SYSTEM_CLOCK.today()
    try:
        async with units.begin() as uow:
            if await uow.adapter(EnterpriseReads).enterprises(1):
                return  # loaded already
        for spec in ENTERPRISES:
            async with units.begin(officer) as uow:
                e = await c.register(uow, c.RegisterEnterprise(
                    name=spec["name"], nib=spec["nib"], legal_form=spec["legal_form"], mission=spec["mission"],
                    sdgs=spec["sdgs"], region_code=spec["region"], groups_served=spec["served"],
                    groups_employed=spec["employed"]), "demo-officer")
                if spec["nib"] == JUST_REGISTERED:
                    continue
                eid = UUID(e["id"])
                uow.metadata = supervisor
                await c.change_status(uow, eid, "verify", c.ChangeStatus(), "demo-supervisor")
                await c.change_status(uow, eid, "activate", c.ChangeStatus(), "demo-supervisor")
                await _reports(uow, eid, spec, today, officer, supervisor)
                await _households(uow, eid, spec, today, officer)
                if spec["nib"] == SUSPENDED:
                    uow.metadata = supervisor
                    await c.change_status(uow, eid, "suspend", c.ChangeStatus(reason="reports_overdue"),
                                          "demo-supervisor")
    finally:
        await engine.dispose()


async def _reports(uow: UnitOfWork, eid: UUID, spec: dict[str, Any], today: date, officer: EventMetadata,
                   supervisor: EventMetadata) -> None:
    earned, expenses, grants = spec["money"]
    employees, vulnerable, beneficiaries = spec["people"]
    for i, period in enumerate(last_quarters(today)):
        up = 1 + GROWTH[i]
        metrics = {"earned_revenue": round(earned * up) * 1_000_000, "total_expenses": expenses * 1_000_000,
                   "grants_received": round(grants / up) * 1_000_000, "employees": employees + i,
                   "employees_vulnerable": vulnerable + i, "beneficiaries_served": round(beneficiaries * up),
                   "service_hours": (employees + i) * 480, "operating_expenses": round(expenses * 0.85) * 1_000_000,
                   "full_time_wages": round(expenses * 0.45) * 1_000_000}
        groups = dict.fromkeys(spec["employed"][:1], vulnerable + i)
        uow.metadata = officer
        await c.submit_report(uow, eid, c.SubmitReport(period=period.label, metrics=metrics,
                                                       employees_by_group=groups), "demo-officer", today)
        uow.metadata = supervisor
        if i == 3 and spec["nib"] == "8120201000004":  # the newest quarter of one enterprise awaits review
            continue
        if i == 2 and spec["nib"] == "8120201000001":  # one report returned and corrected
            await c.return_report(uow, eid, period.label, 1, c.ReturnReport(
                reason="service_hours belum termasuk unit Cimahi"), "demo-supervisor")
            uow.metadata = officer
            await c.submit_report(uow, eid, c.SubmitReport(period=period.label, metrics={
                **metrics, "service_hours": metrics["service_hours"] + 960}), "demo-officer", today)
            uow.metadata = supervisor
            await c.accept_report(uow, eid, period.label, 2, "demo-supervisor")
            continue
        await c.accept_report(uow, eid, period.label, 1, "demo-supervisor")


async def _households(uow: UnitOfWork, eid: UUID, spec: dict[str, Any], today: date,
                      officer: EventMetadata) -> None:
    """A few employees from registered households (graduations) and a client household."""
    uow.metadata = officer
    start = today - timedelta(days=200)
    for i in range(min(3, spec["people"][1])):
        await c.link_household(uow, eid, c.LinkHousehold(household_ref=household_ref(spec["nib"], i),
                                                         relation="employee", groups=spec["employed"][:1],
                                                         started_on=start + timedelta(days=30 * i)), today)
    await c.link_household(uow, eid, c.LinkHousehold(household_ref=household_ref(spec["nib"], 99), relation="client",
                                                     groups=spec["served"][:1], started_on=start), today)
