"""Triple Helix completeness: one active partner per core strand, each under a signed or active agreement of
the project whose term has not run out; otherwise the reason, strand by strand."""

from datetime import date

from partnership.domain.helix import AgreementFacts, PartnerFacts, assess

AS_OF = date(2026, 11, 29)
GOV = PartnerFacts("g", "Pemerintah Kota Surabaya", "government", "active")
CAMPUS = PartnerFacts("c", "Institut Teknologi Sepuluh Nopember", "campus", "active")
INDUSTRY = PartnerFacts("i", "PT Daur Ulang Nusantara", "industry", "active")
COMMUNITY = PartnerFacts("k", "Koperasi Bank Sampah Induk", "community", "active")
ALL = {p.id: p for p in (GOV, CAMPUS, INDUSTRY, COMMUNITY)}


def agreement(status="active", parties="gci", ends_on=date(2028, 12, 31), title="MoU Sampah") -> AgreementFacts:
    return AgreementFacts("a-" + title, title, status, frozenset(parties), ends_on)


def test_one_active_partner_per_strand_under_an_active_agreement_is_complete():
    result = assess("gci", ALL, [agreement()], AS_OF)
    assert result.complete
    assert result.present == ["government", "campus", "industry"]
    assert result.reasons() == []


def test_a_signed_agreement_counts_like_an_active_one():
    assert assess("gci", ALL, [agreement("signed")], AS_OF).complete


def test_community_is_optional_but_counted_when_present():
    result = assess("gcik", ALL, [agreement(parties="gcik")], AS_OF)
    assert (result.complete, result.present) == (True, ["government", "campus", "industry", "community"])


def test_a_missing_strand_is_named():
    result = assess("gc", ALL, [agreement(parties="gc")], AS_OF)
    assert (result.complete, result.missing) == (False, ["industry"])
    assert result.reasons() == ["no industry partner on the project"]


def test_an_inactive_partner_does_not_count():
    inactive = {**ALL, "i": PartnerFacts("i", "PT Daur Ulang Nusantara", "industry", "inactive")}
    result = assess("gci", inactive, [agreement()], AS_OF)
    assert result.missing == ["industry"]
    assert result.reasons() == ["PT Daur Ulang Nusantara (industry) is inactive"]


def test_a_draft_agreement_does_not_count_and_says_so():
    result = assess("gci", ALL, [agreement(parties="gc"), agreement("draft", "gi", title="PKS Mesin")], AS_OF)
    assert result.missing == ["industry"]
    assert result.reasons() == ["PT Daur Ulang Nusantara (industry) has no signed or active agreement: "
                                "'PKS Mesin' is draft"]


def test_ended_terminated_and_expired_agreements_do_not_count():
    for gone in (agreement("ended"), agreement("terminated"), agreement("active", ends_on=date(2026, 11, 28))):
        result = assess("gci", ALL, [gone], AS_OF)
        assert result.missing == ["government", "campus", "industry"]
    expired = assess("gci", ALL, [agreement("active", ends_on=date(2026, 11, 28))], AS_OF)
    assert "ran out on 2026-11-28" in expired.reasons()[0]
    assert assess("gci", ALL, [agreement("active", ends_on=AS_OF)], AS_OF).complete, "the last day still counts"


def test_a_partner_on_the_project_but_party_to_no_agreement_does_not_count():
    result = assess("gci", ALL, [agreement(parties="gc")], AS_OF)
    assert result.reasons() == ["PT Daur Ulang Nusantara (industry) is not a party to any agreement of this project"]


def test_one_qualifying_partner_is_enough_for_its_strand():
    second = PartnerFacts("i2", "PT Mesin Pilah", "industry", "inactive")
    members = ["g", "c", "i", "i2"]
    result = assess(members, {**ALL, "i2": second}, [agreement(parties=members)], AS_OF)
    assert result.complete
    assert result.strands["industry"].partners == ["i"]
    assert result.strands["industry"].reasons == []


def test_no_partners_at_all_lists_every_core_strand():
    result = assess([], ALL, [], AS_OF)
    assert result.to_dict()["missing"] == ["government", "campus", "industry"]
    assert len(result.reasons()) == 3
