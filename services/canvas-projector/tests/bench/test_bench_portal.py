"""`gotong bench portal` at a tiny size, not timed: the log and the read model fill, the portal's real app answers
200 over HTTP on every page, and the table names every page with its p99 and the goal with met / NOT met."""

import random

from canvas_projector.bench_portal import bench_portal, pages
from gotong.bench.harness import console


async def test_the_bench_runs_end_to_end_at_a_tiny_size(test_infra, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", test_infra.database_url)
    width = console.width
    console.width = 220
    try:
        with console.capture() as captured:
            figures = await bench_portal(payments=2_000, concurrency=4, requests=8, warmup=0)
    finally:
        console.width = width
    out = captured.get()
    expected = [name for name, _ in pages({"ids": ["x"], "size": 1, "regencies": ["32.73"]}, random.Random(0))]
    measured = {f.name for f in figures}
    assert set(expected) <= measured
    assert {"raw PostgreSQL SELECT 1 (baseline)", "/static/style.css (baseline)"} <= measured
    assert all(f.requests == 8 and len(f.latencies) == 8 for f in figures)
    for name in expected:
        assert name in out
    assert "goal every portal page p99 < 100 ms at 4 concurrent clients" in out
    assert "met" in out
