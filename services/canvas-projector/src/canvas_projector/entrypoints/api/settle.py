"""Before the server takes its first request: the reference data the pages read loaded, the portal's templates
compiled, and everything alive then moved out of the garbage collector's way (`gc.freeze()`).

Two pauses would otherwise stop every request in flight. The first page that names a village loads the
region names (91,599 rows: about 2 s on a busy 2-core machine, with the event loop held). And a full collection
walks every object the process holds — the app, its libraries and those regions: 340–770 ms measured on that
machine, coming whenever enough new objects have outlived younger collections (making a page does that), so it
lands on whichever page is being measured or served then. Frozen at startup, those objects are never walked
again: a full collection walks only what was made since (remembered answers, figures), a few milliseconds.

Only the ASGI lifespan passes through here: it settles when the app's own startup has completed (its engine,
consumers and sealer started), before the server says it is ready.
"""

from __future__ import annotations

import gc

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from canvas_projector.entrypoints.api.portal import templates
from gotong.reference import region_names


def settle() -> None:
    """Load what the pages read, compile the templates, collect what is garbage now and freeze the rest."""
    region_names()
    region_names(4)  # a receipt's village, for `/verifikasi/konteks`
    for name in templates.env.list_templates():
        templates.env.get_template(name)
    gc.collect()
    gc.freeze()


class Settle:
    """ASGI middleware: `settle()` once the app's startup has completed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def settled(message: Message) -> None:
            if message["type"] == "lifespan.startup.complete":
                settle()
            await send(message)

        await self.app(scope, receive, settled)
