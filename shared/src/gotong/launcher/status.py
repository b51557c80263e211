"""`gotong status`: readiness, relay lag and consumer lag of each service of a running system."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families
from rich.console import Console
from rich.table import Table

from gotong.launcher.state import StateDir, same_process


def _lags(metrics_text: str) -> tuple[float | None, float | None]:
    relay = consumer = None
    for family in text_string_to_metric_families(metrics_text):
        for sample in family.samples:
            if sample.name == "gotong_relay_lag_events":
                relay = (relay or 0) + sample.value
            elif sample.name == "gotong_consumer_lag_messages":
                consumer = (consumer or 0) + sample.value
    return relay, consumer


def collect(state: StateDir) -> list[dict[str, object]] | None:
    run = state.read_run()
    if not run:
        return None
    rows = []
    with httpx.Client(timeout=3) as http:
        for name, svc in run.get("services", {}).items():
            row: dict[str, object] = {"service": name, "url": svc["url"], "process": bool(same_process(svc))}
            try:
                ready = http.get(f"{svc['url']}/readyz")
                row["ready"] = ready.status_code == 200
                row["relay_lag"], row["consumer_lag"] = _lags(http.get(f"{svc['url']}/metrics").text)
            except httpx.HTTPError:
                row.update(ready=False, relay_lag=None, consumer_lag=None)
            rows.append(row)
    return rows


def show_status(state: StateDir) -> int:
    console = Console()
    rows = collect(state)
    if rows is None:
        console.print(f"Gotong is not running (no {state.run_file}). Start it with `gotong up`.")
        return 1
    table = Table(title="Gotong")
    for col in ("service", "ready", "relay lag", "consumer lag", "url"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r["service"]), "[green]ready[/green]" if r["ready"] else "[red]NOT READY[/red]",
                      _fmt(r["relay_lag"]), _fmt(r["consumer_lag"]), str(r["url"]))
    console.print(table)
    return 0 if all(r["ready"] for r in rows) else 2


def _fmt(value: object) -> str:
    return "-" if value is None else f"{int(value):,}"  # type: ignore[call-overload]
