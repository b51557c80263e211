"""The domain's catalogue and the published contract spell the same words: the domain validates against its own
catalogue, the contract tells consumers what they will read."""

from typing import get_args

import pytest
from gotong_contracts import enterprise as contract

from enterprise.domain import catalogue
from enterprise.domain.regions import Regions, province_and_regency
from gotong.domain.errors import ValidationFailed


@pytest.mark.parametrize("name", ["LegalForm", "EnterpriseStatus", "Group", "SuspensionReason"])
def test_the_vocabulary_is_the_published_one(name):
    assert get_args(getattr(catalogue, name)) == get_args(getattr(contract, name))


def test_every_metric_has_its_published_code_and_a_unit():
    assert catalogue.METRIC_CODES == contract.METRIC_CODES
    assert set(catalogue.UNITS) == set(catalogue.METRIC_CODES)
    assert set(catalogue.REQUIRED) | set(catalogue.OPTIONAL) == set(catalogue.METRIC_CODES)
    assert not hasattr(contract, "DERIVED_CODES"), "derived figures are published by name, not by code"


REGIONS = Regions({"32": "Jawa Barat", "32.73": "Kota Bandung", "32.73.01": "Sukasari"})


def test_a_region_code_must_exist_and_name_a_regency_or_finer():
    assert REGIONS.check(" 32.73.01 ") == ("32.73.01", "32", "32.73")
    assert REGIONS.name("32.73") == "Kota Bandung"
    for code, detail in [("32", "not only a province"), ("32-73", "Kepmendagri code like"),
                         ("32.74", "is not a Kepmendagri 2025 region")]:
        with pytest.raises(ValidationFailed, match=detail) as err:
            REGIONS.check(code, field="body.region_code")
        assert err.value.field == "body.region_code"


def test_without_reference_data_only_the_shape_is_checked():
    assert Regions({}).check("99.99") == ("99.99", "99", "99.99")
    assert province_and_regency("35.10.01.2001") == ("35", "35.10")
