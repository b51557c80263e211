"""What each canvas item says, in plain words: Bahasa Indonesia first, English second. Pure.

No topic names, no raw codes: a group an enterprise serves is named, counts of households below the small-cell
threshold are written `< 10`, money as `Rp 1.500.000`.
"""

from __future__ import annotations

from typing import Any

from canvas_projector.domain.figures import MIN_CELL, number, rupiah, small_count
from canvas_projector.domain.grievances import days, percent

GROUPS = {
    "id": {"women": "perempuan", "disabled": "penyandang disabilitas", "youth": "pemuda", "elderly": "lansia",
           "ex_offenders": "mantan warga binaan", "poor_households": "rumah tangga miskin",
           "smallholder_farmers": "petani kecil", "indigenous_communities": "masyarakat adat",
           "migrant_worker_returnees": "purna pekerja migran"},
    "en": {"women": "women", "disabled": "people with disabilities", "youth": "young people", "elderly": "older people",
           "ex_offenders": "former prisoners", "poor_households": "poor households",
           "smallholder_farmers": "smallholder farmers", "indigenous_communities": "indigenous communities",
           "migrant_worker_returnees": "returning migrant workers"},
}
STRANDS = {"id": {"government": "pemerintah", "campus": "kampus", "industry": "industri", "community": "komunitas"},
           "en": {"government": "government", "campus": "campus", "industry": "industry", "community": "community"}}

WORDS: dict[str, dict[str, str]] = {
    "id": {
        "recipients": "{households} rumah tangga menerima bantuan di {provinces} provinsi, dipilih dari data "
                      "sosial-ekonomi nasional (DTSEN)",
        "enterprise_groups": "{enterprises} usaha sosial melayani {groups}",
        "program": "{name}: bantuan yang sampai ke rumah tangga yang membutuhkan ({households} rumah tangga)",
        "csr_allocations": "Dana CSR perusahaan menambah program bantuan: {amount}",
        "enterprise_jobs": "{vulnerable} dari {jobs} pekerja usaha sosial berasal dari kelompok rentan; "
                           "{graduations} rumah tangga penerima kini punya pekerjaan",
        "digital_payment": "Bantuan dibayar langsung ke rekening penerima, setiap pembayaran tercatat",
        "public_receipts": "Setiap penerima dapat memeriksa pembayarannya; siapa saja dapat memeriksa "
                           "{records} catatan pembayaran",
        "csr_pledges": "{pledging} dari {companies} perusahaan berjanji menyumbang dana CSR setiap tahun",
        "state_budget": "Anggaran negara dan daerah (APBN/APBD): {amount}",
        "csr_deposits": "Setoran dana CSR perusahaan (TJSL): {amount}",
        "enterprise_income": "Pendapatan usaha sosial dari penjualan, bukan sumbangan: {amount}",
        "register": "Data sosial-ekonomi (DTSEN): {registered} rumah tangga terdaftar, {verified} sudah diperiksa",
        "public_log": "Catatan pembayaran terbuka yang dapat diperiksa siapa saja",
        "verification": "Memeriksa data (data ganda, data kependudukan) dan mengurutkan kesejahteraan rumah tangga; "
                        "{flagged} rumah tangga sedang ditinjau",
        "helix_projects": "{projects} proyek riset dan penerapan bersama kampus dan industri, anggaran {amount}",
        "csr_companies": "{companies} perusahaan mitra CSR",
        "helix_partners": "Mitra pemerintah, kampus dan industri ({strands}); {complete} dari {projects} proyek "
                          "melibatkan ketiganya",
        "aid_paid": "Bantuan yang disalurkan: {amount}",
        "enterprise_grants": "Hibah untuk usaha sosial: {amount}",
        "csr_spending": "Belanja program dari dana CSR: {amount}",
        "grievances": "Warga dapat menyanggah dan mengadu, dengan batas waktu jawaban: {cases} pengaduan, {decided} "
                      "sudah diputuskan (median {median}; {share} dibenarkan)",
    },
    "en": {
        "recipients": "{households} households received aid in {provinces} provinces, chosen from the national "
                      "social-economic register (DTSEN)",
        "enterprise_groups": "{enterprises} social enterprises serve {groups}",
        "program": "{name}: aid that reaches the households who need it ({households} households)",
        "csr_allocations": "Company CSR funds add to the aid programs: {amount}",
        "enterprise_jobs": "{vulnerable} of {jobs} social-enterprise workers come from vulnerable groups; "
                           "{graduations} aided households now have a job",
        "digital_payment": "Aid is paid straight into the recipient's account; every payment is recorded",
        "public_receipts": "Every recipient can check their payment; anyone can check the {records} payment records",
        "csr_pledges": "{pledging} of {companies} companies pledge CSR funds every year",
        "state_budget": "National and regional budgets (APBN/APBD): {amount}",
        "csr_deposits": "Company CSR deposits (TJSL): {amount}",
        "enterprise_income": "Social enterprises' income from sales, not donations: {amount}",
        "register": "Social-economic register (DTSEN): {registered} households registered, {verified} checked",
        "public_log": "An open record of payments anyone can check",
        "verification": "Checking the data (duplicates, civil registry) and ranking households by welfare; "
                        "{flagged} households under review",
        "helix_projects": "{projects} research and field projects with campuses and industry, budget {amount}",
        "csr_companies": "{companies} CSR partner companies",
        "helix_partners": "Government, campus and industry partners ({strands}); {complete} of {projects} projects "
                          "involve all three",
        "aid_paid": "Aid paid out: {amount}",
        "enterprise_grants": "Grants to social enterprises: {amount}",
        "csr_spending": "Program spending from CSR funds: {amount}",
        "grievances": "Citizens can object and complain, with a deadline for the answer: {cases} cases, {decided} "
                      "decided (median {median}; {share} upheld)",
    },
}

#: Counts of households (and of grievance cases): published only when they cannot point at anyone.
_HOUSEHOLD_COUNTS = ("households", "graduations", "flagged", "cases", "decided")


def _value(name: str, value: Any, lang: str) -> str:
    if name in _HOUSEHOLD_COUNTS:
        return small_count(int(value), lang)
    if name == "median":  # days to a decision; None when too few cases were decided
        return days(value, lang)
    if name == "share":
        return percent(value, lang)
    if name == "amount":
        return rupiah(int(value), lang)
    if name == "groups":
        return ", ".join(GROUPS[lang].get(g, g.replace("_", " ")) for g in value)
    if name == "strands":
        return ", ".join(f"{number(n, lang)} {STRANDS[lang].get(s, s)}" for s, n in value.items())
    if isinstance(value, int):
        return number(value, lang)
    return str(value)


def describe(key: str, params: dict[str, Any], lang: str) -> str:
    """An item in words; a scope with fewer than MIN_CELL households shows no amount for them."""
    values = {name: _value(name, value, lang) for name, value in params.items()}
    if key == "aid_paid" and 0 < params.get("households", MIN_CELL) < MIN_CELL:
        values["amount"] = "\u2014"
    return WORDS[lang][key].format(**values)
