"""Published figures: how numbers are written in each language, and small cells never published."""

import pytest

from canvas_projector.domain.figures import (
    MIN_CELL,
    by_province,
    number,
    protect,
    ratio,
    rupiah,
    small_count,
    suppress,
)


def test_numbers_as_each_language_writes_them():
    assert (rupiah(1_500_000, "id"), rupiah(1_500_000, "en")) == ("Rp\u00a01.500.000", "Rp\u00a01,500,000")
    assert rupiah(1_500_000) == rupiah(1_500_000, "id"), "Indonesian first"
    assert (number(1_234_567, "id"), number(1_234_567, "en")) == ("1.234.567", "1,234,567")
    assert (ratio(4, 5, "id"), ratio(4, 5, "en"), ratio(1, 0, "id")) == ("0,80", "0.80", "\u2014")


@pytest.mark.parametrize(("households", "expected"), [
    (0, ("< 10", "—")), (MIN_CELL - 1, ("< 10", "—")), (MIN_CELL, ("10", "Rp\u00a07.500.000")),
])
def test_a_group_below_the_minimum_cell_shows_neither_count_nor_amount(households, expected):
    assert suppress(households, 750_000 * households, "id") == expected


def test_a_count_of_households_is_shown_only_when_it_cannot_point_at_anyone():
    assert (small_count(9, "id"), small_count(12, "id"), small_count(1_200, "en")) == ("< 10", "12", "1,200")


def test_regions_roll_up_to_provinces():
    groups = [("32.73.01.1001", 5, 100), ("32.01.02.2002", 7, 50), ("33.01.01.1001", 1, 10), (None, 2, 5)]
    assert by_province(groups) == {"32": (12, 150), "33": (1, 10), "": (2, 5)}  # type: ignore[arg-type]


def test_without_small_groups_the_groups_are_published_largest_amount_first():
    assert protect([("a", 10, 1), ("b", 20, 5), ("c", 15, 3)], "other") == [("b", 20, 5), ("c", 15, 3),
                                                                              ("a", 10, 1)]


def test_a_small_pool_takes_the_smallest_published_groups_until_it_is_big_enough():
    out = protect([("a", 10, 100), ("b", 11, 200), ("c", 40, 50), ("x", 3, 7)], "other")
    assert out == [("b", 11, 200), ("c", 40, 50), ("other", 13, 107)]
    assert sum(g[1] for g in out) == 64, "nothing lost"
    everyone_small = protect([("x", 3, 7), ("y", 2, 1)], "other")
    assert everyone_small == [("other", 5, 8)]
