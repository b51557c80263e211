"""The Business Model Canvas of a program (or the whole platform), built from published facts. Pure.

Each item says which approach feeds it and the evidence behind it (source topic, keys, counts, rupiah). The
mapping follows the research behind Gotong: DTSEN (the registry, and the aid targeted by it) strengthens key
resources and key activities; CSR enriches value propositions and customer relationships; social
entrepreneurship sharpens customer segments; the Triple Helix strengthens key partners; revenue streams are
state budget, CSR deposits and enterprise earned income; the cost structure is what is disbursed, granted and
spent. An item's words are in `canvas_words` (Bahasa Indonesia and English), from its `key` and `params`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal, NamedTuple

from canvas_projector.domain.canvas_words import describe
from canvas_projector.domain.grievances import GrievanceFigures
from gotong.domain.errors import NotFound

Approach = Literal["dtsen", "csr", "social-enterprise", "triple-helix"]
APPROACHES: tuple[Approach, ...] = ("dtsen", "csr", "social-enterprise", "triple-helix")
BLOCKS = ("customer_segments", "value_propositions", "channels", "customer_relationships", "revenue_streams",
          "key_resources", "key_activities", "key_partners", "cost_structure")


class Cell(NamedTuple):
    """Where a block sits on the standard canvas: a 10 x 3 grid (columns and rows from 1, spans)."""

    block: str
    column: int
    row: int
    columns: int
    rows: int


#: The standard layout, in reading order: key partners | key activities over key resources | value propositions
#: | customer relationships over channels | customer segments; cost structure and revenue streams at the bottom.
LAYOUT = (Cell("key_partners", 1, 1, 2, 2), Cell("key_activities", 3, 1, 2, 1), Cell("key_resources", 3, 2, 2, 1),
          Cell("value_propositions", 5, 1, 2, 2), Cell("customer_relationships", 7, 1, 2, 1),
          Cell("channels", 7, 2, 2, 1), Cell("customer_segments", 9, 1, 2, 2), Cell("cost_structure", 1, 3, 5, 1),
          Cell("revenue_streams", 6, 3, 5, 1))
STANDARD_ORDER = tuple(c.block for c in LAYOUT)

#: Where evidence comes from: the topics of the services that published it (the kit's `events_topic(name)`; the
#: domain does not import the messaging kit).
DISBURSEMENT, CSR_LEDGER, ENTERPRISE, PARTNERSHIP, REGISTRY, GRIEVANCE = (
    f"{service}.events" for service in ("disbursement", "csr-ledger", "enterprise", "partnership", "registry",
                                        "grievance"))
LOG = "canvas-projector transparency log"


class Reach(NamedTuple):
    """Households whose net payment is positive, the net rupiah paid, and the provinces they live in."""

    households: int = 0
    amount: int = 0
    provinces: int = 0


@dataclass(frozen=True)
class Evidence:
    source: str
    count: int = 0
    amount: int = 0
    keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Item:
    key: str  # what the item says, in `canvas_words`
    approach: Approach
    evidence: Evidence
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        return describe(self.key, self.params, lang)


@dataclass
class Facts:
    """What the projector knows up to a date (already filtered by it)."""

    programs: list[dict[str, Any]] = field(default_factory=list)  # approved programs: code, name, funding_source
    platform: Reach = Reach()  # every payment, each household once
    paid: dict[str, Reach] = field(default_factory=dict)  # program code -> its reach
    log_size: int = 0
    checkpoint_size: int = 0
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
    # grievances: the figures the portal's accountability page shows (computed once, `GrievanceCases.figures`)
    grievances: GrievanceFigures | None = None


@dataclass
class Canvas:
    scope: str
    as_of: str | None
    blocks: dict[str, list[Item]]
    indicators: dict[str, Any]
    households: int = 0  # the scope's households reached: the figure the portal's home page shows too
    programs: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"scope": self.scope, "as_of": self.as_of, "indicators": self.indicators,
                "households": self.households,
                "blocks": {b: [{**asdict(i), "label": i.text("id")} for i in items]
                           for b, items in self.blocks.items()}}


def build_canvas(facts: Facts, scope: str = "platform", as_of: str | None = None) -> Canvas:
    """The canvas of the platform or of one approved program; a program not approved by then is not found."""
    if scope != "platform" and not any(p["code"] == scope for p in facts.programs):
        raise NotFound(f"no approved program {scope!r}" + (f" on {as_of}" if as_of else ""), field="program")
    blocks: dict[str, list[Item]] = {b: [] for b in BLOCKS}
    programs = [p for p in facts.programs if scope == "platform" or p["code"] == scope]
    reach = facts.platform if scope == "platform" else facts.paid.get(scope, Reach())
    log = Evidence(LOG, facts.log_size, reach.amount, (f"checkpoint size {facts.checkpoint_size}",))

    def add(block: str, key: str, approach: Approach, evidence: Evidence, **params: Any) -> None:
        blocks[block].append(Item(key, approach, evidence, params))

    add("customer_segments", "recipients", "dtsen", Evidence(DISBURSEMENT, reach.households, reach.amount),
        households=reach.households, provinces=reach.provinces)
    for p in programs:
        h, a, _ = facts.paid.get(p["code"], Reach())
        add("value_propositions", "program", "csr" if p["funding_source"] == "csr" else "dtsen",
            Evidence(DISBURSEMENT, h, a, (p["code"],)), name=p["name"], households=h)
    allocations = facts.csr_keys.get("allocation", [])
    if facts.csr.get("allocation"):
        add("value_propositions", "csr_allocations", "csr",
            Evidence(CSR_LEDGER, len(allocations), facts.csr["allocation"], tuple(allocations[:20])),
            amount=facts.csr["allocation"])
    add("channels", "digital_payment", "dtsen", log)
    add("customer_relationships", "public_receipts", "dtsen", log, records=facts.log_size)
    if facts.companies:
        add("customer_relationships", "csr_pledges", "csr",
            Evidence(CSR_LEDGER, facts.pledging_companies, facts.csr.get("pledge", 0),
                     tuple(facts.csr_keys.get("pledge", [])[:20])),
            pledging=facts.pledging_companies, companies=facts.companies)
    if scope == "platform" and facts.grievances is not None and facts.grievances.total:
        g = facts.grievances
        add("customer_relationships", "grievances", "dtsen", Evidence(GRIEVANCE, g.total),
            cases=g.total, decided=g.decided, median=g.median_days, share=g.upheld_share)
    state_budget = sum(facts.paid.get(p["code"], Reach()).amount for p in programs if p["funding_source"] != "csr")
    if state_budget:
        add("revenue_streams", "state_budget", "dtsen", Evidence(DISBURSEMENT, 0, state_budget), amount=state_budget)
    if facts.csr.get("deposit"):
        deposits = facts.csr_keys.get("deposit", [])
        add("revenue_streams", "csr_deposits", "csr",
            Evidence(CSR_LEDGER, len(deposits), facts.csr["deposit"], tuple(deposits[:20])),
            amount=facts.csr["deposit"])
    add("key_resources", "register", "dtsen",
        Evidence(REGISTRY, facts.registered, 0, (f"verified {facts.verified}", f"flagged {facts.flagged}")),
        registered=facts.registered, verified=facts.verified)
    add("key_resources", "public_log", "dtsen", log, records=facts.log_size)
    add("key_activities", "verification", "dtsen", Evidence(REGISTRY, facts.verified + facts.flagged),
        flagged=facts.flagged)
    if facts.enterprises:
        groups = [g for g, _ in sorted(facts.enterprise_groups.items(), key=lambda x: (-x[1], x[0]))[:5]]
        add("customer_segments", "enterprise_groups", "social-enterprise",
            Evidence(ENTERPRISE, facts.enterprises, 0, tuple(facts.enterprise_keys[:20])),
            enterprises=facts.enterprises, groups=groups)
        add("value_propositions", "enterprise_jobs", "social-enterprise", Evidence(ENTERPRISE, facts.graduations),
            vulnerable=facts.jobs_vulnerable, jobs=facts.jobs, graduations=facts.graduations)
        add("revenue_streams", "enterprise_income", "social-enterprise",
            Evidence(ENTERPRISE, facts.enterprises, facts.earned_revenue), amount=facts.earned_revenue)
        if facts.enterprise_grants:
            add("cost_structure", "enterprise_grants", "social-enterprise",
                Evidence(ENTERPRISE, facts.enterprises, facts.enterprise_grants), amount=facts.enterprise_grants)
    if facts.companies:
        add("key_partners", "csr_companies", "csr", Evidence(CSR_LEDGER, facts.companies), companies=facts.companies)
    if facts.partners_by_strand:
        add("key_partners", "helix_partners", "triple-helix",
            Evidence(PARTNERSHIP, sum(facts.partners_by_strand.values()), facts.contributions_delivered,
                     tuple(facts.project_keys[:20])),
            strands=dict(sorted(facts.partners_by_strand.items())), complete=facts.projects_complete,
            projects=facts.projects)
        add("key_activities", "helix_projects", "triple-helix",
            Evidence(PARTNERSHIP, facts.projects, facts.project_budget), projects=facts.projects,
            amount=facts.project_budget)
    add("cost_structure", "aid_paid", "dtsen", log, amount=reach.amount, households=reach.households)
    if facts.csr.get("spending"):
        add("cost_structure", "csr_spending", "csr",
            Evidence(CSR_LEDGER, len(facts.csr_keys.get("spending", [])), facts.csr["spending"]),
            amount=facts.csr["spending"])
    return Canvas(scope, as_of, blocks, indicators(facts, state_budget), reach.households, facts.programs)


def indicators(facts: Facts, state_budget: int) -> dict[str, Any]:
    """How the programs keep going: shares of money that recur, enterprises living on earned income, partners."""
    funding = state_budget + facts.csr.get("deposit", 0) + facts.earned_revenue
    one_off = facts.deposits_without_pledge + facts.enterprise_grants
    return {
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
