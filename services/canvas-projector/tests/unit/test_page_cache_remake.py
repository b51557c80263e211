"""While a remembered page is made again for the data's new version, only the request making it waits: the others
get the page as it was (up to REMAKE_S old), and the next request after it is made gets the new one."""

import asyncio

from canvas_projector.entrypoints.api.page_cache import REMAKE_S, STALE_S, PageCache


class Site:
    """An ASGI app whose page says the data's version, and which can be held while it makes a page."""

    def __init__(self) -> None:
        self.data = 1
        self.made = 0
        self.gate: asyncio.Event | None = None

    async def version(self) -> int:
        return self.data

    async def __call__(self, scope, receive, send) -> None:
        self.made += 1
        shown = self.data
        if self.gate is not None:
            await self.gate.wait()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": f"data {shown}".encode()})


async def get(cache: PageCache, path: str = "/") -> bytes:
    body = b""

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message) -> None:
        nonlocal body
        if message["type"] == "http.response.body":
            body += message.get("body", b"")

    scope = {"type": "http", "method": "GET", "path": path, "query_string": b"", "headers": []}
    await cache(scope, receive, send)
    return body


async def moved(site: Site, clock: list[float], data: int) -> None:
    """The data moves on and the known version ages past STALE_S, so the next request reads the new one."""
    site.data = data
    clock[0] += STALE_S + 0.1


async def test_readers_get_the_page_as_it_was_while_one_request_makes_the_new_one():
    site, clock = Site(), [0.0]
    cache = PageCache(site, site.version, clock=lambda: clock[0])
    assert await get(cache) == b"data 1"
    await moved(site, clock, 2)
    site.gate = asyncio.Event()
    maker = asyncio.create_task(get(cache))
    while site.made < 2:  # the maker is inside the route, held
        await asyncio.sleep(0)
    readers = await asyncio.wait_for(asyncio.gather(*(get(cache) for _ in range(5))), timeout=5)
    assert readers == [b"data 1"] * 5, "the others did not wait for the page being made"
    assert site.made == 2, "one request makes the new page, not each reader"
    site.gate.set()
    assert await maker == b"data 2"
    assert await get(cache) == b"data 2"
    assert site.made == 2


async def test_a_page_older_than_remake_s_is_not_served_meanwhile():
    site, clock = Site(), [0.0]
    cache = PageCache(site, site.version, clock=lambda: clock[0])
    assert await get(cache) == b"data 1"
    await moved(site, clock, 2)
    clock[0] += REMAKE_S
    site.gate = asyncio.Event()
    maker = asyncio.create_task(get(cache))
    while site.made < 2:
        await asyncio.sleep(0)
    reader = asyncio.create_task(get(cache))
    await asyncio.sleep(0.05)
    assert not reader.done(), "a page a minute old answered instead of waiting for the new one"
    site.gate.set()
    assert await maker == b"data 2"
    assert await reader == b"data 2"
    assert site.made == 2, "the waiting reader shared the page being made"
