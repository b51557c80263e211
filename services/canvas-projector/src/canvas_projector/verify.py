"""Verify a transparency receipt offline: `python -m canvas_projector.verify receipt.json --key VKEY`
(the program is `entrypoints/cli.py`)."""

from __future__ import annotations

from canvas_projector.entrypoints.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
