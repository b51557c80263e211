"""Whole explanations (`Decision.as_dict`) of one household per shipped program, as an officer or a dry run
sees them: each rule with its facts and result, each member with the reason they count or not, the amount and
the outcome. Boundaries on purpose: age 6 and 60 at the cut-off, a death on the cut-off day, a held review, a
component tie at the member cap, the bulk path that reads only `present_until`."""

from dataclasses import replace
from datetime import date

import pytest

from disbursement.adapters.shipped import shipped_programs
from disbursement.domain.eligibility import Household, evaluate

CUTOFF = date(2026, 10, 1)
PROGRAMS = {p.code: p for p in shipped_programs()}


def member(ref: str, birth: str, **facts: object) -> dict[str, object]:
    return {"member_ref": ref, "birth_month": birth, **facts}


def hh(members, *, desil: int = 2, verification: str = "verified", village: str = "32.73.01.1001") -> Household:
    parts = village.split(".")
    return Household("hh-1", 3, village, ".".join(parts[:3]), ".".join(parts[:2]), parts[0], verification, desil,
                     "DTSEN-2026.1", "2026-Q3", members)

EXPECTED_PKH = {'household_ref': 'hh-1',
 'program_code': 'PKH',
 'rule_version': 'PKH-2026.1',
 'outcome': 'eligible',
 'amount': 2700000,
 'members_counted': 4,
 'desil': {'value': 2, 'rule_version': 'DTSEN-2026.1', 'snapshot': '2026-Q3'},
 'rules': [{'rule_id': 'pkh-desil',
            'kind': 'desil_band',
            'description': 'desil 1 sampai 4 (DTSEN)',
            'result': 'pass',
            'facts': {'desil': 2,
                      'band': [1, 4],
                      'desil_snapshot': '2026-Q3',
                      'desil_rule_version': 'DTSEN-2026.1'}},
           {'rule_id': 'pkh-verified',
            'kind': 'verification',
            'description': 'keluarga terverifikasi; yang sedang ditinjau ditahan',
            'result': 'pass',
            'facts': {'verification': 'verified'}},
           {'rule_id': 'pkh-komponen',
            'kind': 'composition',
            'description': 'ada anggota dengan komponen PKH',
            'result': 'pass',
            'facts': {'members_matching': 6,
                      'min_members': 1,
                      'any_of': ['pregnant',
                                 'early_childhood',
                                 'sd',
                                 'smp',
                                 'sma',
                                 'severe_disability',
                                 'elderly']}}],
 'members': [{'member_ref': 'm1',
              'counted': True,
              'component': 'pregnant',
              'annual_amount': 3000000,
              'reason': 'komponen pregnant'},
             {'member_ref': 'm2',
              'counted': False,
              'component': None,
              'annual_amount': 0,
              'reason': 'meninggal 2026-10-01, sebelum batas 2026-10-01'},
             {'member_ref': 'm3',
              'counted': False,
              'component': None,
              'annual_amount': 0,
              'reason': 'keluar dari keluarga 2026-09-01, sebelum batas 2026-10-01'},
             {'member_ref': 'm4',
              'counted': True,
              'component': 'elderly',
              'annual_amount': 2400000,
              'reason': 'komponen elderly'},
             {'member_ref': 'm5',
              'counted': True,
              'component': 'early_childhood',
              'annual_amount': 3000000,
              'reason': 'komponen early_childhood'},
             {'member_ref': 'm6',
              'counted': False,
              'component': 'sd',
              'annual_amount': 900000,
              'reason': 'melebihi batas 4 anggota'},
             {'member_ref': 'm7',
              'counted': False,
              'component': None,
              'annual_amount': 0,
              'reason': 'tidak ada komponen program'},
             {'member_ref': 'm8',
              'counted': False,
              'component': 'sma',
              'annual_amount': 2000000,
              'reason': 'melebihi batas 4 anggota'},
             {'member_ref': 'm9',
              'counted': False,
              'component': None,
              'annual_amount': 0,
              'reason': 'meninggal (tanggal tidak diketahui)'},
             {'member_ref': 'm10',
              'counted': True,
              'component': 'severe_disability',
              'annual_amount': 2400000,
              'reason': 'komponen severe_disability'}]}

