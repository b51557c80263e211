"""Rate limits that hold across replicas: one counter per client in the service's own PostgreSQL.

The in-process `TokenBuckets` (gotong.api.ratelimit) counts per replica, so N replicas allow N times the
policy. `SharedLimiter` keeps the policy's state in the service's database, where every replica sees it:

* **GCRA** (the generic cell rate algorithm, a token bucket written as one timestamp): each client key holds its
  "theoretical arrival time" `tat`. A request at `now` is allowed when `max(tat, now) - now <= tau`, and then
  moves `tat` on by one emission interval `T = 60 / per_minute`; `tau = (burst - 1) * T` lets `burst` requests
  through at once. One atomic `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` decides and records it, on the
  database's clock (`statement_timestamp()`), so replicas with skewed clocks still agree.
* **No addresses stored.** The key is HMAC-SHA256(the service's key, policy name, client address): an address
  is personal data; the table holds only the MAC, which nobody without the service's secret can map back (a
  plain hash of an IPv4 address is reversed by trying all 2^32).
* **Unlogged table, cleaned.** `rate_limits` is UNLOGGED (no WAL: a crash forgets who was limited, which only
  ever grants more); a row whose bucket has refilled holds nothing worth keeping and is deleted, by each
  replica at most once a minute.
* **A cheap first layer.** An in-process token bucket with the same policy refuses a flood before it costs a
  database round trip; when the shared counter refuses, the local token is given back, so the local layer only
  ever refuses what this replica alone has already seen allowed beyond the policy.
* **Leases for a busy client.** A client that keeps coming back (a carrier-grade NAT, an office, a load test)
  would cost one upsert per request, all on one row, whose lock then serialises that client's requests across
  every replica. So a replica takes cells in blocks: the first request of a client takes one cell, as ever; when
  the client has spent its block within `lease_s` (1 s), the next take asks the shared counter for twice as many
  (at most `max_lease`, and at most half of what the counter says is left), all or nothing, in the same single
  upsert (`TAKE_SQL` with $2 = cells x T and $3 = tau - (cells - 1) x T). The replica spends the block from
  memory; what it has not spent `lease_s` after the take is dropped. Every cell is counted in the shared counter
  before it is spent, so the replicas together never allow more than the policy, except that a cell may be
  spent up to `lease_s` after it was counted (in any window, at most the policy's allowance for a window
  `lease_s` longer). What a lease costs is the other way: cells one replica holds are not available on another
  for up to `lease_s`, so a busy client may be refused early by at most what the other replicas hold (a block
  is at most half of what was left). A client that comes back slower than once per `lease_s` never gets more
  than one cell at a time, so a quiet client is counted exactly as before.

The client is the connection's peer address (`scope["client"]`). `gotong serve` believes X-Forwarded-For only
from FORWARDED_ALLOW_IPS (uvicorn's proxy-headers middleware rewrites the peer then); anything else a client
writes in a header is its own words and buys no fresh budget.

Wiring, one line per route: `dependencies=[shared_rate_limit("status-check", 30, secret=lambda s: s.master_secret)]`.
A service that uses it adds `limits_metadata` to its env.py and a revision calling `create_shared_limit_tables(op)`.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from fastapi import Depends, FastAPI, Request
from sqlalchemy import Boolean, Column, Double, LargeBinary, MetaData, Table
from starlette.types import Scope

from gotong.api.app import runtime
from gotong.api.ratelimit import TokenBuckets, TooManyRequests
from gotong.settings import KitSettings

#: The tables of the shared limits, in their own metadata: a service that uses them passes it to its env.py.
limits_metadata = MetaData()

rate_limits = Table(
    "rate_limits", limits_metadata,
    Column("key", LargeBinary, primary_key=True,
           comment="HMAC-SHA256(service key, policy | client address): never the address itself"),
    Column("tat", Double, nullable=False, comment="GCRA theoretical arrival time, epoch seconds (database clock)"),
    Column("seen", Double, nullable=False, comment="the last request, epoch seconds (database clock)"),
    Column("allowed", Boolean, nullable=False, comment="whether the last request was allowed"),
    prefixes=["UNLOGGED"],
)

used_challenges = Table(
    "used_challenges", limits_metadata,
    Column("nonce", LargeBinary, primary_key=True, comment="a proof-of-work challenge's nonce, redeemed once"),
    Column("expires", Double, nullable=False, comment="the challenge's expiry, epoch seconds; deleted after"),
)

TAKE_SQL = """
INSERT INTO rate_limits AS r (key, tat, seen, allowed)
VALUES ($1, extract(epoch FROM statement_timestamp())::float8 + $2::float8,
        extract(epoch FROM statement_timestamp())::float8, true)
