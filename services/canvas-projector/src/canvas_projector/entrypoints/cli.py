"""Command line: verify a transparency receipt offline, as `python -m canvas_projector.verify receipt.json --key
VKEY` or `gotong canvas-projector verify receipt.json --key VKEY`.

Checks the checkpoint's Ed25519 signature against the published verifier key, then the record's inclusion proof
against the checkpoint's root (RFC 9162). Needs nothing from Gotong's servers.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

import click

from canvas_projector.domain.transparency import verify_receipt


def check(text: str, key: str) -> tuple[bool, str]:
    """(verified, what to say) for a receipt's JSON text and the log's verifier key."""
    try:
        receipt = json.loads(text)
        checkpoint = verify_receipt(receipt, key)
    except (ValueError, KeyError, TypeError) as err:
        return False, f"NOT VERIFIED: {err}\n"
    return True, (f"verified: record {receipt['record']['payment_id']} is leaf {receipt['leaf_index']} of "
                  f"{checkpoint.origin} at size {checkpoint.size}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a transparency receipt offline: "
                                                 "`python -m canvas_projector.verify receipt.json --key VKEY`.")
    parser.add_argument("receipt", help="receipt JSON file, or - for standard input")
    parser.add_argument("--key", required=True, help="the log's verifier key, name+keyid+base64")
    args = parser.parse_args(argv)
    text = sys.stdin.read() if args.receipt == "-" else open(args.receipt, encoding="utf-8").read()
    verified, message = check(text, args.key)
    (sys.stdout if verified else sys.stderr).write(message)
    return 0 if verified else 1


@click.group("canvas-projector")
def cli() -> None:
    """The canvas projector's tools (the transparency log)."""


@cli.command("verify")
@click.argument("receipt", type=click.File("r", encoding="utf-8"))
@click.option("--key", required=True, help="the log's verifier key, name+keyid+base64 (GET /transparency/key)")
def verify(receipt: TextIO, key: str) -> None:
    """Verify a receipt (a JSON file, or - for standard input) offline against the log's verifier key."""
    verified, message = check(receipt.read(), key)
    click.echo(message, nl=False, err=not verified)
    if not verified:
        raise SystemExit(1)
