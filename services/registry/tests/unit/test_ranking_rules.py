"""Which quarter a ranking is of, decided in the domain on the day it is given (no clock read)."""

from datetime import date

import pytest

from gotong.domain.errors import ValidationFailed
from registry.domain.ranking import FIRST_RANKING_DAY, check_ranking_day, quarter_of


@pytest.mark.parametrize(("on", "quarter"), [(date(2026, 1, 1), ("2026-Q1", date(2026, 1, 1))),
                                             (date(2026, 3, 31), ("2026-Q1", date(2026, 1, 1))),
                                             (date(2026, 8, 15), ("2026-Q3", date(2026, 7, 1))),
                                             (date(2026, 12, 31), ("2026-Q4", date(2026, 10, 1)))])
def test_a_day_belongs_to_its_quarter(on, quarter):
    assert quarter_of(on) == quarter


def test_a_ranking_is_of_a_quarter_that_has_begun_in_the_registers_lifetime():
    today = date(2026, 6, 15)
    assert check_ranking_day(today, today) == today
    assert check_ranking_day(FIRST_RANKING_DAY, today) == FIRST_RANKING_DAY
    with pytest.raises(ValidationFailed, match="2026-06-16 has not come yet") as err:
        check_ranking_day(date(2026, 6, 16), today)
    assert err.value.field == "on"
    with pytest.raises(ValidationFailed, match=r"before the register existed \(first quarter 2025-Q1\)") as err:
        check_ranking_day(date(2024, 12, 31), today)
    assert err.value.field == "on"
