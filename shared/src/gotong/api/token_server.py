"""A small OAuth2 client-credentials token endpoint for the embedded default (production uses a real OIDC IdP).

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
from pathlib import Path
from typing import Annotated, Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

TOKEN_TTL_S = 900


class ClientConfig(BaseModel):
    client_id: str
    secret_sha256: str = Field(description="hex SHA-256 of the client secret")
    scopes: list[str]
    description: str = ""

    def check(self, secret: str) -> bool:
        return hmac.compare_digest(hashlib.sha256(secret.encode()).hexdigest(), self.secret_sha256)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def load_clients(path: Path | None = None) -> list[ClientConfig]:
    """Clients from env `GOTONG_AUTH_CLIENTS` (JSON list) or a JSON file."""
    raw = os.environ.get("GOTONG_AUTH_CLIENTS")
    if raw is None and path is not None and path.exists():
        raw = path.read_text()
    data = json.loads(raw) if raw else []
    return [ClientConfig.model_validate(c) for c in data]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        assert isinstance(key, Ed25519PrivateKey)
        return key
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
                     audience: str | None = None) -> FastAPI:
    key = load_or_create_key(signing_key_path)
    jwk = public_jwk(key)
    by_id = {c.client_id: c for c in clients}
    app = FastAPI(title="Gotong local token server", version="0.1.0",
                  description="OAuth2 client credentials (RFC 6749 §4.4) for the embedded setup.")

    @app.post("/oauth2/token")
    async def token(request: Request, grant_type: Annotated[str, Form()] = "",
                    client_id: Annotated[str | None, Form()] = None,
                    client_secret: Annotated[str | None, Form()] = None,
                    scope: Annotated[str | None, Form()] = None) -> Any:
        basic = request.headers.get("authorization", "")
        if basic.lower().startswith("basic "):
            try:
                client_id, _, client_secret = base64.b64decode(basic[6:]).decode().partition(":")
            except ValueError:
                return _oauth_error(401, "invalid_client", "malformed Basic credentials",
                                    **{"WWW-Authenticate": 'Basic realm="gotong"'})
        if grant_type != "client_credentials":
            return _oauth_error(400, "unsupported_grant_type", "only client_credentials is supported")
        client = by_id.get(client_id or "")
        if client is None or not client.check(client_secret or ""):
            return _oauth_error(401, "invalid_client", "unknown client or wrong secret",
                                **{"WWW-Authenticate": 'Basic realm="gotong"'})
        granted = client.scopes
        if scope:
            asked = scope.split()
            if not set(asked) <= set(client.scopes):
                return _oauth_error(400, "invalid_scope", "a requested scope is not allowed for this client")
            granted = asked
        now = int(time.time())
        claims = {"iss": issuer, "sub": client.client_id, "client_id": client.client_id, "iat": now,
                  "nbf": now, "exp": now + TOKEN_TTL_S, "scope": " ".join(granted), "jti": _b64(os.urandom(12))}
        if audience:
            claims["aud"] = audience
        encoded = jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": jwk["kid"]})
        return JSONResponse({"access_token": encoded, "token_type": "Bearer", "expires_in": TOKEN_TTL_S,
                             "scope": " ".join(granted)}, headers={"Cache-Control": "no-store"})

    @app.get("/.well-known/jwks.json")
    async def jwks() -> dict[str, Any]:
        return {"keys": [jwk]}

    @app.get("/.well-known/openid-configuration")
    async def discovery() -> dict[str, Any]:
        return {"issuer": issuer, "token_endpoint": f"{issuer}/oauth2/token",
                "jwks_uri": f"{issuer}/.well-known/jwks.json", "grant_types_supported": ["client_credentials"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "id_token_signing_alg_values_supported": ["EdDSA"]}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
