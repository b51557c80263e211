"""The Triple Helix assessment as the API returns it: the whole dict, with each strand's partners and the
reasons a strand is missing (inactive partner, no agreement, an agreement not binding), in strand order."""

from datetime import date

from partnership.domain.helix import AgreementFacts, PartnerFacts, assess

DAY = date(2026, 6, 1)


def test_the_whole_assessment_as_the_api_returns_it():
    partners = {"g": PartnerFacts("g", "Pemkot Surabaya", "government", "active"),
                "c": PartnerFacts("c", "ITS", "campus", "inactive"),
                "i": PartnerFacts("i", "PT Semen", "industry", "active"),
                "k": PartnerFacts("k", "Bank Sampah", "community", "active")}
    agreements = [AgreementFacts("a1", "PKS TPST", "active", frozenset({"g", "c", "k"}), date(2027, 12, 31)),
                  AgreementFacts("a2", "MoU lama", "signed", frozenset({"i"}), date(2026, 5, 31))]
    result = assess(["g", "c", "i", "k", "unknown"], partners, agreements, DAY)
    assert result.to_dict() == {
        "complete": False, "as_of": "2026-06-01", "missing": ["campus", "industry"],
        "present": ["government", "community"],
        "reasons": ["ITS (campus) is inactive",
                    "PT Semen (industry) has no signed or active agreement: 'MoU lama' ran out on 2026-05-31"],
        "strands": {
            "government": {"present": True, "partners": ["g"], "reasons": []},
            "campus": {"present": False, "partners": [], "reasons": ["ITS (campus) is inactive"]},
            "industry": {"present": False, "partners": [], "reasons": [
                "PT Semen (industry) has no signed or active agreement: 'MoU lama' ran out on 2026-05-31"]},
            "community": {"present": True, "partners": ["k"], "reasons": []}}}


def test_a_strand_with_nobody_says_so_and_a_draft_is_named():
    partners = {"g": PartnerFacts("g", "Pemkot", "government", "active"),
                "i": PartnerFacts("i", "PT A", "industry", "active"),
                "j": PartnerFacts("j", "PT B", "industry", "active")}
    agreements = [AgreementFacts("a1", "PKS", "active", frozenset({"g", "j"}), date(2027, 1, 1)),
                  AgreementFacts("a2", "Draf", "draft", frozenset({"i"}), date(2027, 1, 1))]
    result = assess(["g", "i", "j"], partners, agreements, DAY)
    assert result.missing == ["campus"]
    assert result.reasons() == ["no campus partner on the project"]
    assert result.to_dict()["strands"]["industry"] == {"present": True, "partners": ["j"], "reasons": []}
    alone = assess(["i"], partners, agreements, DAY).to_dict()
    assert alone["strands"]["industry"]["reasons"] == ["PT A (industry) has no signed or active agreement: "
                                                       "'Draf' is draft"]
    nobody = assess(["g"], {"g": partners["g"]}, [], DAY).to_dict()
    assert nobody["strands"]["government"]["reasons"] == [
        "Pemkot (government) is not a party to any agreement of this project"]
