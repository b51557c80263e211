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
        "dtsen", Evidence("disbursement.events", households, disbursed)))
    for p in programs:
        h, a = facts.paid.get(p["code"], (0, 0))
        blocks["value_propositions"].append(Item(
            f"{p['name']}: bantuan tepat sasaran", "targeted-aid", Evidence("disbursement.events", h, a, (p["code"],))))
    if facts.csr.get("allocation"):
        blocks["value_propositions"].append(Item(
            "Program diperkaya dana CSR perusahaan", "csr",
            Evidence("csr-ledger.events", len(facts.csr_keys.get("allocation", [])), facts.csr["allocation"],
                     tuple(facts.csr_keys.get("allocation", [])[:20]))))
    blocks["channels"].append(Item("Penyaluran digital melalui G2P Connect dengan tanda terima yang dapat "
                                   "diverifikasi publik", "targeted-aid", log))
    if facts.companies:
        blocks["customer_relationships"].append(Item(
            f"{facts.pledging_companies} dari {facts.companies} perusahaan berikrar CSR jangka tahunan", "csr",
            Evidence("csr-ledger.events", facts.pledging_companies, facts.csr.get("pledge", 0),
                     tuple(facts.csr_keys.get("pledge", [])[:20]))))
    state_budget = sum(facts.paid.get(p["code"], (0, 0))[1] for p in programs if p["funding_source"] != "csr")
    if state_budget:
        blocks["revenue_streams"].append(Item("APBN/APBD", "targeted-aid",
                                              Evidence("disbursement.events", 0, state_budget)))
    if facts.csr.get("deposit"):
        blocks["revenue_streams"].append(Item("Setoran dana CSR (TJSL)", "csr", Evidence(
            "csr-ledger.events", len(facts.csr_keys.get("deposit", [])), facts.csr["deposit"],
            tuple(facts.csr_keys.get("deposit", [])[:20]))))
    blocks["key_resources"].append(Item("Data sosial-ekonomi terverifikasi (DTSEN) dan log transparansi", "dtsen",
                                        log))
    blocks["key_activities"].append(Item("Verifikasi data, pemeringkatan desil, penyaluran digital", "dtsen",
                                         Evidence("registry.events")))
    if facts.companies:
        blocks["key_partners"].append(Item(f"{facts.companies} perusahaan mitra CSR", "csr",
                                           Evidence("csr-ledger.events", facts.companies)))
    blocks["cost_structure"].append(Item("Bantuan yang disalurkan", "targeted-aid", log))
    if facts.csr.get("spending"):
        blocks["cost_structure"].append(Item("Belanja program dari dana CSR", "csr", Evidence(
            "csr-ledger.events", len(facts.csr_keys.get("spending", [])), facts.csr["spending"])))

    funding = state_budget + facts.csr.get("deposit", 0)
    one_off = facts.deposits_without_pledge
    indicators = {
        "non_one_off_funding_share": None if not funding else round(1 - one_off / funding, 4),
        "enterprise_self_sufficiency": None,  # arrives with enterprise.events
        "partners_per_strand": {"government": None, "campus": None, "industry": facts.companies or None},
    }
    return Canvas(scope, as_of, blocks, indicators)