EXPECTED_BLT_DD = {'household_ref': 'hh-1',
 'program_code': 'BLT-DD',
 'rule_version': 'BLT-DD-2026.2',
 'outcome': 'held',
 'amount': 300000,
 'members_counted': 0,
 'desil': {'value': 3, 'rule_version': 'DTSEN-2026.1', 'snapshot': '2026-Q3'},
 'rules': [{'rule_id': 'blt-desil',
            'kind': 'desil_band',
            'description': 'desil 1 sampai 3 (DTSEN)',
            'result': 'pass',
            'facts': {'desil': 3,
                      'band': [1, 3],
                      'desil_snapshot': '2026-Q3',
                      'desil_rule_version': 'DTSEN-2026.1'}},
           {'rule_id': 'blt-wilayah',
            'kind': 'region',
            'description': 'tinggal di Jawa Barat, Jawa Timur atau NTT',
            'result': 'pass',
            'facts': {'village_code': '35.78.01.1001', 'matched': '35'}},
           {'rule_id': 'blt-verified',
            'kind': 'verification',
            'description': 'keluarga terverifikasi; yang sedang ditinjau ditahan',
            'result': 'hold',
            'facts': {'verification': 'under_review'}},
           {'rule_id': 'blt-bukan-pkh',
            'kind': 'exclude_programs',
            'description': 'bukan penerima PKH pada periode yang sama',
            'result': 'pass',
            'facts': {'other_programs': []}},
           {'rule_id': 'blt-anggota',
            'kind': 'composition',
            'description': 'ada anggota keluarga yang masih hidup dan tinggal bersama pada batas waktu',
            'result': 'pass',
            'facts': {'members_matching': 1, 'min_members': 1, 'any_of': []}}],
 'members': [{'member_ref': 'm1',
              'counted': True,
              'component': None,
              'annual_amount': 0,
              'reason': 'hadir pada batas waktu'}]}

EXPECTED_BPNT = {'household_ref': 'hh-1',
 'program_code': 'BPNT',
 'rule_version': 'BPNT-2026.2',
 'outcome': 'eligible',
 'amount': 600000,
 'members_counted': 0,
 'desil': {'value': 2, 'rule_version': 'DTSEN-2026.1', 'snapshot': '2026-Q3'},
 'rules': [{'rule_id': 'bpnt-desil',
            'kind': 'desil_band',
            'description': 'desil 1 sampai 4 (DTSEN)',
            'result': 'pass',
            'facts': {'desil': 2,
                      'band': [1, 4],
                      'desil_snapshot': '2026-Q3',
                      'desil_rule_version': 'DTSEN-2026.1'}},
           {'rule_id': 'bpnt-verified',
            'kind': 'verification',
            'description': 'keluarga terverifikasi; yang sedang ditinjau ditahan',
            'result': 'pass',
            'facts': {'verification': 'verified'}},
           {'rule_id': 'bpnt-anggota',
            'kind': 'composition',
            'description': 'ada anggota keluarga yang masih hidup dan tinggal bersama pada batas waktu',
            'result': 'pass',
            'facts': {'members_present': 1, 'min_members': 1, 'present_until': '2026-10-02'}}],
 'members': []}

