"""The Business Model Canvas of a program (or the whole platform), built from published facts. Pure.

Each item says which approach contributed it and the evidence behind it (source topic, keys, counts, rupiah).
The mapping follows the research behind Gotong: DTSEN (the registry) strengthens key resources and key
activities; CSR enriches value propositions and customer relationships; social entrepreneurship sharpens
customer segments; the Triple Helix strengthens key partners; revenue streams are state budget, CSR deposits and
enterprise earned income; the cost structure is what is disbursed, granted and spent on operations.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Approach = Literal["dtsen", "targeted-aid", "csr", "social-enterprise", "triple-helix"]
BLOCKS = ("customer_segments", "value_propositions", "channels", "customer_relationships", "revenue_streams",
          "key_resources", "key_activities", "key_partners", "cost_structure")

#: Where evidence comes from: the topics of the services that published it (the kit's `events_topic(name)`; the
#: domain does not import the messaging kit).
DISBURSEMENT, CSR_LEDGER, ENTERPRISE, PARTNERSHIP, REGISTRY = (
    f"{service}.events" for service in ("disbursement", "csr-ledger", "enterprise", "partnership", "registry"))


@dataclass(frozen=True)
class Evidence:
    source: str
    count: int = 0
    amount: int = 0
    keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Item:
    label: str
    approach: Approach
    evidence: Evidence


@dataclass
class Facts:
    """What the projector knows up to a date (already filtered by it)."""

    programs: list[dict[str, Any]] = field(default_factory=list)  # code, name, funding_source
    paid: dict[str, tuple[int, int]] = field(default_factory=dict)  # program code -> (households, rupiah)
    log_size: int = 0
    checkpoint_size: int = 0
    provinces_reached: int = 0
    csr: dict[str, int] = field(default_factory=dict)  # pledge/deposit/allocation/spending -> rupiah
    csr_keys: dict[str, list[str]] = field(default_factory=dict)
    companies: int = 0
    pledging_companies: int = 0
    deposits_without_pledge: int = 0
    # social enterprises (latest accepted report per enterprise)
    enterprises: int = 0
    enterprise_groups: dict[str, int] = field(default_factory=dict)  # group served -> enterprises
    earned_revenue: int = 0
    enterprise_expenses: int = 0
    enterprise_grants: int = 0
    jobs: int = 0
    jobs_vulnerable: int = 0
    graduations: int = 0
    enterprise_keys: list[str] = field(default_factory=list)
    # Triple Helix
    partners_by_strand: dict[str, int] = field(default_factory=dict)
    projects: int = 0
    projects_complete: int = 0
    project_budget: int = 0
    contributions_delivered: int = 0
    project_keys: list[str] = field(default_factory=list)
    # the register
    registered: int = 0
    verified: int = 0
    flagged: int = 0


@dataclass
class Canvas:
    scope: str
    as_of: str | None
    blocks: dict[str, list[Item]]
    indicators: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"scope": self.scope, "as_of": self.as_of, "indicators": self.indicators,
                "blocks": {b: [asdict(i) for i in items] for b, items in self.blocks.items()}}


def build_canvas(facts: Facts, scope: str = "platform", as_of: str | None = None) -> Canvas:
    blocks: dict[str, list[Item]] = {b: [] for b in BLOCKS}
    programs = [p for p in facts.programs if scope == "platform" or p["code"] == scope]
    households = sum(facts.paid.get(p["code"], (0, 0))[0] for p in programs) if programs else \
        sum(h for h, _ in facts.paid.values())
    disbursed = sum(facts.paid.get(p["code"], (0, 0))[1] for p in programs) if programs else \
        sum(a for _, a in facts.paid.values())
    log = Evidence("canvas-projector transparency log", facts.log_size, disbursed,
                   (f"checkpoint size {facts.checkpoint_size}",))

    blocks["customer_segments"].append(Item(
        f"{households} rumah tangga penerima di {facts.provinces_reached} provinsi, dipilih dari DTSEN",
        "dtsen", Evidence(DISBURSEMENT, households, disbursed)))
    for p in programs:
        h, a = facts.paid.get(p["code"], (0, 0))
        blocks["value_propositions"].append(Item(
            f"{p['name']}: bantuan tepat sasaran", "targeted-aid", Evidence(DISBURSEMENT, h, a, (p["code"],))))
    if facts.csr.get("allocation"):
        blocks["value_propositions"].append(Item(
            "Program diperkaya dana CSR perusahaan", "csr",
            Evidence(CSR_LEDGER, len(facts.csr_keys.get("allocation", [])), facts.csr["allocation"],
                     tuple(facts.csr_keys.get("allocation", [])[:20]))))
    blocks["channels"].append(Item("Penyaluran digital melalui G2P Connect dengan tanda terima yang dapat "
                                   "diverifikasi publik", "targeted-aid", log))
    if facts.companies:
        blocks["customer_relationships"].append(Item(
            f"{facts.pledging_companies} dari {facts.companies} perusahaan berikrar CSR jangka tahunan", "csr",
            Evidence(CSR_LEDGER, facts.pledging_companies, facts.csr.get("pledge", 0),
                     tuple(facts.csr_keys.get("pledge", [])[:20]))))
    state_budget = sum(facts.paid.get(p["code"], (0, 0))[1] for p in programs if p["funding_source"] != "csr")
    if state_budget:
        blocks["revenue_streams"].append(Item("APBN/APBD", "targeted-aid",
                                              Evidence(DISBURSEMENT, 0, state_budget)))
    if facts.csr.get("deposit"):
        blocks["revenue_streams"].append(Item("Setoran dana CSR (TJSL)", "csr", Evidence(
            CSR_LEDGER, len(facts.csr_keys.get("deposit", [])), facts.csr["deposit"],
            tuple(facts.csr_keys.get("deposit", [])[:20]))))
    blocks["key_resources"].append(Item(
        f"Data sosial-ekonomi DTSEN: {facts.registered} rumah tangga terdaftar, {facts.verified} terverifikasi "
        "otomatis; log transparansi", "dtsen", Evidence(REGISTRY, facts.registered, 0,
                                                       (f"verified {facts.verified}", f"flagged {facts.flagged}"))))
    blocks["key_resources"].append(Item("Log transparansi pembayaran yang dapat diverifikasi", "targeted-aid", log))
    blocks["key_activities"].append(Item(
        f"Verifikasi data (duplikat, Dukcapil), pemeringkatan desil; {facts.flagged} rumah tangga dalam peninjauan",
        "dtsen", Evidence(REGISTRY, facts.verified + facts.flagged)))
    if facts.enterprises:
        groups = ", ".join(f"{g} ({n})" for g, n in sorted(facts.enterprise_groups.items(), key=lambda x: -x[1])[:5])
        blocks["customer_segments"].append(Item(
            f"Kelompok yang dilayani {facts.enterprises} usaha sosial: {groups}", "social-enterprise",
            Evidence(ENTERPRISE, facts.enterprises, 0, tuple(facts.enterprise_keys[:20]))))
        blocks["value_propositions"].append(Item(
            f"{facts.jobs_vulnerable} dari {facts.jobs} pekerjaan di usaha sosial untuk kelompok rentan; "
            f"{facts.graduations} rumah tangga DTSEN mendapat pekerjaan (graduasi)", "social-enterprise",
            Evidence(ENTERPRISE, facts.graduations)))
        blocks["revenue_streams"].append(Item("Pendapatan usaha sosial (bukan donasi)", "social-enterprise",
                                              Evidence(ENTERPRISE, facts.enterprises, facts.earned_revenue)))
        if facts.enterprise_grants:
            blocks["cost_structure"].append(Item("Hibah untuk usaha sosial", "social-enterprise",
                                                 Evidence(ENTERPRISE, facts.enterprises,
                                                          facts.enterprise_grants)))
    if facts.companies:
        blocks["key_partners"].append(Item(f"{facts.companies} perusahaan mitra CSR", "csr",
                                           Evidence(CSR_LEDGER, facts.companies)))
    if facts.partners_by_strand:
        strands = ", ".join(f"{s} {n}" for s, n in sorted(facts.partners_by_strand.items()))
        blocks["key_partners"].append(Item(
            f"Mitra Triple Helix ({strands}); {facts.projects_complete} dari {facts.projects} proyek lengkap "
            "pemerintah–kampus–industri", "triple-helix",
            Evidence(PARTNERSHIP, sum(facts.partners_by_strand.values()), facts.contributions_delivered,
                     tuple(facts.project_keys[:20]))))
        blocks["key_activities"].append(Item("Riset dan penerapan bersama kampus dan industri", "triple-helix",
                                             Evidence(PARTNERSHIP, facts.projects, facts.project_budget)))
    blocks["cost_structure"].append(Item("Bantuan yang disalurkan", "targeted-aid", log))
    if facts.csr.get("spending"):
        blocks["cost_structure"].append(Item("Belanja program dari dana CSR", "csr", Evidence(
            CSR_LEDGER, len(facts.csr_keys.get("spending", [])), facts.csr["spending"])))

    funding = state_budget + facts.csr.get("deposit", 0) + facts.earned_revenue
    one_off = facts.deposits_without_pledge + facts.enterprise_grants
    indicators = {
        "non_one_off_funding_share": None if not funding else round(max(0.0, 1 - one_off / funding), 4),
        "enterprise_self_sufficiency": None if not facts.enterprise_expenses else
        round(facts.earned_revenue / facts.enterprise_expenses, 4),
        "enterprise_jobs_vulnerable_share": None if not facts.jobs else round(facts.jobs_vulnerable / facts.jobs, 4),
        "graduations": facts.graduations,
        "partners_per_strand": {s: facts.partners_by_strand.get(s) or None
                                for s in ("government", "campus", "industry", "community")},
        "csr_companies": facts.companies or None,
        "helix_complete_share": None if not facts.projects else round(facts.projects_complete / facts.projects, 4),
        "registry_verified_share": None if not facts.registered else round(facts.verified / facts.registered, 4),
    }
    return Canvas(scope, as_of, blocks, indicators)
