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

#: The collector's thresholds for a long-running loop (consumer, relay): a young collection once 20,000 containers
#: more were made than freed, not 700. A batch of thousands of events outlives hundreds of young collections at the
#: default, and each walks it again (measured on the transparency replay: a third of the process's CPU per event,
#: 45 -> 32 us; 20,000 and 100,000 measured alike). A young collection then walks up to ~20,000 objects, about a
#: millisecond (30,000 in 1.5 ms measured): requests served by the same process meet that pause now and then rather
#: than many shorter ones.
LOOP_THRESHOLDS = (20_000, 50, 100)


def settle_once() -> None:
    """Once a process (its first long-running loop — consumer, relay — calls it at start): what is alive then
    (modules, the app, its clients) is collected once and frozen out of the collector's sight (`gc.freeze`).
    Frozen objects are still freed when their last reference goes; only cycles among them are kept, and start-up
    state lives as long as the process. And young collections come less often (`LOOP_THRESHOLDS`)."""
    global _settled
    if not _settled:
        _settled = True
        gc.collect()
        gc.freeze()
        gc.set_threshold(*LOOP_THRESHOLDS)


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