ON CONFLICT (key) DO UPDATE SET
    allowed = greatest(r.tat, excluded.seen) - excluded.seen <= $3::float8,
    tat = CASE WHEN greatest(r.tat, excluded.seen) - excluded.seen <= $3::float8
               THEN greatest(r.tat, excluded.seen) + $2::float8 ELSE r.tat END,
    seen = excluded.seen
RETURNING allowed, tat, seen
"""
_CLEAN_LIMITS = "DELETE FROM rate_limits WHERE tat < extract(epoch FROM statement_timestamp())::float8"
_CLEAN_CHALLENGES = "DELETE FROM used_challenges WHERE expires < extract(epoch FROM statement_timestamp())::float8"


class Queryable(Protocol):
    """What the limiter needs of a connection: the kit's `Sql`, an asyncpg connection or pool."""

    async def fetchrow(self, query: str, *args: Any) -> Any: ...

    async def execute(self, query: str, *args: Any) -> Any: ...


#: How a limiter finds its service's secret in the settings, e.g. `lambda s: s.master_secret`.
SecretOf = Callable[[Any], str | bytes]


def derive_key(secret: str | bytes, purpose: str) -> bytes:
    """A 32-byte key for one purpose, from the service's secret (never the secret itself)."""
    raw = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(raw, f"gotong.{purpose}.v1".encode(), hashlib.sha256).digest()


