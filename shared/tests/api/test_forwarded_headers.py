"""`gotong serve` believes X-Forwarded-For only from the proxies FORWARDED_ALLOW_IPS names: otherwise a client's
address is its connection's, so a forged header cannot buy a fresh rate-limit bucket."""

import asyncio
import socket

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from gotong.settings import KitSettings


async def who(request: Request) -> PlainTextResponse:
    return PlainTextResponse(request.client.host if request.client else "-")


APP = Starlette(routes=[Route("/", who)])


async def client_address_seen(settings: KitSettings) -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(APP, host="127.0.0.1", port=port, log_config=None, lifespan="off",
                                           **settings.server_options()))  # type: ignore[arg-type]
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            assert not task.done(), "uvicorn did not start"
            await asyncio.sleep(0.02)
        async with httpx.AsyncClient() as http:
            r = await http.get(f"http://127.0.0.1:{port}/", headers={"X-Forwarded-For": "203.0.113.7"})
        return r.text
    finally:
        server.should_exit = True
        await task


async def test_a_forged_forwarding_header_is_ignored_by_default(monkeypatch):
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    assert KitSettings().server_options() == {"proxy_headers": False}
    assert await client_address_seen(KitSettings()) == "127.0.0.1"


async def test_a_named_proxy_is_believed():
    settings = KitSettings(forwarded_allow_ips="127.0.0.1")
    assert await client_address_seen(settings) == "203.0.113.7"
