"""A proof-of-work challenge for a client over a rate limit: no third-party CAPTCHA, nothing from a CDN.

The server issues a signed, expiring challenge; the browser (the kit's own `pow.js`, served by the service,
CSP `script-src 'self'`) finds a decimal counter such that SHA-256(challenge || counter) starts with `bits`
zero bits (2^bits tries on average) and resubmits the form with it; the server checks the solution and
redeems the challenge once.

A challenge is `v1.<nonce>.<expires>.<bits>.<mac>`: a random 16-byte nonce, the expiry (epoch seconds), the
difficulty, and HMAC-SHA256 over those and the client's address under a key derived from the service's secret
(truncated to 16 bytes). So the difficulty cannot be lowered, the expiry not moved, and a challenge solved by
one address is refused from another. The address is only in the MAC, never in the challenge. A redeemed
nonce is recorded in `used_challenges` (the service's PostgreSQL, so a replay is refused by every replica) until
it expires; `SharedLimiter.maybe_clean` deletes it after.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import time
from pathlib import Path
from typing import ClassVar

from gotong.api.shared_limits import Queryable, derive_key
from gotong.domain.errors import DomainError

#: The browser side (own code, no dependency): a service serves it from its own origin, e.g. `/cek-status/pow.js`.
POW_SCRIPT = (Path(__file__).parent / "static" / "pow" / "pow.js").read_bytes()

_TOKEN = re.compile(r"^v1\.([A-Za-z0-9_-]{22})\.([0-9]{1,12})\.([0-9]{1,2})\.([A-Za-z0-9_-]{22})$")
_COUNTER = re.compile(r"^[0-9]{1,16}$")
_REDEEM = "INSERT INTO used_challenges (nonce, expires) VALUES ($1, $2::float8) ON CONFLICT DO NOTHING RETURNING nonce"


class ChallengeRefused(DomainError):
    """A solution that does not let the request through; `reason` says why, for the page to say in words."""

    status = 429
    code = "challenge-refused"
    title = "The proof of work was not accepted"
    REASONS: ClassVar[dict[str, str]] = {
        "malformed": "the challenge or the counter is not in the expected form",
        "forged": "the challenge was not issued by this service (or for another address)",
        "expired": "the challenge has expired",
        "wrong": "the counter does not solve the challenge",
        "used": "the challenge has already been used",
    }

    def __init__(self, reason: str) -> None:
        super().__init__(self.REASONS[reason])
        self.reason = reason


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def leading_zero_bits(digest: bytes) -> int:
    value = int.from_bytes(digest, "big")
    return len(digest) * 8 - value.bit_length()


def solves(challenge: str, counter: str, bits: int) -> bool:
    return leading_zero_bits(hashlib.sha256((challenge + counter).encode()).digest()) >= bits


def solve(challenge: str, bits: int) -> str:
    """The smallest counter that solves a challenge (what pow.js does; for tests and scripted clients)."""
    n = 0
    while not solves(challenge, str(n), bits):
        n += 1
    return str(n)


class ProofOfWork:
    def __init__(self, secret: str | bytes, bits: int = 18, ttl_s: float = 300.0) -> None:
        if not 1 <= bits <= 40:
            raise ValueError("bits must be 1..40")
        self.key = derive_key(secret, "proof-of-work")
        self.bits = bits
        self.ttl_s = ttl_s

    def _mac(self, body: str, client: str) -> str:
        return _b64(hmac.new(self.key, f"{body}\x00{client}".encode(), hashlib.sha256).digest()[:16])

    def issue(self, client: str, now: float | None = None) -> str:
        now = time.time() if now is None else now
        body = f"v1.{_b64(secrets.token_bytes(16))}.{int(now + self.ttl_s)}.{self.bits}"
        return f"{body}.{self._mac(body, client)}"

    def check(self, challenge: str, counter: str, client: str, now: float | None = None) -> tuple[bytes, int]:
        """The challenge's nonce and expiry if `counter` solves a challenge issued here for `client`, unexpired;
        else ChallengeRefused. Does not redeem it (see `redeem`)."""
        now = time.time() if now is None else now
        found = _TOKEN.match(challenge)
        if found is None or not _COUNTER.match(counter):
            raise ChallengeRefused("malformed")
        nonce_text, expires_text, bits_text, mac = found.groups()
        body = challenge.rsplit(".", 1)[0]
        if not hmac.compare_digest(mac, self._mac(body, client)):
            raise ChallengeRefused("forged")
        expires = int(expires_text)
        if expires < now:
            raise ChallengeRefused("expired")
        if not solves(challenge, counter, int(bits_text)):
            raise ChallengeRefused("wrong")
        try:
            nonce = _unb64(nonce_text)
        except (binascii.Error, ValueError):
            raise ChallengeRefused("malformed") from None
        return nonce, expires

    async def redeem(self, sql: Queryable, challenge: str, counter: str, client: str,
                     now: float | None = None) -> None:
        """Check the solution and record the challenge as used, once: a second redeem (on any replica that
        shares the database) raises ChallengeRefused("used")."""
        nonce, expires = self.check(challenge, counter, client, now)
        if await sql.fetchrow(_REDEEM, nonce, float(expires)) is None:
            raise ChallengeRefused("used")


__all__ = ["POW_SCRIPT", "ChallengeRefused", "ProofOfWork", "leading_zero_bits", "solve", "solves"]
