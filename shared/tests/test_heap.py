"""The collector settings of long-running loops (`gotong.heap`)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from gotong import heap


@pytest.fixture
def unsettled(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A process that has not settled yet; the collector's thresholds as they were afterwards."""
    thresholds = gc.get_threshold()
    monkeypatch.setattr(heap, "_settled", False)
    yield
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("unsettled")
def test_settling_freezes_what_lives_and_spaces_young_collections() -> None:
    gc.set_threshold(700, 10, 10)
    survivor = [object() for _ in range(10)]  # alive when the loop starts: frozen with the rest
    frozen_before = gc.get_freeze_count()
    heap.settle_once()
    assert gc.get_threshold() == heap.LOOP_THRESHOLDS
    assert gc.get_freeze_count() > frozen_before
    assert survivor


@pytest.mark.usefixtures("unsettled")
def test_settling_happens_once_a_process() -> None:
    heap.settle_once()
    gc.set_threshold(700, 10, 10)  # what a caller set since (an import's own thresholds) stays
    heap.settle_once()
    assert gc.get_threshold() == (700, 10, 10)


def test_the_collector_is_paused_inside_and_as_it_was_after() -> None:
    assert gc.isenabled()
    with heap.collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with heap.collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()
