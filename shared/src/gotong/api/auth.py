"""Bearer JWT verification against a JWKS URL (any OIDC provider), scopes per endpoint, clear 401/403."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Any, Protocol

import httpx
import jwt
from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict

from gotong.domain.errors import DomainError

ALGORITHMS = ["EdDSA", "RS256", "ES256"]


class Principal(BaseModel):
    model_config = ConfigDict(frozen=True)

    subject: str
    client_id: str | None = None
    scopes: frozenset[str] = frozenset()

    def has(self, scope: str) -> bool:
        return "*" in self.scopes or scope in self.scopes


ANONYMOUS_ALL = Principal(subject="anonymous", client_id=None, scopes=frozenset({"*"}))


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"
    title = "Authentication required"

    def __init__(self, detail: str, error: str = "invalid_token") -> None:
        super().__init__(detail, headers={"WWW-Authenticate": f'Bearer error="{error}", error_description="{detail}"'})


class InsufficientScope(DomainError):
    status = 403
    code = "insufficient-scope"
    title = "Your token lacks a scope this needs"

    def __init__(self, missing: list[str]) -> None:
        scope = " ".join(missing)
        super().__init__(f"missing scope: {scope}", missing_scopes=missing,
                         headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'})


class TokenVerifier(Protocol):
    async def verify(self, token: str) -> Principal: ...


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    raw = claims.get("scope") or claims.get("scp") or ""
    scopes = raw.split() if isinstance(raw, str) else list(raw)
    return Principal(subject=str(claims.get("sub", "")), client_id=claims.get("client_id") or claims.get("azp"),
                     scopes=frozenset(scopes))


class JWKSVerifier:
    """Verifies tokens with keys from a JWKS URL; refetches on an unknown key id at most every 30 s."""

    def __init__(self, jwks_url: str, *, issuer: str | None = None, audience: str | None = None,
                 leeway: int = 30, client: httpx.AsyncClient | None = None) -> None:
        self.jwks_url = jwks_url
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        self._client = client
        self._keys: dict[str, Any] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def _refresh(self) -> None:
        async with self._lock:
            if time.monotonic() - self._fetched_at < 30 and self._keys:
                return
            client = self._client or httpx.AsyncClient(timeout=5)
            try:
                response = await client.get(self.jwks_url)
                response.raise_for_status()
                keys = {}
                for jwk in response.json().get("keys", []):
                    try:
                        keys[jwk.get("kid", "")] = jwt.PyJWK(jwk).key
                    except jwt.PyJWTError:
                        continue
                self._keys = keys
                self._fetched_at = time.monotonic()
            finally:
                if self._client is None:
                    await client.aclose()

    async def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as err:
            raise Unauthorized("malformed token") from err
        kid = header.get("kid", "")
        if kid not in self._keys:
            try:
                await self._refresh()
            except httpx.HTTPError as err:
                raise Unauthorized("cannot fetch signing keys") from err
        key = self._keys.get(kid)
        if key is None:
            raise Unauthorized("unknown signing key")
        try:
            claims = jwt.decode(token, key, algorithms=ALGORITHMS, audience=self.audience, issuer=self.issuer,
                                leeway=self.leeway, options={"require": ["exp", "sub"],
                                                             "verify_aud": self.audience is not None})
        except jwt.ExpiredSignatureError as err:
            raise Unauthorized("token expired") from err
        except jwt.PyJWTError as err:
            raise Unauthorized("token rejected") from err
        return principal_from_claims(claims)


class StaticKeyVerifier(JWKSVerifier):
    """A verifier with keys given directly (tests, or a token server in the same process)."""

    def __init__(self, keys: dict[str, Any], **kw: Any) -> None:
        super().__init__("memory://", **kw)
        self._keys = dict(keys)
        self._fetched_at = float("inf")

    async def _refresh(self) -> None:
        return None


async def current_principal(request: Request) -> Principal:
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    settings = request.app.state.settings
    header = request.headers.get("authorization", "")
    verifier: TokenVerifier | None = getattr(request.app.state, "token_verifier", None)
    if not header:
        if not settings.auth_required:
            principal = ANONYMOUS_ALL
        else:
            raise Unauthorized("a bearer token is required", error="invalid_request")
    else:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("use the Bearer scheme", error="invalid_request")
        if verifier is None:
            if settings.auth_required:
                raise Unauthorized("no token verifier configured (set JWKS_URL)")
            principal = ANONYMOUS_ALL
        else:
            principal = await verifier.verify(token.strip())
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require_scopes(*scopes: str) -> Any:
    """`Depends` that lets the request through only with every named scope (403 names the missing ones)."""

    async def check(principal: PrincipalDep) -> Principal:
        missing = [s for s in scopes if not principal.has(s)]
        if missing:
            raise InsufficientScope(missing)
        return principal

    check.__name__ = "require_" + "_".join(s.replace(":", "_") for s in scopes)
    return Depends(check)
