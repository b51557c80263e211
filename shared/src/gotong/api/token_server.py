"""A small OAuth2 client-credentials token endpoint for the embedded default (production: a real OIDC IdP).

Tokens are EdDSA (Ed25519) JWTs; the key lives in a file (0600) and is published as a JWKS, so services verify
these tokens exactly as they would verify any provider's: through `JWKS_URL`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import unquote_plus

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from gotong.api.authorize import CodeFlow, PublicClient, UserConfig, discovery_extras, install_code_flow

TOKEN_TTL_S = 900
DEFAULT_AUDIENCE = "gotong"
CLIENTS_ENV = "GOTONG_AUTH_CLIENTS"


class ClientConfig(BaseModel):
    """One machine client; only a hash of its secret is kept (secrets are long random strings)."""

    client_id: str = Field(min_length=1)
    secret_sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="hex SHA-256 of the client secret")
    scopes: list[str]
    description: str = ""

    def check(self, secret: str) -> bool:
        return hmac.compare_digest(hash_secret(secret), self.secret_sha256)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


_NOBODY = ClientConfig(client_id="-", secret_sha256="0" * 64, scopes=[])


def parse_clients(raw: str, *, toml: bool = False) -> list[ClientConfig]:
    """A JSON list (or `{"clients": [...]}`), or TOML with `[[clients]]` tables."""
    data: Any = tomllib.loads(raw) if toml else json.loads(raw)
    if isinstance(data, dict):
        data = data.get("clients", [])
    return [ClientConfig.model_validate(c) for c in data]


def load_clients(path: Path | None = None) -> list[ClientConfig]:
    """Clients from env `GOTONG_AUTH_CLIENTS` (JSON) if set, else from a JSON or TOML (`.toml`) file."""
    raw = os.environ.get(CLIENTS_ENV)
    if raw:
        return parse_clients(raw)
    if path is not None and path.exists():
        return parse_clients(path.read_text(), toml=path.suffix == ".toml")
    return []


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def load_private_key(pem: bytes, source: str) -> Ed25519PrivateKey:
    """An Ed25519 private key from PEM; a clear error naming `source` for anything else."""
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as err:
        raise ValueError(f"{source} is not a PEM private key without a password: {err}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{source} holds a {type(key).__name__}, not an Ed25519 private key")
    return key


def load_or_create_key(path: Path, *, create: bool = True) -> Ed25519PrivateKey:
    """The key in `path`; if there is none, a new one written there (mode 0600) — unless `create` is off."""
    if path.exists():
        return load_private_key(path.read_bytes(), str(path))
    if not create:
        raise FileNotFoundError(f"no signing key at {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    return key


def public_jwk(key: Ed25519PrivateKey) -> dict[str, str]:
    x = _b64(key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
    # RFC 7638 thumbprint: the required members in lexicographic order, no whitespace.
    thumbprint = _b64(hashlib.sha256(json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x},
                                                separators=(",", ":"), sort_keys=True).encode()).digest())
    return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": thumbprint, "alg": "EdDSA", "use": "sig"}


def _oauth_error(status: int, error: str, description: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status,
                        headers={"Cache-Control": "no-store", **headers})


def create_token_app(clients: list[ClientConfig], signing_key_path: Path, issuer: str,
                     audience: str | Sequence[str] | None = None, *, users: dict[str, UserConfig] | None = None,
                     public_clients: Sequence[PublicClient] = (),
                     role_scopes: dict[str, list[str]] | None = None) -> FastAPI:
    """`audience`: the audiences tokens are issued for — every local service's. A client may ask for one of them
    (`audience=` or RFC 8707 `resource=`); without asking it gets a token for all of them. With `users` and
    `public_clients`, people sign in too (authorization code + PKCE, `gotong.api.authorize`)."""
    audiences = [audience] if isinstance(audience, str) else list(audience or [DEFAULT_AUDIENCE])
    key = load_or_create_key(signing_key_path)
    jwk = public_jwk(key)
    by_id = {c.client_id: c for c in clients}
    app = FastAPI(title="Gotong local token server", version="0.1.0",
                  description="OAuth2 client credentials (RFC 6749 §4.4) and, for people, authorization code with "
                              "PKCE (RFC 7636) for the embedded setup.")
    flow = CodeFlow(users or {}, {c.client_id: c for c in public_clients}, role_scopes or {}, key, jwk["kid"],
                    issuer, audiences, TOKEN_TTL_S) if users and public_clients else None
    if flow is not None:
        install_code_flow(app, flow)
    app.state.code_flow = flow

    @app.post("/oauth2/token")
    async def token(request: Request, grant_type: Annotated[str, Form()] = "",
                    client_id: Annotated[str | None, Form()] = None,
                    client_secret: Annotated[str | None, Form()] = None,
                    scope: Annotated[str | None, Form()] = None,
                    audience: Annotated[str | None, Form()] = None,
                    resource: Annotated[str | None, Form()] = None,
                    code: Annotated[str | None, Form()] = None,
                    redirect_uri: Annotated[str | None, Form()] = None,
                    code_verifier: Annotated[str | None, Form()] = None) -> Any:
        basic = request.headers.get("authorization", "")
        if basic.lower().startswith("basic "):
            try:  # RFC 6749 §2.3.1: id and secret are form-encoded before they are joined and base64-encoded
                raw_id, _, raw_secret = base64.b64decode(basic[6:], validate=True).decode().partition(":")
                client_id, client_secret = unquote_plus(raw_id), unquote_plus(raw_secret)
            except ValueError:
                return _oauth_error(401, "invalid_client", "malformed Basic credentials",
                                    **{"WWW-Authenticate": 'Basic realm="gotong"'})
        if not grant_type:
            return _oauth_error(400, "invalid_request", "grant_type is required")
        if grant_type == "authorization_code" and flow is not None:
            return flow.exchange(code, client_id, redirect_uri, code_verifier)
        if grant_type != "client_credentials":
            supported = "client_credentials" + (" and authorization_code" if flow is not None else "")
            return _oauth_error(400, "unsupported_grant_type", f"only {supported} is supported")
        client = by_id.get(client_id or "")
        # An unknown id costs the same hash-and-compare as a wrong secret: timing tells nothing about ids.
        secret_ok = (client or _NOBODY).check(client_secret or "")
        if client is None or not secret_ok:
            return _oauth_error(401, "invalid_client", "unknown client or wrong secret",
                                **{"WWW-Authenticate": 'Basic realm="gotong"'})
        granted = client.scopes
        if scope:
            asked = list(dict.fromkeys(scope.split()))
            if not set(asked) <= set(client.scopes):
                return _oauth_error(400, "invalid_scope", "a requested scope is not allowed for this client")
            granted = asked
        asked_for = audience or resource
        if asked_for is not None and asked_for not in audiences:
            return _oauth_error(400, "invalid_target", "this server issues no tokens for that audience")
        aud: str | list[str] = asked_for or (audiences[0] if len(audiences) == 1 else audiences)
        now = int(time.time())
        claims = {"iss": issuer, "sub": client.client_id, "aud": aud,
                  "client_id": client.client_id, "iat": now, "nbf": now, "exp": now + TOKEN_TTL_S,
                  "scope": " ".join(granted), "jti": _b64(os.urandom(12))}
        encoded = jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": jwk["kid"]})
        return JSONResponse({"access_token": encoded, "token_type": "Bearer", "expires_in": TOKEN_TTL_S,
                             "scope": " ".join(granted)}, headers={"Cache-Control": "no-store"})

    @app.get("/.well-known/jwks.json")
    async def jwks() -> dict[str, Any]:
        return {"keys": [jwk]}

    @app.get("/.well-known/openid-configuration")
    async def discovery() -> dict[str, Any]:
        doc = {"issuer": issuer, "token_endpoint": f"{issuer}/oauth2/token",
               "jwks_uri": f"{issuer}/.well-known/jwks.json",
               "grant_types_supported": ["client_credentials"],
               "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
               "id_token_signing_alg_values_supported": ["EdDSA"]}
        if flow is not None:
            doc["grant_types_supported"] = ["client_credentials", "authorization_code"]
            doc["token_endpoint_auth_methods_supported"] = ["client_secret_basic", "client_secret_post", "none"]
            doc.update(discovery_extras(issuer))
        return doc

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
