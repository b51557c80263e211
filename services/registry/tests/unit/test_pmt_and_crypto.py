"""The PMT score and deciles, blind indexes and sealing, the phonetic name key."""

import os
from datetime import date

import pytest
from cryptography.exceptions import InvalidTag

from registry.adapters.crypto import KeyRing, name_key, seal, unseal
from registry.adapters.reference import load_rule
from registry.domain.model import Attributes, MemberFact
from registry.domain.pmt import deciles

ON = date(2026, 10, 1)


def member(birth_month: str, relation: str = "anak") -> MemberFact:
    return MemberFact(member_ref=f"p-{birth_month}", relation=relation, sex="M", birth_month=birth_month)


def test_score_by_hand():
    rule = load_rule("pmt-2026.1")
    poor = Attributes(floor="tanah", wall="bambu", roof="ijuk", floor_area_m2=20, water="sungai",
                      lighting="tanpa_listrik", cooking_fuel="kayu", sanitation="tidak_ada", assets=[], livestock=0,
                      income_band=1, expenditure_band=1)
    # categorical 0; area 20/4 = 5 m2 * 0.6 = 3; income 6 + spending 5; 4 members * -1.2; dependants 2 * -1
    members = [member("1980-01", "kepala"), member("1982-01", "istri"), member("2015-01"), member("2020-01")]
    assert rule.score(poor, members, ON) == pytest.approx(3 + 11 - 4.8 - 2)
    richer = poor.model_copy(update={"floor": "keramik", "assets": ["mobil", "kulkas"]})
    assert rule.score(richer, members, ON) == pytest.approx(3 + 11 - 4.8 - 2 + 7 + 12 + 3)


def test_dead_and_departed_members_do_not_count():
    rule = load_rule()
    base = [member("1980-01", "kepala")]
    gone = member("2010-01").model_copy(update={"alive": False, "died_on": date(2025, 1, 1)})
    assert rule.score(Attributes(), [*base, gone], ON) == rule.score(Attributes(), base, ON)


def test_deciles_are_ranked_and_balanced():
    scores = [(f"h{i:03d}", float(i % 37) + i / 1000) for i in range(1000)]
    d = deciles(scores)
    counts = [sum(1 for v in d.values() if v == k) for k in range(1, 11)]
    assert counts == [100] * 10
    lowest = min(scores, key=lambda s: s[1])[0]
    highest = max(scores, key=lambda s: s[1])[0]
    assert d[lowest] == 1
    assert d[highest] == 10


def test_unknown_rule_version_is_a_clear_error():
    from gotong.domain.errors import ValidationFailed
    with pytest.raises(ValidationFailed) as err:
        load_rule("pmt-1999")
    assert err.value.field == "rule_version"


def test_blind_index_is_keyed_and_stable():
    a, b = KeyRing(os.urandom(32)), KeyRing(os.urandom(32))
    assert a.blind("nik", "3273011705900001") == a.blind("nik", "3273011705900001")
    assert a.blind("nik", "3273011705900001") != b.blind("nik", "3273011705900001")
    assert a.blind("nik", "3273011705900001") != a.blind("kk", "3273011705900001")


def test_sealed_data_needs_the_household_key_and_context():
    ring = KeyRing(os.urandom(32))
    dek, wrapped = ring.new_data_key()
    box = seal(dek, {"name": "Siti Aminah"}, b"household-1")
    assert "Siti" not in box
    assert unseal(ring.unwrap(wrapped), box, b"household-1") == {"name": "Siti Aminah"}
    with pytest.raises(InvalidTag):
        unseal(dek, box, b"household-2")
    other, _ = ring.new_data_key()
    with pytest.raises(InvalidTag):
        unseal(other, box, b"household-1")


@pytest.mark.parametrize(("a", "b", "same"), [
    ("Siti Nurhayati", "Sity Nur Hayati", True),
    ("Muhammad Rizki", "Moh. Rizky", True),
    ("Dewi Lestari", "Dewie Lestarie", True),
    ("Djoko Susilo", "Joko Susilo", True),
    ("Budi Santoso", "Agus Santoso", False),
])
def test_name_key(a, b, same):
    assert (name_key(a) == name_key(b)) is same


def test_blind_index_is_hmac_sha256_of_kind_and_value_under_the_index_key():
    """Indexes written by earlier releases must still match: the fast HMAC is the standard one."""
    import hashlib
    import hmac

    secret = os.urandom(32)
    index_key = hmac.new(secret, b"gotong-registry-blind-index", hashlib.sha256).digest()
    for kind, value in (("nik", "3273011705900001"), ("name", "32.73.01.1001|siti aminah"), ("kk", "é" * 80)):
        assert KeyRing(secret).blind(kind, value) == hmac.new(index_key, f"{kind}:{value}".encode(),
                                                              hashlib.sha256).digest()[:16]


def test_a_keyring_sent_to_another_process_blinds_and_unwraps_the_same():
    import pickle

    ring = KeyRing(os.urandom(32))
    copy = pickle.loads(pickle.dumps(ring))
    assert copy.blind("nik", "3273011705900001") == ring.blind("nik", "3273011705900001")
    dek, wrapped = ring.new_data_key()
    assert copy.unwrap(wrapped) == dek
    assert copy.key_id == ring.key_id
