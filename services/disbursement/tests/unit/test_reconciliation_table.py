"""`apply_report` as a table: every path, with the whole Effect (new status, confirmed amount, exception and the
reason ops read), so a changed word or figure in any branch fails a row."""

import pytest

from disbursement.domain.reconciliation import NOTHING, Effect, Report, apply_report

INSTRUCTED = 600_000

ROWS = [
    # (payment status, current attempt, report) -> effect
    ("instructed", 2, Report(1, "succ", 600_000), Effect(None, 600_000, "stale_attempt_paid",
                                                         "attempt 1 reported paid while attempt 2 is current")),
    ("instructed", 2, Report(1, "succ", 600_000, returned=True), NOTHING),
    ("instructed", 2, Report(1, "rjct", None), NOTHING),
    ("instructed", 1, Report(1, "rcvd", None), NOTHING),
    ("instructed", 1, Report(1, "pdng", None), NOTHING),
    ("instructed", 1, Report(1, "succ", None), Effect("paid", INSTRUCTED)),
    ("instructed", 1, Report(1, "succ", INSTRUCTED), Effect("paid", INSTRUCTED)),
    ("reissued", 2, Report(2, "succ", INSTRUCTED), Effect("paid", INSTRUCTED)),
    ("instructed", 1, Report(1, "succ", 500_000), Effect("paid", 500_000, "amount_mismatch",
                                                         "instructed Rp 600000 but the channel paid Rp 500000")),
    ("instructed", 1, Report(1, "succ", INSTRUCTED, returned=True), Effect("returned", 0, "returned",
                                                                  "returned by the channel")),
    ("reissued", 1, Report(1, "succ", INSTRUCTED, returned=True, reason="rekening ditutup"),
     Effect("returned", 0, "returned", "rekening ditutup")),
    ("instructed", 1, Report(1, "rjct", None), Effect("failed", 0, "failed", "rejected by the channel")),
    ("instructed", 1, Report(1, "rjct", None, reason="NIK tidak cocok"), Effect("failed", 0, "failed",
                                                                                "NIK tidak cocok")),
    ("paid", 1, Report(1, "succ", INSTRUCTED, returned=True),
     Effect("returned", 0, "returned", "returned by the channel")),
    ("paid", 1, Report(1, "succ", INSTRUCTED, returned=True, reason="dana kembali"),
     Effect("returned", 0, "returned", "dana kembali")),
    ("paid", 1, Report(1, "rjct", None), Effect(None, None, "conflicting_report", "rejected after it was paid")),
    ("paid", 1, Report(1, "rjct", None, reason="salah rekening"),
     Effect(None, None, "conflicting_report", "salah rekening")),
    ("paid", 1, Report(1, "succ", INSTRUCTED), NOTHING),
    ("paid", 1, Report(1, "pdng", None), NOTHING),
    ("failed", 1, Report(1, "succ", INSTRUCTED), NOTHING),
    ("failed", 1, Report(1, "succ", INSTRUCTED, returned=True), NOTHING),
    ("returned", 1, Report(1, "rjct", None), NOTHING),
]


@pytest.mark.parametrize(("status", "attempt", "report", "effect"), ROWS)
def test_each_report_has_exactly_its_effect(status, attempt, report, effect):
    assert apply_report(status, attempt, INSTRUCTED, report) == effect


def test_nothing_changes_nothing():
    assert NOTHING == Effect(None, None, None, None)
