"""Small-cell protection: no group under 10 households is published, alone or by subtraction from the total."""

from canvas_projector.domain.figures import MIN_CELL, protect


def test_small_groups_are_pooled_and_the_pool_is_never_small():
    groups = [("A", 120, 90_000_000), ("B", 15, 11_250_000), ("C", 3, 2_250_000), ("D", 2, 1_500_000)]
    out = protect(groups, "Others")
    assert ("C", 3, 2_250_000) not in out
    assert all(h >= MIN_CELL for _, h, _ in out)
    assert sum(h for _, h, _ in out) == 140
    assert sum(a for _, _, a in out) == 105_000_000
    assert out[-1] == ("Others", 20, 15_000_000), "B joined the pool: C+D alone would be 5 households"


def test_nothing_small_means_nothing_pooled():
    groups = [("A", 10, 1), ("B", 30, 5)]
    assert protect(groups, "Others") == [("B", 30, 5), ("A", 10, 1)]


def test_when_everything_is_small_only_one_pooled_row_remains():
    out = protect([("A", 3, 30), ("B", 4, 40)], "Others")
    assert out == [("Others", 7, 70)]