def client_address(scope: Scope) -> str:
    """The connection's peer (after uvicorn's proxy-headers middleware, which trusts FORWARDED_ALLOW_IPS only)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


@dataclass
class _Lease:
    """Cells this replica took from the shared counter for one client and has not spent yet."""

    cells: int
    #: the next take's size: doubles while the client spends its blocks within `lease_s`
    size: int
    #: monotonic time after which unspent cells are dropped (`lease_s` after the take that counted them)
    expires: float
    #: the shared counter's answer at that take, for the RateLimit header of a request spent from the lease
    shared_remaining: int
    full_at: float


@dataclass(frozen=True)
class Decision:
    allowed: bool
    remaining: int
    #: allowed: seconds until the budget is full again; refused: seconds until one request is allowed again.
    reset: float

    @property
    def retry_after(self) -> int:
        return max(1, math.ceil(self.reset))


class SharedLimiter:
    """`per_minute` requests a minute per client, `burst` at once, counted in the service's PostgreSQL."""

    def __init__(self, name: str, per_minute: int, burst: int | None = None, *, secret: SecretOf,
                 local: bool = True, cleanup_every_s: float = 60.0, max_lease: int = 64, lease_s: float = 1.0,
                 max_keys: int = 100_000) -> None:
        self.name = name
        self.per_minute = max(1, per_minute)
        self.burst = max(1, burst or self.per_minute // 6)
        self.interval = 60.0 / self.per_minute
        self.tolerance = (self.burst - 1) * self.interval
        self.secret = secret
        self.local = TokenBuckets(self.per_minute, self.burst) if local else None
        self.cleanup_every_s = cleanup_every_s
        self.max_lease = max(1, max_lease)
        self.lease_s = lease_s
        self.max_keys = max_keys
        self._keys: dict[int, bytes] = {}
        self._leases: dict[str, _Lease] = {}
        self._cleaned = -math.inf

    def key(self, settings: KitSettings) -> bytes:
        """The MAC key for client addresses, derived once per settings object from the service's secret."""
        found = self._keys.get(id(settings))
        if found is None:
            found = self._keys[id(settings)] = derive_key(self.secret(settings), "shared-limits")
        return found

    def stored_key(self, settings: KitSettings, client: str) -> bytes:
        """What `rate_limits.key` holds for a client under this policy."""
        return hmac.new(self.key(settings), f"{self.name}\x00{client}".encode(), hashlib.sha256).digest()

    async def take(self, app: FastAPI, client: str, sql: Queryable | None = None) -> Decision:
        """Count one request of `client` (an address or another stable id) and say whether it may go on.

        From this replica's lease when it holds one, else on `sql` if given (e.g. a hot path's own asyncpg
        pool), else on a connection of the app's database.
        """
        refused = self.local_refusal(client)
        if refused is not None:
            return refused
        leased = self.from_lease(client)
        if leased is not None:
            return leased
        rt = runtime(app)
        key = self.stored_key(rt.settings, client)
        if sql is not None:
            decision = await self.take_counted(sql, client, key)
            await self.maybe_clean(sql)
        else:
            async with rt.database.statement() as statement:
                decision = await self.take_counted(statement, client, key)
                await self.maybe_clean(statement)
        self.settle(client, decision)
        return decision

    async def take_counted(self, sql: Queryable, client: str, key: bytes) -> Decision:
        """Take this client's next block of cells from the shared counter (one cell if a block is refused: the
        client may have fewer left) and keep what this request does not spend as the replica's lease."""
        cells, sent = self.lease_size(client), time.monotonic()
        decision = await self.take_on(sql, key, cells)
        if not decision.allowed and cells > 1:
            cells, sent = 1, time.monotonic()
            decision = await self.take_on(sql, key, 1)
        self.record(client, cells, decision, sent)
        return decision

    def local_refusal(self, client: str) -> Decision | None:
        """The in-process layer: a refusal without a round trip, or None (then ask the shared count)."""
        if self.local is not None:
            ok, _, reset = self.local.take(client)
            if not ok:
                return Decision(False, 0, reset)
        return None

    def settle(self, client: str, decision: Decision) -> None:
        """After the shared count decided: a refused request gives the in-process layer its token back."""
        if not decision.allowed and self.local is not None:
            self.local.give_back(client)

    def from_lease(self, client: str, now: float | None = None) -> Decision | None:
        """Spend one cell of this replica's lease for `client` (no round trip), or None (then take from the
        shared counter: `lease_size` cells)."""
        lease = self._leases.get(client)
        now = time.monotonic() if now is None else now
        if lease is None or lease.cells <= 0 or now >= lease.expires:
            return None
        lease.cells -= 1
        return Decision(True, lease.cells + lease.shared_remaining, max(0.0, lease.full_at - now))

    def lease_size(self, client: str, now: float | None = None) -> int:
        """How many cells the next take from the shared counter asks for: one for a client this replica has not
        seen within `lease_s`, else the size its last take set (it spent that block within its lifetime)."""
        lease = self._leases.get(client)
        now = time.monotonic() if now is None else now
        if lease is None or now >= lease.expires:
            return 1
        return lease.size

    def record(self, client: str, cells: int, decision: Decision, sent: float) -> None:
        """After a take of `cells` that the shared counter answered: keep the cells this request does not spend
        (until `lease_s` after `sent`, when the take left), and double the next block's size, at most
        `max_lease` and half of what the counter has left."""
        lease = self._leases.get(client)
        if not decision.allowed:
            if lease is not None:  # at its limit: the next take asks for one cell (one round trip, not two)
                lease.size = 1
            return
        shared = decision.remaining - (cells - 1)  # `decide` counts the lease's cells in `remaining`
        if lease is None:
            if len(self._leases) >= self.max_keys:
                self._evict(sent)
            lease = self._leases[client] = _Lease(0, 1, sent + self.lease_s, shared, 0.0)
        if lease.cells <= 0 or sent >= lease.expires:  # the oldest unspent cell sets the expiry: never later
            lease.cells, lease.expires = 0, sent + self.lease_s
        lease.cells += cells - 1
        lease.size = max(1, min(self.max_lease, 2 * cells, shared // 2))
        lease.shared_remaining, lease.full_at = shared, sent + decision.reset

    def _evict(self, now: float) -> None:
        # An expired lease holds nothing; if none has expired, forget them all (only ever allows fewer requests:
        # the cells they held stay counted in the shared counter).
        expired = [k for k, lease in self._leases.items() if now >= lease.expires]
        for k in expired or list(self._leases):
            del self._leases[k]

    async def take_on(self, sql: Queryable, key: bytes, cells: int = 1) -> Decision:
        return self.decide(await sql.fetchrow(TAKE_SQL, *self.params(key, cells)), cells)

    def params(self, key: bytes, cells: int = 1) -> tuple[bytes, float, float]:
        """$1..$3 of `TAKE_SQL` for `cells` cells at once, all or none (a hot path may run it as a CTE beside
        its own query, in one round trip): the theoretical arrival time moves on by `cells` intervals, and the
        take is allowed when the last of them conforms."""
        return key, cells * self.interval, self.tolerance - (cells - 1) * self.interval

    def decide(self, row: Any, cells: int = 1) -> Decision:
        """The decision from `TAKE_SQL`'s row (`allowed`, `tat`, `seen`) for a take of `cells`: when allowed,
        `remaining` counts what the shared counter has left and the `cells - 1` this replica now holds."""
        allowed, tat, seen = bool(row["allowed"]), float(row["tat"]), float(row["seen"])
        if allowed:
            remaining = max(0, math.floor((self.tolerance - (tat - seen)) / self.interval + 1e-9) + 1)
            return Decision(True, remaining + cells - 1, max(0.0, tat - seen))
        return Decision(False, 0, max(0.0, tat - self.tolerance - seen))

    async def maybe_clean(self, sql: Queryable, now: float | None = None) -> bool:
        """Delete refilled buckets and expired challenges, at most once per `cleanup_every_s` per replica."""
        now = time.monotonic() if now is None else now
        if now - self._cleaned < self.cleanup_every_s:
            return False
        self._cleaned = now
        await sql.execute(_CLEAN_LIMITS)
        await sql.execute(_CLEAN_CHALLENGES)
        return True

    def headers(self, decision: Decision) -> dict[str, str]:
        """The IETF RateLimit headers (draft-ietf-httpapi-ratelimit-headers), plus Retry-After when refused."""
        out = {"RateLimit-Policy": f'"{self.name}";q={self.per_minute};w=60',
               "RateLimit": f'"{self.name}";r={decision.remaining};t={math.ceil(decision.reset)}'}
        if not decision.allowed:
            out["Retry-After"] = str(decision.retry_after)
        return out

    def refusal(self, decision: Decision) -> TooManyRequests:
        return TooManyRequests(f"retry after {decision.retry_after} s", headers=self.headers(decision))


def shared_rate_limit(name: str, per_minute: int, burst: int | None = None, *, secret: SecretOf) -> Any:
    """A route's policy that holds across replicas (keyed by the client's address), as a FastAPI dependency:

    `@router.post("/public/cases", dependencies=[shared_rate_limit("public", 30, secret=lambda s: s.key)])`
    """
    limiter = SharedLimiter(name, per_minute, burst, secret=secret)

    async def check(request: Request) -> None:
        decision = await limiter.take(request.app, client_address(request.scope))
        if not decision.allowed:
            raise limiter.refusal(decision)

    check.__name__ = f"shared_rate_limit_{name}"
    return Depends(check)


# --- frozen ops for the services' revisions (never edit: add a new function for later changes) -------------

def create_shared_limit_tables(op: Any) -> None:
    """`rate_limits` (unlogged) and `used_challenges`, as the revisions that first added them created them."""
    op.create_table(
        "rate_limits",
        sa.Column("key", sa.LargeBinary(), nullable=False,
                  comment="HMAC-SHA256(service key, policy | client address): never the address itself"),
        sa.Column("tat", sa.Double(), nullable=False,
                  comment="GCRA theoretical arrival time, epoch seconds (database clock)"),
        sa.Column("seen", sa.Double(), nullable=False, comment="the last request, epoch seconds (database clock)"),
        sa.Column("allowed", sa.Boolean(), nullable=False, comment="whether the last request was allowed"),
        sa.PrimaryKeyConstraint("key"),
        prefixes=["UNLOGGED"],
    )
    op.create_table(
        "used_challenges",
        sa.Column("nonce", sa.LargeBinary(), nullable=False,
                  comment="a proof-of-work challenge's nonce, redeemed once"),
        sa.Column("expires", sa.Double(), nullable=False,
                  comment="the challenge's expiry, epoch seconds; deleted after"),
        sa.PrimaryKeyConstraint("nonce"),
    )


def drop_shared_limit_tables(op: Any) -> None:
    op.drop_table("used_challenges")
    op.drop_table("rate_limits")


__all__ = ["TAKE_SQL", "Decision", "SharedLimiter", "client_address", "create_shared_limit_tables", "derive_key",
           "drop_shared_limit_tables", "limits_metadata", "rate_limits", "shared_rate_limit", "used_challenges"]
