"""The canvas's rules without a database: which items each approach contributes, the scope of a program, the
evidence behind each item and the sustainability indicators, computed by hand."""

from canvas_projector.domain.canvas import BLOCKS, Facts, build_canvas
from gotong.messaging.topics import events_topic

PROGRAMS = [{"code": "PKH", "name": "Program Keluarga Harapan", "funding_source": "apbn"},
            {"code": "PANGAN", "name": "Pangan CSR", "funding_source": "csr"}]


def full() -> Facts:
    return Facts(
        programs=PROGRAMS, paid={"PKH": (30, 22_500_000), "PANGAN": (4, 3_000_000)}, log_size=40,
        checkpoint_size=38, provinces_reached=3,
        csr={"pledge": 5_000, "deposit": 2_000, "allocation": 1_000, "spending": 300},
        csr_keys={"pledge": ["pledge:pl-1"], "deposit": ["deposit:tr-1", "deposit:tr-2"],
                  "allocation": [f"allocation:{i}" for i in range(25)], "spending": ["spending:t-1"]},
        companies=2, pledging_companies=1, deposits_without_pledge=500,
        enterprises=2, enterprise_groups={"women": 2, "poor_households": 1}, earned_revenue=150,
        enterprise_expenses=200, enterprise_grants=20, jobs=15, jobs_vulnerable=8, graduations=12,
        enterprise_keys=["e1", "e2"],
        partners_by_strand={"government": 1, "campus": 1, "industry": 2}, projects=2, projects_complete=1,
        project_budget=1_000_000, contributions_delivered=900_000, project_keys=["tpst", "other"],
        registered=3, verified=2, flagged=1)


def labels(canvas, block: str) -> list[str]:
    return [i.label for i in canvas.blocks[block]]


def test_an_empty_platform_has_the_standing_items_and_no_indicator_figures():
    canvas = build_canvas(Facts())
    assert list(canvas.blocks) == list(BLOCKS)
    assert labels(canvas, "customer_segments") == ["0 rumah tangga penerima di 0 provinsi, dipilih dari DTSEN"]
    assert [len(canvas.blocks[b]) for b in BLOCKS] == [1, 0, 1, 0, 0, 2, 1, 0, 1]
    assert canvas.indicators == {
        "non_one_off_funding_share": None, "enterprise_self_sufficiency": None,
        "enterprise_jobs_vulnerable_share": None, "graduations": 0,
        "partners_per_strand": {"government": None, "campus": None, "industry": None, "community": None},
        "csr_companies": None, "helix_complete_share": None, "registry_verified_share": None}


def test_every_approach_contributes_where_the_research_puts_it():
    canvas = build_canvas(full())
    approaches = {b: {i.approach for i in items} for b, items in canvas.blocks.items()}
    assert approaches["customer_segments"] == {"dtsen", "social-enterprise"}
    assert approaches["value_propositions"] == {"targeted-aid", "csr", "social-enterprise"}
    assert approaches["customer_relationships"] == {"csr"}
    assert approaches["revenue_streams"] == {"targeted-aid", "csr", "social-enterprise"}
    assert approaches["key_resources"] == {"dtsen", "targeted-aid"}
    assert approaches["key_activities"] == {"dtsen", "triple-helix"}
    assert approaches["key_partners"] == {"csr", "triple-helix"}
    assert approaches["cost_structure"] == {"targeted-aid", "social-enterprise", "csr"}


def test_the_platform_counts_every_program_and_a_program_only_its_own():
    platform = build_canvas(full())
    assert labels(platform, "customer_segments")[0] == "34 rumah tangga penerima di 3 provinsi, dipilih dari DTSEN"
    assert [i.evidence.keys for i in platform.blocks["value_propositions"][:2]] == [("PKH",), ("PANGAN",)]
    pkh = build_canvas(full(), "PKH", "2026-11-28")
    assert (pkh.scope, pkh.as_of) == ("PKH", "2026-11-28")
    assert labels(pkh, "customer_segments")[0].startswith("30 rumah tangga")
    assert labels(pkh, "value_propositions")[0] == "Program Keluarga Harapan: bantuan tepat sasaran"
    assert "Pangan CSR: bantuan tepat sasaran" not in labels(pkh, "value_propositions")
    # a code no program has: the payments of every program still count (the program is not defined yet)
    unknown = build_canvas(full(), "NEW")
    assert unknown.blocks["customer_segments"][0].evidence.amount == 25_500_000
    assert not any(i.approach == "targeted-aid" for i in unknown.blocks["value_propositions"])


def test_state_budget_is_what_non_csr_programs_paid():
    canvas = build_canvas(full())
    apbn = next(i for i in canvas.blocks["revenue_streams"] if i.label == "APBN/APBD")
    assert apbn.evidence.amount == 22_500_000  # PANGAN is CSR-funded: not state budget
    only_csr = build_canvas(full(), "PANGAN")
    assert "APBN/APBD" not in labels(only_csr, "revenue_streams")


def test_evidence_names_its_topic_and_at_most_twenty_keys():
    canvas = build_canvas(full())
    sources = {i.evidence.source for items in canvas.blocks.values() for i in items}
    assert sources == {*(events_topic(s) for s in ("disbursement", "csr-ledger", "enterprise", "partnership",
                                                    "registry")), "canvas-projector transparency log"}
    csr_value = next(i for i in canvas.blocks["value_propositions"] if i.approach == "csr")
    assert (csr_value.evidence.count, csr_value.evidence.amount, len(csr_value.evidence.keys)) == (25, 1_000, 20)
    log = canvas.blocks["channels"][0].evidence
    assert (log.count, log.amount, log.keys) == (40, 25_500_000, ("checkpoint size 38",))


def test_indicators_by_hand():
    ind = build_canvas(full()).indicators
    funding = 22_500_000 + 2_000 + 150  # state budget + CSR deposits + earned revenue
    assert ind["non_one_off_funding_share"] == round(1 - (500 + 20) / funding, 4)
    assert ind["enterprise_self_sufficiency"] == 0.75
    assert ind["enterprise_jobs_vulnerable_share"] == round(8 / 15, 4)
    assert ind["graduations"] == 12
    assert ind["partners_per_strand"] == {"government": 1, "campus": 1, "industry": 2, "community": None}
    assert ind["csr_companies"] == 2
    assert ind["helix_complete_share"] == 0.5
    assert ind["registry_verified_share"] == round(2 / 3, 4)


def test_one_off_money_never_makes_the_share_negative():
    facts = Facts(programs=[], csr={"deposit": 100}, deposits_without_pledge=100, enterprise_grants=1_000)
    assert build_canvas(facts).indicators["non_one_off_funding_share"] == 0.0


def test_enterprise_groups_are_the_five_largest():
    facts = full()
    facts.enterprise_groups = {f"g{i}": i for i in range(1, 8)}
    segment = next(i for i in build_canvas(facts).blocks["customer_segments"] if i.approach == "social-enterprise")
    assert segment.label == "Kelompok yang dilayani 2 usaha sosial: g7 (7), g6 (6), g5 (5), g4 (4), g3 (3)"


def test_the_json_form():
    data = build_canvas(full(), "PKH").to_json()
    assert list(data) == ["scope", "as_of", "indicators", "blocks"]
    item = data["blocks"]["customer_segments"][0]
    assert item == {"label": "30 rumah tangga penerima di 3 provinsi, dipilih dari DTSEN", "approach": "dtsen",
                    "evidence": {"source": "disbursement.events", "count": 30, "amount": 22_500_000, "keys": ()}}
