"""The OpenID Connect provider, as a relying party sees it: discovery, the authorization URL with PKCE (S256),
the code exchange and the id_token's verification (signature by the provider's JWKS, issuer, audience, nonce)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt

ALGORITHMS = ["EdDSA", "RS256", "ES256", "PS256"]


class SignInFailed(Exception):
    """The provider's answer cannot be trusted or used; `reason` says why (no secrets, no personal data)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class Pkce:
    verifier: str
    challenge: str

    @classmethod
    def new(cls) -> Pkce:
        verifier = secrets.token_urlsafe(48)
        digest = hashlib.sha256(verifier.encode()).digest()
        return cls(verifier, base64.urlsafe_b64encode(digest).decode().rstrip("="))


@dataclass(frozen=True)
class Tokens:
    access_token: str
    expires_in: int
    claims: dict[str, Any]  # the verified id_token's


class OidcProvider:
    def __init__(self, issuer: str, client_id: str, client_secret: str | None, http: httpx.AsyncClient) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.http = http
        self._config: dict[str, Any] | None = None
        self._keys: dict[str, Any] = {}

    async def config(self) -> dict[str, Any]:
        if self._config is None:
            try:
                r = await self.http.get(f"{self.issuer}/.well-known/openid-configuration")
                r.raise_for_status()
                found = r.json()
            except (httpx.HTTPError, ValueError) as err:
                raise SignInFailed(f"the sign-in provider's discovery cannot be read ({type(err).__name__})") \
                    from None
            if found.get("issuer", "").rstrip("/") != self.issuer:
                raise SignInFailed("the sign-in provider names another issuer in its discovery")
            if "S256" not in found.get("code_challenge_methods_supported", []):
                raise SignInFailed("the sign-in provider does not offer PKCE with S256")
            self._config = found
        return self._config

    async def authorization_url(self, redirect_uri: str, state: str, nonce: str, pkce: Pkce) -> str:
        config = await self.config()
        query = urlencode({"response_type": "code", "client_id": self.client_id, "redirect_uri": redirect_uri,
                           "scope": "openid profile", "state": state, "nonce": nonce,
                           "code_challenge": pkce.challenge, "code_challenge_method": "S256"})
        return f"{config['authorization_endpoint']}?{query}"

    async def exchange(self, code: str, redirect_uri: str, verifier: str, nonce: str) -> Tokens:
        config = await self.config()
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                "client_id": self.client_id, "code_verifier": verifier}
        auth = (self.client_id, self.client_secret) if self.client_secret else None
        try:
            r = await self.http.post(config["token_endpoint"], data=form, auth=auth or httpx.USE_CLIENT_DEFAULT)
        except httpx.HTTPError as err:
            raise SignInFailed(f"the sign-in provider cannot be reached ({type(err).__name__})") from None
        if r.status_code != 200:
            error = r.json().get("error", "error") if r.headers.get("content-type", "").startswith(
                "application/json") else str(r.status_code)
            raise SignInFailed(f"the sign-in provider refused the code ({error})")
        body = r.json()
        if not body.get("access_token") or not body.get("id_token"):
            raise SignInFailed("the sign-in provider sent no access_token or id_token")
        claims = await self.verify_id_token(str(body["id_token"]), nonce)
        return Tokens(str(body["access_token"]), int(body.get("expires_in") or 300), claims)

    async def _key(self, kid: str | None) -> Any:
        if kid not in self._keys:
            config = await self.config()
            try:
                r = await self.http.get(config["jwks_uri"])
                r.raise_for_status()
                self._keys = {k.get("kid"): jwt.PyJWK(k).key for k in r.json().get("keys", [])
                              if k.get("use", "sig") == "sig"}
            except (httpx.HTTPError, ValueError, jwt.PyJWTError) as err:
                raise SignInFailed(f"the sign-in provider's keys cannot be read ({type(err).__name__})") from None
        if kid not in self._keys:
            raise SignInFailed("the id_token is signed by a key the provider does not publish")
        return self._keys[kid]

    async def verify_id_token(self, token: str, nonce: str) -> dict[str, Any]:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            raise SignInFailed("the id_token is not a JWT") from None
        key = await self._key(kid)
        try:
            claims: dict[str, Any] = jwt.decode(token, key, algorithms=ALGORITHMS, audience=self.client_id,
                                                issuer=self.issuer, leeway=30,
                                                options={"require": ["exp", "iat", "sub", "aud", "iss"]})
        except jwt.PyJWTError as err:
            raise SignInFailed(f"the id_token was refused ({type(err).__name__})") from None
        if not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
            raise SignInFailed("the id_token answers another sign-in (nonce)")
        return claims
