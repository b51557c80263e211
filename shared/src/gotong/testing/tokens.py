"""Bearer tokens for tests: an Ed25519 issuer that signs tokens with scopes, and the verifier an app under test
checks them with (`app.state.token_verifier = ISSUER.verifier()`)."""

from __future__ import annotations

import time

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gotong.api.auth import StaticKeyVerifier


class TokenIssuer:
    def __init__(self, issuer: str = "t", kid: str = "k") -> None:
        self.issuer = issuer
        self.kid = kid
        self.key = Ed25519PrivateKey.generate()

    def headers(self, sub: str, scopes: str, *, client_id: str | None = None, ttl_s: int = 86_400) -> dict[str, str]:
        """`Authorization: Bearer …` for `sub` with space-separated `scopes` (and a `client_id` claim if given).
        Valid for a day by default: suites mint headers at import, and a loaded machine runs them for long."""
        now = int(time.time())
        claims: dict[str, object] = {"iss": self.issuer, "sub": sub, "iat": now, "exp": now + ttl_s, "scope": scopes}
        if client_id is not None:
            claims["client_id"] = client_id
        token = jwt.encode(claims, self.key, algorithm="EdDSA", headers={"kid": self.kid})
        return {"Authorization": f"Bearer {token}"}

    def verifier(self) -> StaticKeyVerifier:
        return StaticKeyVerifier({self.kid: self.key.public_key()}, issuer=self.issuer)
