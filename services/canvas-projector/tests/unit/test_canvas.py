"""The canvas's rules without a database: which items each approach contributes, the scope of a program, the
evidence behind each item, its words in both languages and the sustainability indicators, computed by hand."""

import pytest

from canvas_projector.domain.canvas import APPROACHES, BLOCKS, LAYOUT, STANDARD_ORDER, Facts, Reach, build_canvas
from gotong.domain.errors import NotFound
from gotong.messaging.topics import events_topic

PROGRAMS = [{"code": "PKH", "name": "Program Keluarga Harapan", "funding_source": "apbn"},
            {"code": "PANGAN", "name": "Pangan CSR", "funding_source": "csr"}]


def full() -> Facts:
    return Facts(
        programs=PROGRAMS, platform=Reach(31, 25_500_000, 3),
        paid={"PKH": Reach(30, 22_500_000, 3), "PANGAN": Reach(4, 3_000_000, 1)}, log_size=40, checkpoint_size=38,
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


def texts(canvas, block: str, lang: str = "id") -> list[str]:
    """An item's words, spaces normalised (rupiah may keep "Rp" and its amount together with a no-break space)."""
    return [i.text(lang).replace("\xa0", " ") for i in canvas.blocks[block]]


def test_the_standard_layout_reads_partners_to_segments_then_costs_and_revenue():
    assert STANDARD_ORDER == ("key_partners", "key_activities", "key_resources", "value_propositions",
                              "customer_relationships", "channels", "customer_segments", "cost_structure",
                              "revenue_streams")
    assert sorted(STANDARD_ORDER) == sorted(BLOCKS)
    cells = {c.block: c for c in LAYOUT}
    # the top two rows: five columns of two, activities over resources, relationships over channels
    assert [(c.column, c.row, c.rows) for c in LAYOUT[:7]] == [(1, 1, 2), (3, 1, 1), (3, 2, 1), (5, 1, 2),
                                                                (7, 1, 1), (7, 2, 1), (9, 1, 2)]
    assert (cells["cost_structure"].row, cells["revenue_streams"].row) == (3, 3)
    assert cells["cost_structure"].column + cells["cost_structure"].columns == cells["revenue_streams"].column
    # every cell of the 10 x 3 grid is covered exactly once
    covered = [(c.column + dx, c.row + dy) for c in LAYOUT for dx in range(c.columns) for dy in range(c.rows)]
    assert sorted(covered) == [(x, y) for x in range(1, 11) for y in range(1, 4)]


def test_an_empty_platform_has_the_standing_items_and_no_indicator_figures():
    canvas = build_canvas(Facts())
    assert list(canvas.blocks) == list(BLOCKS)
    assert texts(canvas, "customer_segments") == [
        "< 10 rumah tangga menerima bantuan di 0 provinsi, dipilih dari data sosial-ekonomi nasional (DTSEN)"]
    assert [len(canvas.blocks[b]) for b in BLOCKS] == [1, 0, 1, 1, 0, 2, 1, 0, 1]
    assert canvas.indicators == {
        "non_one_off_funding_share": None, "enterprise_self_sufficiency": None,
        "enterprise_jobs_vulnerable_share": None, "graduations": 0,
        "partners_per_strand": {"government": None, "campus": None, "industry": None, "community": None},
        "csr_companies": None, "helix_complete_share": None, "registry_verified_share": None}


def test_every_item_is_tagged_with_one_of_the_four_approaches_where_the_research_puts_it():
    canvas = build_canvas(full())
    approaches = {b: {i.approach for i in items} for b, items in canvas.blocks.items()}
    assert set().union(*approaches.values()) == set(APPROACHES) == {"dtsen", "csr", "social-enterprise",
                                                                    "triple-helix"}
    assert approaches["customer_segments"] == {"dtsen", "social-enterprise"}
    assert approaches["value_propositions"] == {"dtsen", "csr", "social-enterprise"}
    assert approaches["customer_relationships"] == {"dtsen", "csr"}
    assert approaches["revenue_streams"] == {"dtsen", "csr", "social-enterprise"}
    assert approaches["key_resources"] == {"dtsen"}
    assert approaches["key_activities"] == {"dtsen", "triple-helix"}
    assert approaches["key_partners"] == {"csr", "triple-helix"}
    assert approaches["cost_structure"] == {"dtsen", "social-enterprise", "csr"}
    # a CSR-funded program is CSR's, a state-funded one DTSEN's (aid targeted by the register)
    programs = {i.params["name"]: i.approach for i in canvas.blocks["value_propositions"] if i.key == "program"}
    assert programs == {"Program Keluarga Harapan": "dtsen", "Pangan CSR": "csr"}


def test_the_platform_counts_each_household_once_and_a_program_only_its_own():
    platform = build_canvas(full())
    # 30 in PKH and 4 in PANGAN, of whom 3 in both: 31 households, not 34
    assert platform.households == 31
    assert texts(platform, "customer_segments")[0].startswith("31 rumah tangga menerima bantuan di 3 provinsi")
    assert [i.evidence.keys for i in platform.blocks["value_propositions"][:2]] == [("PKH",), ("PANGAN",)]
    pkh = build_canvas(full(), "PKH", "2026-11-28")
    assert (pkh.scope, pkh.as_of, pkh.households) == ("PKH", "2026-11-28", 30)
    assert texts(pkh, "value_propositions")[0] == (
        "Program Keluarga Harapan: bantuan yang sampai ke rumah tangga yang membutuhkan (30 rumah tangga)")
    assert not any("Pangan CSR" in t for t in texts(pkh, "value_propositions"))


def test_a_program_not_approved_by_that_day_has_no_canvas():
    with pytest.raises(NotFound) as raised:
        build_canvas(full(), "NEW", "2026-11-28")
    assert raised.value.field == "program"
    facts = full()
    facts.paid["DRAFT"] = Reach(50, 1_000, 1)  # payments alone do not make a program appear
    assert not any(i.params.get("name") == "DRAFT" for i in build_canvas(facts).blocks["value_propositions"])
    with pytest.raises(NotFound):
        build_canvas(facts, "DRAFT")


def test_a_small_program_shows_neither_its_count_nor_its_amount():
    pangan = build_canvas(full(), "PANGAN")
    assert texts(pangan, "customer_segments")[0].startswith("< 10 rumah tangga")
    assert texts(pangan, "cost_structure") == ["Hibah untuk usaha sosial: Rp 20", "Bantuan yang disalurkan: \u2014",
                                               "Belanja program dari dana CSR: Rp 300"]


def test_state_budget_is_what_non_csr_programs_paid():
    canvas = build_canvas(full())
    apbn = next(i for i in canvas.blocks["revenue_streams"] if i.key == "state_budget")
    assert apbn.evidence.amount == 22_500_000  # PANGAN is CSR-funded: not state budget
    assert apbn.text("id").replace("\xa0", " ") == "Anggaran negara dan daerah (APBN/APBD): Rp 22.500.000"
    assert not any(i.key == "state_budget" for i in build_canvas(full(), "PANGAN").blocks["revenue_streams"])


def test_evidence_names_its_topic_and_at_most_twenty_keys():
    canvas = build_canvas(full())
    sources = {i.evidence.source for items in canvas.blocks.values() for i in items}
    assert sources == {*(events_topic(s) for s in ("disbursement", "csr-ledger", "enterprise", "partnership",
                                                    "registry")), "canvas-projector transparency log"}
    csr_value = next(i for i in canvas.blocks["value_propositions"] if i.approach == "csr" and i.key != "program")
    assert (csr_value.evidence.count, csr_value.evidence.amount, len(csr_value.evidence.keys)) == (25, 1_000, 20)
    log = canvas.blocks["channels"][0].evidence
    assert (log.count, log.amount, log.keys) == (40, 25_500_000, ("checkpoint size 38",))


def test_words_are_plain_in_both_languages_no_topics_and_no_raw_codes():
    canvas = build_canvas(full())
    for lang in ("id", "en"):
        words = " ".join(i.text(lang) for items in canvas.blocks.values() for i in items)
        assert ".events" not in words
        assert "poor_households" not in words
        assert "(2)" not in words
        assert "transparency log" not in words
    segment = next(i for i in canvas.blocks["customer_segments"] if i.approach == "social-enterprise")
    assert segment.text("id") == "2 usaha sosial melayani perempuan, rumah tangga miskin"
    assert segment.text("en") == "2 social enterprises serve women, poor households"
    partners = next(i for i in canvas.blocks["key_partners"] if i.approach == "triple-helix")
    assert partners.text("en") == ("Government, campus and industry partners (1 campus, 1 government, 2 industry); "
                                   "1 of 2 projects involve all three")
    assert texts(canvas, "customer_segments", "en")[0].startswith("31 households received aid in 3 provinces")


def test_enterprise_groups_are_the_five_largest():
    facts = full()
    facts.enterprise_groups = {f"g{i}": i for i in range(1, 8)}
    segment = next(i for i in build_canvas(facts).blocks["customer_segments"] if i.approach == "social-enterprise")
    assert segment.params["groups"] == ["g7", "g6", "g5", "g4", "g3"]


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


def test_the_json_form():
    data = build_canvas(full(), "PKH").to_json()
    assert list(data) == ["scope", "as_of", "indicators", "households", "blocks"]
    assert data["households"] == 30
    item = data["blocks"]["customer_segments"][0]
    assert item == {"key": "recipients", "approach": "dtsen", "params": {"households": 30, "provinces": 3},
                    "evidence": {"source": "disbursement.events", "count": 30, "amount": 22_500_000, "keys": ()},
                    "label": "30 rumah tangga menerima bantuan di 3 provinsi, dipilih dari data sosial-ekonomi "
                             "nasional (DTSEN)"}
