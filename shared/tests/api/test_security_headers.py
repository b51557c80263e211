"""Every answer of a kit app carries the security headers (CSP with 'self' only and no framing, nosniff, DENY,
a referrer policy) — successes, problems and crashes alike — and /docs works from the kit's own files under a
policy that names its one inline script by hash, in a real browser with no network beyond the service."""

import asyncio
import base64
import hashlib
import re

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from playwright.async_api import async_playwright

from gotong.api.security_headers import CSP, SecurityHeaders
from gotong.infra.embedded import free_port

from .conftest import bearer

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def assert_secured(response: httpx.Response) -> None:
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-eval" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] in ("strict-origin-when-cross-origin", "no-referrer")


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/healthz", 200), ("GET", "/things", 200), ("GET", "/nowhere", 404), ("POST", "/things", 422),
    ("GET", "/things/boom", 500), ("GET", "/openapi.json", 200),
])
async def test_every_answer_carries_the_security_headers(client, method, path, status):
    r = await client.request(method, path, headers=bearer(), json={} if method == "POST" else None)
    assert r.status_code == status
    assert_secured(r)
    assert r.headers["content-security-policy"] == CSP
    assert "'unsafe-inline'" not in CSP


async def test_a_header_the_app_set_itself_is_kept():
    inner = FastAPI()

    @inner.get("/own")
    async def own() -> PlainTextResponse:
        return PlainTextResponse("x", headers={"Content-Security-Policy": "default-src 'none'"})

    app = SecurityHeaders(inner)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        r = await c.get("/own")
    assert r.headers["content-security-policy"] == "default-src 'none'"
    assert r.headers.get_list("content-security-policy") == ["default-src 'none'"]
    assert r.headers["x-frame-options"] == "DENY"


async def test_docs_load_the_kits_own_assets_and_allow_only_their_inline_script_by_hash(client):
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        r = await client.get(path)
        assert r.status_code == 200, path
        assert_secured(r)
        assert "cdn." not in r.text, path
        assert "fonts.googleapis" not in r.text, path
        inline = re.findall(r"<script>(.*?)</script>", r.text, re.DOTALL)
        csp = r.headers["content-security-policy"]
        for body in inline:
            digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in csp, path
        script_src = csp.split("script-src ")[1].split(";")[0]
        assert script_src.startswith("'self'"), path
        assert "unsafe-inline" not in script_src, path
    for asset in re.findall(r'(?:src|href)="(/docs-assets/[^"]+)"', (await client.get("/docs")).text):
        served = await client.get(asset)
        assert served.status_code == 200, asset
        assert served.headers["x-content-type-options"] == "nosniff"
    assert (await client.get("/docs-assets/LICENSE-swagger-ui")).status_code == 200


async def test_swagger_ui_renders_in_a_browser_under_its_policy_without_any_other_origin(app):
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = await browser.new_page()
            violations: list[str] = []
            foreign: list[str] = []
            page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
            own = (base, "data:", f"blob:{base}")
            page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(own) else None)
            await page.goto(f"{base}/docs")
            await page.locator(".swagger-ui .info .title").filter(has_text="things").wait_for(timeout=20_000)
            await page.locator(".opblock-summary-path", has_text="/things/public").first.wait_for()
            await page.goto(f"{base}/redoc")
            await page.locator("h1", has_text="things").first.wait_for(timeout=20_000)
            await browser.close()
    finally:
        server.should_exit = True
        await task
    # ReDoc's "powered by" badge points at an image on its CDN: the policy blocks it, the docs lose nothing.
    badge = "https://cdn.redoc.ly/"
    assert [v for v in violations if badge not in v] == []
    assert [url for url in foreign if not url.startswith(badge)] == []