EXPECTED_CSR_PANGAN_JABAR = {'household_ref': 'hh-1',
 'program_code': 'CSR-PANGAN-JABAR',
 'rule_version': 'CSR-PANGAN-JABAR-2026.1',
 'outcome': 'not_eligible',
 'amount': 0,
 'members_counted': 0,
 'desil': {'value': 5, 'rule_version': 'DTSEN-2026.1', 'snapshot': '2026-Q3'},
 'rules': [{'rule_id': 'pangan-desil',
            'kind': 'desil_band',
            'description': 'desil 1 sampai 2 (DTSEN)',
            'result': 'fail',
            'facts': {'desil': 5,
                      'band': [1, 2],
                      'desil_snapshot': '2026-Q3',
                      'desil_rule_version': 'DTSEN-2026.1'}},
           {'rule_id': 'pangan-jabar',
            'kind': 'region',
            'description': 'tinggal di Jawa Barat',
            'result': 'pass',
            'facts': {'village_code': '32.01.01.2001', 'matched': '32'}},
           {'rule_id': 'pangan-verified',
            'kind': 'verification',
            'description': 'keluarga terverifikasi; yang sedang ditinjau ditahan',
            'result': 'pass',
            'facts': {'verification': 'verified'}},
           {'rule_id': 'pangan-komposisi',
            'kind': 'composition',
            'description': 'ada anak usia dini atau lansia',
            'result': 'pass',
            'facts': {'members_matching': 1, 'min_members': 1, 'any_of': ['early_childhood', 'elderly']}}],
 'members': [{'member_ref': 'm1',
              'counted': False,
              'component': None,
              'annual_amount': 0,
              'reason': 'tidak memenuhi komposisi'},
             {'member_ref': 'm2',
              'counted': True,
              'component': 'elderly',
              'annual_amount': 0,
              'reason': 'memenuhi komposisi'}]}

CASES = {
    "PKH": (lambda: hh([
        member("m1", "1990-01", pregnant=True), member("m2", "1950-01", alive=False, died_on="2026-10-01"),
        member("m3", "1980-01", left_on="2026-09-01"), member("m4", "1966-10"), member("m5", "2020-10"),
        member("m6", "2019-09", school_level="sd"), member("m7", "1985-03"),
        member("m8", "2009-01", school_level="sma"), member("m9", "1940-01", alive=False),
        member("m10", "2014-01", school_level="smp", severe_disability=True)]), frozenset(), EXPECTED_PKH),
    "BLT-DD": (lambda: hh([member("m1", "1980-01")], desil=3, village="35.78.01.1001", verification="under_review"),
               frozenset({"BPNT"}), EXPECTED_BLT_DD),
    "BPNT": (lambda: replace(hh([member("m1", "1980-01", left_on="2026-10-02")]), members=None,
                             present_until=date(2026, 10, 2)), frozenset(), EXPECTED_BPNT),
    "CSR-PANGAN-JABAR": (lambda: hh([member("m1", "1990-02"), member("m2", "1966-09")], desil=5,
                                    village="32.01.01.2001"), frozenset(), EXPECTED_CSR_PANGAN_JABAR),
}


@pytest.mark.parametrize("code", list(CASES))
def test_the_whole_explanation_of_each_shipped_program(code):
    household, other_programs, expected = CASES[code]
    assert evaluate(PROGRAMS[code], household(), CUTOFF, other_programs=other_programs).as_dict() == expected


def test_a_household_that_passes_every_rule_but_is_owed_nothing_is_not_eligible_and_told_why():
    from disbursement.domain.programs import ProgramDefinition

    data = PROGRAMS["PKH"].model_dump()
    data["rules"] = [r for r in data["rules"] if r["kind"] != "composition"]
    program = ProgramDefinition.model_validate(data)
    decision = evaluate(program, hh([member("m1", "1985-03")]), CUTOFF)
    assert (decision.outcome, decision.amount, decision.members_counted) == ("not_eligible", 0, 0)
    assert decision.as_dict()["rules"][-1] == {
        "rule_id": "benefit", "kind": "benefit", "description": "manfaat lebih dari nol", "result": "fail",
        "facts": {"amount": 0, "members_counted": 0}}
    one = evaluate(program, hh([member("m1", "1990-01", pregnant=True)]), CUTOFF)
    assert (one.outcome, one.amount) == ("eligible", 750_000)
