"""`gotong contracts export DIR`: write the JSON Schemas and the AsyncAPI document of every topic."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.group("contracts")
def contracts() -> None:
    """Published event contracts (JSON Schema, AsyncAPI)."""


@contracts.command("export")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path), default=Path("docs/contracts"))
def export(out: Path) -> None:
    """Write <OUT>/asyncapi.json and <OUT>/schemas/<service>/<Event>.v<n>.json."""
    from gotong_contracts.catalog import asyncapi, json_schemas

    for key, schema in json_schemas().items():
        path = out / "schemas" / f"{key}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")
    (out / "asyncapi.json").write_text(json.dumps(asyncapi(), indent=2) + "\n")
    click.echo(f"wrote {len(json_schemas())} schemas and asyncapi.json to {out}")
