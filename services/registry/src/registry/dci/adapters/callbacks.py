"""Callbacks to ministries without server-side request forgery: only to origins registered for the client,
never to an address that is not globally routable (loopback, private, link-local/metadata, CGNAT, reserved),
checked on every address the host resolves to just before connecting — and the connection goes to the
address that was checked (the name still travels as Host and TLS SNI), so DNS cannot be switched between
the check and the request. Redirects are not followed.

Only origins listed in `DCI_TEST_CALLBACK_ORIGINS` (a setting for tests, never for production) skip the
address check, and only for that exact origin.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit, urlunsplit

import httpx

from registry.dci.adapters.clients import DciClient, origin

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class CallbackRefused(Exception):
    """The target is not allowed; the message says why without echoing resolved addresses."""


def _public(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class CallbackPolicy:
    def __init__(self, test_origins: Iterable[str] = ()) -> None:
        self.test_origins = frozenset(origin(o) for o in test_origins)

    def registered(self, client: DciClient, url: str) -> str:
        """The URL if its origin is registered for the client (https unless a test origin)."""
        try:
            target = origin(url)
        except ValueError as err:
            raise CallbackRefused("the callback URL is not an absolute http(s) URL") from err
        if urlsplit(url).username or urlsplit(url).password:
            raise CallbackRefused("the callback URL must not carry credentials")
        if target not in client.callback_origins:
            raise CallbackRefused("the callback origin is not registered for this client")
        if not target.startswith("https://") and target not in self.test_origins:
            raise CallbackRefused("callbacks go over https only")
        return url

    async def addresses(self, url: str) -> list[IPAddress]:
        """The addresses to connect to, all of them checked; [] for a test origin (connect by name)."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        if origin(url) in self.test_origins:
            return []
        try:
            found: list[IPAddress] = [ipaddress.ip_address(host)]
        except ValueError:
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(host, parts.port or 443,
                                                                     type=socket.SOCK_STREAM)
            except OSError as err:
                raise CallbackRefused("the callback host does not resolve") from err
            found = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
        if not found:
            raise CallbackRefused("the callback host does not resolve")
        if not all(_public(ip) for ip in found):
            raise CallbackRefused("the callback host resolves to a loopback, private, link-local or reserved "
                                  "address")
        return found

    async def check(self, client: DciClient, url: str) -> str:
        self.registered(client, url)
        await self.addresses(url)
        return url


async def post(http: httpx.AsyncClient, policy: CallbackPolicy, url: str, body: bytes, timeout: float) -> int:
    """POST `body` to `url` through a checked address; returns the HTTP status."""
    addresses = await policy.addresses(url)
    parts = urlsplit(url)
    headers = {"content-type": "application/json"}
    extensions: dict[str, str] = {}
    target = url
    if addresses:
        ip = addresses[0]
        host = f"[{ip}]" if isinstance(ip, ipaddress.IPv6Address) else str(ip)
        port = f":{parts.port}" if parts.port else ""
        target = urlunsplit((parts.scheme, f"{host}{port}", parts.path or "/", parts.query, ""))
        headers["host"] = parts.netloc.rsplit("@", 1)[-1]
        if parts.scheme == "https" and parts.hostname:
            extensions["sni_hostname"] = parts.hostname
    response = await http.post(target, content=body, headers=headers, timeout=timeout,
                               extensions=extensions, follow_redirects=False)
    return response.status_code


class CallbackSender:
    """Delivers queued callbacks with one HTTP client for the worker's lifetime (no proxies from the
    environment, no redirects)."""

    def __init__(self, policy: CallbackPolicy) -> None:
        self.policy = policy
        self.http: httpx.AsyncClient | None = None

    async def start(self, timeout: float) -> None:
        self.http = httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False)

    @property
    def started(self) -> bool:
        return self.http is not None

    async def close(self) -> None:
        if self.http is not None:
            await self.http.aclose()

    async def send(self, client: DciClient | None, url: str, body: Callable[[], bytes], timeout: float) -> str | None:
        """None when the client took it (2xx); otherwise why not (no URL or personal data in the text). `body`
        is unsealed only once the target is known to be allowed."""
        assert self.http is not None
        try:
            if client is None:
                raise CallbackRefused("the client is no longer registered")
            self.policy.registered(client, url)
            code = await post(self.http, self.policy, url, body(), timeout)
        except CallbackRefused as err:
            return f"refused: {err}"
        except httpx.HTTPError as err:
            return type(err).__name__
        return None if 200 <= code < 300 else f"HTTP {code}"
