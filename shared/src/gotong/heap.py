"""The cyclic garbage collector on bulk paths: what a process keeps for its whole life out of its scans, and no
collections while a batch builds objects that all stay alive.

Reference counting frees what dies either way; these only spare the collector walking, again and again, objects
it cannot free (measured: a fifth of the relay's CPU per event, ~10 µs an event of the transparency replay, a
third of its handler's CPU).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

_settled = False


def settle_once() -> None:
    """Once a process (its first long-running loop — consumer, relay — calls it at start): what is alive then
    (modules, the app, its clients) is collected once and frozen out of the collector's sight (`gc.freeze`).
    Frozen objects are still freed when their last reference goes; only cycles among them are kept, and start-up
    state lives as long as the process."""
    global _settled
    if not _settled:
        _settled = True
        gc.collect()
        gc.freeze()


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection inside (a batch's records, a cycle's entitlements: tens of thousands of containers that
    all live until they are written). Only around code that does not await, so no other task runs meanwhile."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
