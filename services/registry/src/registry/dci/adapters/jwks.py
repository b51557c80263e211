"""A client's published keys (its JWKS URL), fetched with the same care as callbacks: https only (test origins
aside), never to an address that is not globally routable, no redirects; kept for `ttl_s` seconds."""

from __future__ import annotations

import time
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from registry.dci.adapters.callbacks import CallbackPolicy, CallbackRefused
from registry.dci.adapters.clients import origin
from registry.dci.adapters.signature import load_public_key


class JwksUnavailable(Exception):
    """The client's JWKS could not be read; the message names why, never an address."""


def check_url(policy: CallbackPolicy, url: str) -> str:
    """The URL if it may be fetched (https, or a test origin); raises ValueError naming why not."""
    try:
        target = origin(url)
    except ValueError as err:
        raise ValueError("jwks_url must be an absolute https URL") from err
    if not target.startswith("https://") and target not in policy.test_origins:
        raise ValueError("jwks_url must be an https URL")
    return url


class JwksCache:
    def __init__(self, policy: CallbackPolicy, ttl_s: float = 300.0, timeout_s: float = 5.0) -> None:
        self.policy = policy
        self.ttl_s = ttl_s
        self.timeout_s = timeout_s
        self._cache: dict[str, tuple[float, dict[str, Ed25519PublicKey]]] = {}

    async def keys(self, url: str, *, refresh: bool = False) -> dict[str, Ed25519PublicKey]:
        """The Ed25519 keys of the JWKS by `kid` (other key types are skipped)."""
        cached = self._cache.get(url)
        if cached is not None and not refresh and time.monotonic() - cached[0] < self.ttl_s:
            return cached[1]
        try:
            check_url(self.policy, url)
            await self.policy.addresses(url)
            async with httpx.AsyncClient(timeout=self.timeout_s, follow_redirects=False, trust_env=False) as http:
                response = await http.get(url)
            if response.status_code != 200:
                raise JwksUnavailable(f"the client's jwks_url answered HTTP {response.status_code}")
            published: Any = response.json()
        except (ValueError, CallbackRefused, httpx.HTTPError) as err:
            raise JwksUnavailable(f"the client's jwks_url could not be read ({type(err).__name__})") from err
        found: dict[str, Ed25519PublicKey] = {}
        for jwk in published.get("keys", []) if isinstance(published, dict) else []:
            if isinstance(jwk, dict) and jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519" and jwk.get("kid"):
                try:
                    found[str(jwk["kid"])] = load_public_key(jwk)
                except ValueError:
                    continue
        self._cache[url] = (time.monotonic(), found)
        return found
