"""At startup, once the app's own startup has completed, the region names are loaded and what is alive is frozen
out of the garbage collector's way; requests pass through untouched."""

import gc

from canvas_projector.entrypoints.api.settle import Settle
from gotong.reference import region_names


async def test_startup_loads_the_region_names_and_freezes_what_is_alive():
    events: list[str] = []

    async def app(scope, receive, send):
        events.append(scope["type"])
        if scope["type"] == "lifespan":
            assert (await receive())["type"] == "lifespan.startup"
            events.append(f"frozen before complete: {gc.get_freeze_count()}")
            await send({"type": "lifespan.startup.complete"})
        else:
            await send({"type": "http.response.start", "status": 204, "headers": []})

    sent: list[dict] = []

    async def receive():
        return {"type": "lifespan.startup"}

    async def send(message):
        sent.append({**message, "frozen": gc.get_freeze_count()})

    gc.unfreeze()
    region_names.cache_clear()
    try:
        await Settle(app)({"type": "lifespan"}, receive, send)
        assert events == ["lifespan", "frozen before complete: 0"], "nothing settles before the app has started"
        assert sent[0]["type"] == "lifespan.startup.complete"
        assert sent[0]["frozen"] > 10_000, "the app's objects frozen before the server is told it started"
        assert region_names.cache_info().currsize == 2, "provinces and regencies, and down to villages"
        await Settle(app)({"type": "http"}, receive, send)
        assert sent[-1]["status"] == 204
    finally:
        gc.unfreeze()
