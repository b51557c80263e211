#!/usr/bin/env python3
"""Lighthouse scores (mobile preset, headless Chromium) for the public pages: the portal's home and `/kanvas`,
and the registry's `/cek-status`. A measurement to read, not a test.

    .venv/bin/python tools/lighthouse_scores.py                 serve both on a throwaway PostgreSQL, then measure
    .venv/bin/python tools/lighthouse_scores.py --portal http://127.0.0.1:8106 --registry http://127.0.0.1:8101

Lighthouse comes from npm (`npx --yes lighthouse@12` unless LIGHTHOUSE names a lighthouse binary); Chromium is
/usr/bin/chromium unless CHROME_PATH says otherwise. Reports (JSON) go to test-artifacts/lighthouse/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any
from uuid import uuid4

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "test-artifacts" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices")
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --no-first-run --disable-background-networking"
#: Provinces and how many households each: enough that the home page's figures are published, not pooled.
PROVINCES = {"11": 12, "12": 14, "31": 25, "32": 40, "33": 33, "35": 38, "52": 15, "53": 11}


async def serve(app: Any, stack: AsyncExitStack) -> str:
    import uvicorn

    from gotong.infra.embedded import free_port

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="off"))
    await stack.enter_async_context(app.router.lifespan_context(app))
    task = asyncio.create_task(server.serve())

    async def stop() -> None:
        server.should_exit = True
        await task

    stack.push_async_callback(stop)
    while not server.started:
        if task.done():
            raise RuntimeError("uvicorn did not start")
        await asyncio.sleep(0.05)
    return f"http://127.0.0.1:{port}"


async def seed_portal(app: Any) -> None:
    """Payments in several provinces under a signed checkpoint, and the program they belong to."""
    from gotong_contracts.disbursement import PaymentRecorded

    from canvas_projector.adapters.transparency_log import TransparencyLogTable
    from canvas_projector.application import transparency
    from canvas_projector.entrypoints.state import projector_state
    from gotong.api.app import runtime
    from gotong.eventstore.model import Position

    payments: list[tuple[Position, PaymentRecorded]] = []
    for province, n in PROVINCES.items():
        for i in range(n):
            payments.append((Position(1, len(payments) + 1), PaymentRecorded(
                payment_id=str(uuid4()), household_ref=f"hh-{province}-{i}", program_id="p-pkh", program_code="PKH",
                cycle_id="c-2026-q3", period="2026-Q3", amount=750_000, region_code=f"{province}.01.01.2001",
                province_code=province, regency_code=f"{province}.01", funding_source="apbn", status="paid",
                occurred_at="2026-09-01T00:00:00Z")))
    async with runtime(app).database.transaction() as sql:
        await sql.execute("INSERT INTO proj_programs VALUES ('p-pkh', 'PKH', 'Program Keluarga Harapan', 'APBN', "
                          "'Rumah tangga desil 1-4 dengan ibu hamil, anak usia sekolah atau lansia.', now())")
        log = TransparencyLogTable(sql)
        await transparency.stage_payments(log, payments)
        await transparency.seal(log, Position(1, len(payments) + 1))
        await transparency.sign_checkpoint(log, projector_state(app).tlog)


@asynccontextmanager
async def served(tmp: Path) -> AsyncIterator[tuple[str, str]]:
    """The portal and the registry on a throwaway PostgreSQL (and broker), each with a database of its own."""
    from canvas_projector.bootstrap import create_app as create_portal
    from canvas_projector.config import Settings as PortalSettings
    from gotong.db import drop_database
    from gotong.messaging.topics import dlq_topic, ensure_topics, events_topic
    from gotong.testing.infra import start_test_infra
    from gotong.testing.plugin import create_test_database
    from registry.config import Settings as RegistrySettings
    from registry.entrypoints.api.app import create_app as create_registry

    infra = start_test_infra()
    try:
        topics = [events_topic("registry"), events_topic("disbursement")]
        await ensure_topics(infra.kafka_bootstrap, [*topics, *(dlq_topic(t) for t in topics)])
        databases = [await create_test_database(infra.database_url, s) for s in ("canvas-projector", "registry")]
        try:
            async with AsyncExitStack() as stack:
                portal = create_portal(PortalSettings(
                    database_url=databases[0], kafka_bootstrap_servers=infra.kafka_bootstrap, relay_enabled=False,
                    tlog_signing_key_path=str(tmp / "tlog.pem")), consumers=False)
                registry = create_registry(RegistrySettings(
                    database_url=databases[1], kafka_bootstrap_servers=infra.kafka_bootstrap, relay_enabled=False,
                    consume_disbursement=False))
                portal_url = await serve(portal, stack)
                registry_url = await serve(registry, stack)
                await seed_portal(portal)
                yield portal_url, registry_url
        finally:
            for url in databases:
                await drop_database(url)
    finally:
        infra.close()


async def lighthouse(url: str, name: str) -> dict[str, int]:
    command = shlex.split(os.environ.get("LIGHTHOUSE", "npx --yes lighthouse@12"))
    report = OUT / f"{name}.json"
    process = await asyncio.create_subprocess_exec(
        *command, url, "--quiet", "--output=json", f"--output-path={report}",
        f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={CHROME_FLAGS}",
        env={**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")})
    if await process.wait() != 0:
        raise RuntimeError(f"lighthouse failed on {url}")
    categories = json.loads(report.read_text())["categories"]
    return {c: round(100 * (categories[c]["score"] or 0)) for c in CATEGORIES}


async def measure(portal: str, registry: str) -> dict[str, dict[str, int]]:
    OUT.mkdir(parents=True, exist_ok=True)
    pages = {"portal-home": f"{portal}/", "registry-cek-status": f"{registry}/cek-status",
             "portal-kanvas": f"{portal}/kanvas"}
    return {name: await lighthouse(url, name) for name, url in pages.items()}  # one Chromium at a time


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--portal", help="a running portal (canvas-projector) to measure")
    parser.add_argument("--registry", help="a running registry to measure")
    args = parser.parse_args()
    if args.portal and args.registry:
        scores = await measure(args.portal, args.registry)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            async with served(Path(tmp)) as (portal, registry):
                scores = await measure(portal, registry)
    width = max(map(len, scores))
    lines = [f"{'page':<{width}}  " + "  ".join(f"{c:>14}" for c in CATEGORIES)]
    lines += [f"{name:<{width}}  " + "  ".join(f"{score[c]:>14}" for c in CATEGORIES) for name, score in scores.items()]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0 if all(s >= 95 for score in scores.values() for s in score.values()) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
