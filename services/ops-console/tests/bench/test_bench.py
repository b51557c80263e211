"""`gotong bench console` at a tiny size, not timed: every part starts, the officer signs in, every page answers
200, every fact produced reaches the open dashboard, and the table names each goal with met / NOT met."""

from gotong.bench.harness import console
from ops_console.bench import PAGES, Sizes, bench_console, print_figures


async def test_the_bench_runs_end_to_end_at_a_tiny_size(test_infra, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", test_infra.database_url)
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", test_infra.kafka_bootstrap)
    sizes = Sizes(households=2_000, reviews=300, allocations=50, requests=3, rate=100, seconds=1.0)
    figures = await bench_console(sizes)
    assert set(figures.ours) == set(PAGES)
    assert all(len(times) == 3 for times in figures.ours.values())
    assert set(figures.raw) == set(PAGES)
    assert figures.produced == 100
    assert len(figures.live) == 100, "every fact produced reached the open dashboard"
    assert len(figures.live_raw) == 100
    width = console.width
    console.width = 220
    try:
        with console.capture() as captured:
            print_figures(figures, sizes)
    finally:
        console.width = width
    out = captured.get()
    assert "GET /reviews?status=open" in out
    assert "p99 < 300 ms" in out
    assert "p99 < 2 s" in out
    assert "met" in out
