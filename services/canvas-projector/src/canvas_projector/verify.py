"""Verify a transparency receipt offline: `python -m canvas_projector.verify receipt.json --key VKEY`.

Checks the checkpoint's Ed25519 signature against the published verifier key, then the record's inclusion proof
against the checkpoint's root (RFC 9162). Needs nothing from Gotong's servers.
"""

from __future__ import annotations

import argparse
import json
import sys

from canvas_projector.transparency.log import verify_receipt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("receipt", help="receipt JSON file, or - for standard input")
    parser.add_argument("--key", required=True, help="the log's verifier key, name+keyid+base64")
    args = parser.parse_args(argv)
    text = sys.stdin.read() if args.receipt == "-" else open(args.receipt, encoding="utf-8").read()
    try:
        checkpoint = verify_receipt(json.loads(text), args.key)
    except (ValueError, KeyError, TypeError) as err:
        sys.stderr.write(f"NOT VERIFIED: {err}\n")
        return 1
    sys.stdout.write(f"verified: record {json.loads(text)['record']['payment_id']} is leaf "
                     f"{json.loads(text)['leaf_index']} of {checkpoint.origin} at size {checkpoint.size}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
