"""Partners: kinds belong to their strand; deactivation and reactivation, allowed and refused."""

from uuid import uuid4

import pytest

from gotong.domain.errors import InvalidTransition, ValidationFailed
from partnership.domain.partner import Partner


def its() -> Partner:
    return Partner.enrol(uuid4(), name="Institut Teknologi Sepuluh Nopember", strand="campus", kind="institute",
                         region_code="35.78")


def test_a_kind_must_belong_to_the_strand():
    with pytest.raises(ValidationFailed) as refused:
        Partner.enrol(uuid4(), name="ITS", strand="campus", kind="company", region_code="35.78")
    assert refused.value.field == "kind"
    assert "university" in refused.value.detail


def test_only_businesses_carry_a_nib():
    with pytest.raises(ValidationFailed) as refused:
        Partner.enrol(uuid4(), name="Pemkot", strand="government", kind="pemkot", region_code="35.78",
                      nib="8120202345601")
    assert refused.value.field == "nib"


def test_deactivate_then_reactivate():
    p = its()
    p.deactivate("kerja sama selesai")
    assert (p.status, p.deactivation_reason) == ("inactive", "kerja sama selesai")
    p.reactivate()
    assert (p.status, p.deactivation_reason, p.version) == ("active", None, 3)


def test_deactivating_an_inactive_partner_is_refused():
    p = its()
    p.deactivate("x")
    with pytest.raises(InvalidTransition) as refused:
        p.deactivate("again")
    assert (refused.value.status, refused.value.field) == (409, "status")


def test_reactivating_an_active_partner_is_refused():
    with pytest.raises(InvalidTransition) as refused:
        its().reactivate()
    assert "active already" in refused.value.detail
