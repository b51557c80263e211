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
REFETCH_INTERVAL_S = 30.0
CLOCK_SKEW_S = 30


class Principal(BaseModel):
    """Who is calling: the token's subject, the OAuth2 client, and what it may do."""

    model_config = ConfigDict(frozen=True)

    subject: str
    client_id: str | None = None
    scopes: frozenset[str] = frozenset()

    def has(self, scope: str) -> bool:
        return "*" in self.scopes or scope in self.scopes


#: Only when `auth_required` is off (tests, explicit local use): every scope.
ANONYMOUS_ALL = Principal(subject="anonymous", client_id=None, scopes=frozenset({"*"}))


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"
    title = "Authentication required"

    def __init__(self, detail: str, error: str | None = "invalid_token") -> None:
        # RFC 6750 §3.1: a request without credentials gets a bare challenge, a bad token `invalid_token`.
        challenge = 'Bearer realm="gotong"'
        if error:
            challenge += f', error="{error}", error_description="{detail}"'
        super().__init__(detail, headers={"WWW-Authenticate": challenge})


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
    scopes = raw.split() if isinstance(raw, str) else [str(s) for s in raw]
    client_id = claims.get("client_id") or claims.get("azp")
    return Principal(subject=str(claims.get("sub", "")), client_id=client_id, scopes=frozenset(scopes))


class JWKSVerifier:
    """Verifies RS256/ES256/EdDSA tokens with keys from a JWKS URL, cached by key id.

    An unknown key id triggers a refetch, at most once per 30 s (failed fetches included), so a flood of
    tokens with made-up key ids cannot turn into a flood of requests to the identity provider.
    """

    def __init__(self, jwks_url: str, *, issuer: str | None = None, audience: str | None = None,
                 leeway: int = CLOCK_SKEW_S, client: httpx.AsyncClient | None = None) -> None:
        self.jwks_url = jwks_url
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        self._client = client
        self._keys: dict[str, tuple[Any, list[str]]] = {}
        self._attempted_at: float | None = None
        self._lock = asyncio.Lock()

    async def _fetch(self) -> dict[str, tuple[Any, list[str]]]:
        client = self._client or httpx.AsyncClient(timeout=5)
        try:
            response = await client.get(self.jwks_url)
            response.raise_for_status()
            keys: dict[str, tuple[Any, list[str]]] = {}
            for raw in response.json().get("keys", []):
                if raw.get("use", "sig") != "sig":
                    continue
                try:
                    jwk = jwt.PyJWK(raw)
                except jwt.PyJWTError:
                    continue  # a key type or algorithm we do not accept
                if jwk.algorithm_name in ALGORITHMS:
                    keys[raw.get("kid", "")] = (jwk.key, [jwk.algorithm_name])
            return keys
        finally:
            if self._client is None:
                await client.aclose()

    async def _refresh(self) -> None:
        async with self._lock:
            now = time.monotonic()
            if self._attempted_at is not None and now - self._attempted_at < REFETCH_INTERVAL_S:
                return  # fetched (or tried) recently; a waiting caller sees what that fetch found
            self._attempted_at = now
            self._keys = await self._fetch()

    def _key(self, kid: str | None) -> tuple[Any, list[str]] | None:
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        return self._keys.get(kid or "")

    async def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as err:
            raise Unauthorized("malformed token") from err
        kid = header.get("kid")
        if self._key(kid) is None:
            try:
                await self._refresh()
            except (httpx.HTTPError, ValueError) as err:
                raise Unauthorized("cannot fetch signing keys") from err
        found = self._key(kid)
        if found is None:
            raise Unauthorized("unknown signing key")
        key, algorithms = found
        try:
            claims = jwt.decode(token, key, algorithms=algorithms, audience=self.audience, issuer=self.issuer,
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
        self._keys = {kid: (key, ALGORITHMS) for kid, key in keys.items()}

    async def _refresh(self) -> None:
        return None


async def current_principal(request: Request) -> Principal:
    """The verified caller (cached on the request; the rate limiter may have verified the token already)."""
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    settings = request.app.state.settings
    header = request.headers.get("authorization", "")
    verifier: TokenVerifier | None = getattr(request.app.state, "token_verifier", None)
    if not header:
        if settings.auth_required:
            raise Unauthorized("a bearer token is required", error=None)
        principal = ANONYMOUS_ALL
    else:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("use the Bearer scheme", error="invalid_request")
        if verifier is not None:
            principal = await verifier.verify(token.strip())
        elif settings.auth_required:
            raise Unauthorized("no token verifier configured (set JWKS_URL)")
        else:
            principal = ANONYMOUS_ALL
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require_scopes(*scopes: str) -> Any:
    """`Depends` that lets the request through only with every named scope (403 names the missing ones).

    Use it in `dependencies=[require_scopes("x:read")]`, or as
    `Annotated[Principal, require_scopes("x:write")]` to also receive the principal.
    """

    async def check(principal: PrincipalDep) -> Principal:
        missing = [s for s in scopes if not principal.has(s)]
        if missing:
            raise InsufficientScope(missing)
        return principal

    check.__name__ = "require_" + "_".join(s.replace(":", "_") for s in scopes)
    return Depends(check)
