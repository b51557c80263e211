"""Random sequences of commitments and deliveries (hypothesis): whatever is accepted, nothing is ever delivered
beyond its commitment, the per-partner totals are the sums, and a replay of the events gives the same state."""

from datetime import date
from uuid import uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from gotong.domain.errors import DomainError
from partnership.domain.events import PartyTerm, registry
from partnership.domain.project import Project

PARTNERS = ["gov", "campus", "industry"]
step = st.one_of(
    st.tuples(st.just("commit"), st.sampled_from([*PARTNERS, "stranger"]),
              st.sampled_from(["money", "in_kind", "expertise"]), st.integers(-5, 1_000)),
    st.tuples(st.just("deliver"), st.integers(0, 6), st.integers(-5, 600), st.none()),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(step, max_size=30))
def test_deliveries_never_exceed_commitments_and_replay_agrees(steps):
    p = Project.start(uuid4(), title="TPST", goals=["g"], region_code="35.78", budget=0, sdgs=[],
                      starts_on=date(2026, 1, 1), ends_on=None,
                      partners=[PartyTerm(partner_id=x, role="r") for x in PARTNERS], agreement_ids=[])
    ids: list[str] = []
    for s in steps:
        try:
            if s[0] == "commit":
                cid = f"c{len(ids)}"
                p.commit_contribution(cid, partner_id=s[1], kind=s[2], description="d", value_rupiah=s[3],
                                      quantity=None, unit=None)
                ids.append(cid)
            elif ids:
                p.deliver_contribution(ids[s[1] % len(ids)], value_rupiah=s[2], quantity=None,
                                       delivered_on=date(2026, 2, 1), evidence_sha256=None)
        except DomainError:
            pass  # refused: nothing recorded
    for c in p.contributions.values():
        assert 0 <= c.delivered_rupiah <= c.value_rupiah
        assert c.delivered_rupiah == sum(d["value_rupiah"] for d in c.deliveries)
    totals = p.totals_by_partner()
    for partner in PARTNERS:
        mine = [c for c in p.contributions.values() if c.partner_id == partner]
        assert totals[partner]["committed_rupiah"] == sum(c.value_rupiah for c in mine)
        assert totals[partner]["delivered_rupiah"] == sum(c.delivered_rupiah for c in mine)
    replayed = Project.replay(p.id, [(i + 1, registry.decode(e.event_type, e.schema_version, e.to_data()))
                                     for i, e in enumerate(p.pending_events)])
    assert replayed.to_state() == p.to_state()
