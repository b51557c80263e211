"""Channel reports against instructions: every path ends in a clear payment status or an exception for ops."""

from disbursement.domain.reconciliation import Report, apply_report


def test_success_with_the_instructed_amount_is_paid():
    e = apply_report("instructed", 1, 600_000, Report(1, "succ", 600_000))
    assert (e.new_status, e.confirmed_amount, e.exception) == ("paid", 600_000, None)


def test_wrong_amount_is_paid_but_an_exception():
    e = apply_report("instructed", 1, 600_000, Report(1, "succ", 590_000))
    assert (e.new_status, e.confirmed_amount, e.exception) == ("paid", 590_000, "amount_mismatch")


def test_rejection_fails_with_an_exception():
    e = apply_report("instructed", 1, 600_000, Report(1, "rjct", None, reason="rjct.payee_fa.invalid"))
    assert (e.new_status, e.exception, e.reason) == ("failed", "failed", "rjct.payee_fa.invalid")


def test_a_return_after_payment_gives_the_money_back():
    e = apply_report("paid", 1, 600_000, Report(1, "rjct", 600_000, returned=True))
    assert (e.new_status, e.exception) == ("returned", "returned")


def test_the_same_success_twice_changes_nothing():
    assert apply_report("paid", 1, 600_000, Report(1, "succ", 600_000)).new_status is None


def test_pending_reports_change_nothing():
    assert apply_report("instructed", 1, 600_000, Report(1, "pdng", None)).new_status is None


def test_a_report_about_an_old_attempt_does_not_touch_the_reissued_payment():
    e = apply_report("reissued", 2, 600_000, Report(1, "rjct", None))
    assert e.new_status is None
    assert e.exception is None


def test_an_old_attempt_reported_paid_while_reissued_is_flagged_for_ops():
    e = apply_report("reissued", 2, 600_000, Report(1, "succ", 600_000))
    assert e.new_status is None
    assert e.exception == "stale_attempt_paid"


def test_a_rejection_after_payment_is_a_conflict_not_a_status_change():
    e = apply_report("paid", 1, 600_000, Report(1, "rjct", None))
    assert e.new_status is None
    assert e.exception == "conflicting_report"


def test_failed_payments_stay_failed_until_reissued():
    assert apply_report("failed", 1, 600_000, Report(1, "succ", 600_000)).new_status is None
