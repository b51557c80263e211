"""The shared limiter's arithmetic on a real PostgreSQL (GCRA in one statement), its cleanup, the in-process
layer giving back what the shared one refused, and the proof of work: Python and the browser's pow.js agree."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import MetaData

from gotong.api.proof_of_work import ChallengeRefused, ProofOfWork, leading_zero_bits, solve, solves
from gotong.api.ratelimit import TokenBuckets
from gotong.api.shared_limits import SharedLimiter, limits_metadata
from gotong.db import asyncpg_dsn

POW_JS = Path(__file__).parents[2] / "src" / "gotong" / "api" / "static" / "pow" / "pow.js"


@pytest.fixture
def schema_extra() -> list[MetaData]:
    return [limits_metadata]


@pytest.fixture
async def sql(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    yield conn
    await conn.close()


def limiter(per_minute: int = 1, burst: int = 3) -> SharedLimiter:
    return SharedLimiter("test", per_minute, burst, secret=lambda _: "s" * 32)


async def test_burst_then_refused_with_the_time_until_one_more(sql):
    policy = limiter(per_minute=1, burst=3)  # one a minute, three at once: slow machines change nothing here
    key = b"k" * 32
    taken = [await policy.take_on(sql, key) for _ in range(4)]
    assert [d.allowed for d in taken] == [True, True, True, False]
    assert [d.remaining for d in taken] == [2, 1, 0, 0]
    assert 170 < taken[2].reset <= 180  # full again after three intervals of 60 s
    assert 50 < taken[3].reset <= 60
    assert taken[3].retry_after <= 60
    assert (await policy.take_on(sql, b"other" * 6)).allowed  # another key, another budget
    refused = policy.headers(taken[3])
    assert refused["Retry-After"] == str(taken[3].retry_after)
    assert refused["RateLimit-Policy"] == '"test";q=1;w=60'


async def test_a_refused_request_does_not_spend_budget(sql):
    policy = limiter(per_minute=60, burst=1)
    key = b"r" * 32
    assert (await policy.take_on(sql, key)).allowed
    tat = await sql.fetchval("SELECT tat FROM rate_limits WHERE key = $1", key)
    for _ in range(5):
        assert not (await policy.take_on(sql, key)).allowed
    assert await sql.fetchval("SELECT tat FROM rate_limits WHERE key = $1", key) == tat


async def test_refilled_buckets_and_expired_challenges_are_deleted(sql):
    policy = limiter()
    await policy.take_on(sql, b"old" * 11)
    await policy.take_on(sql, b"new" * 11)
    await sql.execute("UPDATE rate_limits SET tat = tat - 3600 WHERE key = $1", b"old" * 11)  # refilled long ago
    await sql.execute("INSERT INTO used_challenges VALUES ($1, 1), ($2, 4e9)", b"gone", b"kept")
    assert await policy.maybe_clean(sql, now=1000.0)
    assert not await policy.maybe_clean(sql, now=1030.0), "at most once a minute per replica"
    assert [bytes(r[0]) for r in await sql.fetch("SELECT key FROM rate_limits")] == [b"new" * 11]
    assert [bytes(r[0]) for r in await sql.fetch("SELECT nonce FROM used_challenges")] == [b"kept"]


def test_the_local_layer_gives_back_what_the_shared_layer_refused():
    buckets = TokenBuckets(per_minute=1, capacity=1)
    assert buckets.take("a", now=0)[0]
    buckets.give_back("a")
    assert buckets.take("a", now=0)[0]
    assert not buckets.take("a", now=0)[0]


async def test_a_challenge_is_redeemed_once_and_bound_to_its_address(sql):
    work = ProofOfWork("s" * 32, bits=6, ttl_s=60)
    challenge = work.issue("192.0.2.1", now=1000)
    counter = solve(challenge, 6)
    assert leading_zero_bits(b"\x00\x0f" + b"\xff" * 30) == 12
    with pytest.raises(ChallengeRefused) as other:
        work.check(challenge, counter, "192.0.2.2", now=1000)
    assert other.value.reason == "forged"
    with pytest.raises(ChallengeRefused) as late:
        work.check(challenge, counter, "192.0.2.1", now=1061)
    assert late.value.reason == "expired"
    lowered = challenge.replace(".6.", ".1.")  # an easier difficulty is not ours
    with pytest.raises(ChallengeRefused) as easier:
        work.check(lowered, solve(lowered, 1), "192.0.2.1", now=1000)
    assert easier.value.reason == "forged"
    await work.redeem(sql, challenge, counter, "192.0.2.1", now=1000)
    with pytest.raises(ChallengeRefused) as again:
        await work.redeem(sql, challenge, counter, "192.0.2.1", now=1000)
    assert again.value.reason == "used"
    for bad in ("", "-1", "1e5", "9" * 17):
        with pytest.raises(ChallengeRefused):
            work.check(challenge, bad, "192.0.2.1", now=1000)


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the browser's pow.js")
def test_the_browsers_pow_js_finds_what_the_server_accepts():
    work = ProofOfWork("s" * 32, bits=12)
    challenges = [work.issue(f"192.0.2.{i}") for i in range(3)]
    script = ("const p = require(process.argv[1]); const out = [];"
              "for (const c of JSON.parse(process.argv[2])) { let n = 0; while (!p.solves(c, String(n), 12)) n++;"
              " out.push(String(n)); } console.log(JSON.stringify(out));")
    found = json.loads(subprocess.run(["node", "-e", script, str(POW_JS), json.dumps(challenges)],
                                      capture_output=True, text=True, check=True, timeout=120).stdout)
    assert found == [solve(c, 12) for c in challenges]
    assert all(solves(c, n, 12) for c, n in zip(challenges, found, strict=True))


class Counted:
    """A real connection that counts the statements it is sent (how many round trips the limiter made)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn, self.statements = conn, 0

    async def fetchrow(self, query: str, *args: object) -> object:
        self.statements += 1
        return await self.conn.fetchrow(query, *args)

    async def execute(self, query: str, *args: object) -> object:
        self.statements += 1
        return await self.conn.execute(query, *args)


async def request(policy: SharedLimiter, sql: Counted, client: str) -> bool:
    """One request as `SharedLimiter.take` counts it (its lease first), without an app around it."""
    leased = policy.from_lease(client)
    if leased is not None:
        return True
    return (await policy.take_counted(sql, client, key_of(policy, client))).allowed


def key_of(policy: SharedLimiter, client: str) -> bytes:
    """The stored key (the test's secret ignores the settings)."""
    return policy.stored_key(None, client)  # type: ignore[arg-type]


async def test_two_replicas_leasing_blocks_never_allow_a_busy_client_more_than_the_policy(
        sql: asyncpg.Connection) -> None:
    # one a minute, 40 at once: whatever the machine's speed, the refill during the test is a cell or two
    one, two = (SharedLimiter("test", 1, 40, secret=lambda _: "s" * 32, lease_s=30) for _ in range(2))
    counted = Counted(sql)
    started = time.monotonic()
    allowed, until_refused = [], 0
    for _ in range(60):
        for policy in (one, two):
            allowed.append(await request(policy, counted, "192.0.2.7"))
            until_refused = until_refused or (0 if allowed[-1] else counted.statements)
    refill = math.floor((time.monotonic() - started) / one.interval) + 1
    assert 40 // 2 <= sum(allowed) <= 40 + refill, "every cell spent was counted in the shared counter first"
    assert 0 < until_refused <= sum(allowed) // 2, "a busy client costs a round trip per block, not per request"
    tat, seen = await sql.fetchrow("SELECT tat, seen FROM rate_limits WHERE key = $1", key_of(one, "192.0.2.7"))
    assert tat - seen <= one.tolerance + one.interval, "the counter never lends beyond the burst"


async def test_a_lease_is_dropped_after_lease_s_and_a_quiet_client_takes_one_cell_at_a_time(
        sql: asyncpg.Connection) -> None:
    policy = SharedLimiter("test", 6, 20, secret=lambda _: "s" * 32, lease_s=30)
    counted, client = Counted(sql), "192.0.2.8"
    assert policy.lease_size(client) == 1, "a client this replica has not seen takes one cell, as ever"
    assert await request(policy, counted, client)
    assert policy.lease_size(client) == 2, "it came back within lease_s: the next take is a block of two"
    assert await request(policy, counted, client)
    assert policy.from_lease(client, now=time.monotonic() + 31) is None, "unspent past lease_s: dropped"
    assert policy.lease_size(client, now=time.monotonic() + 31) == 1
    tat, seen = await sql.fetchrow("SELECT tat, seen FROM rate_limits WHERE key = $1", key_of(policy, client))
    assert 2.5 * policy.interval < tat - seen <= 3 * policy.interval, "three cells counted: one, then a block of two"
    assert policy.from_lease(client) is not None, "the block's second cell, from memory"
    assert policy.from_lease(client) is None
    assert counted.statements == 2


async def test_a_block_the_counter_cannot_give_falls_back_to_one_cell(sql: asyncpg.Connection) -> None:
    policy = SharedLimiter("test", 1, 8, secret=lambda _: "s" * 32, lease_s=30)
    counted, client = Counted(sql), "192.0.2.9"
    key = key_of(policy, client)
    assert await request(policy, counted, client)
    assert policy.lease_size(client) == 2
    # another replica spends all but one cell meanwhile
    await sql.execute("UPDATE rate_limits SET tat = seen + $2 WHERE key = $1", key, policy.tolerance)
    decision = await policy.take_counted(counted, client, key)
    assert decision.allowed, "the last cell, taken alone"
    assert decision.remaining == 0
    assert counted.statements == 3, "the block refused, then one cell"
    assert policy.from_lease(client) is None
    assert not (await policy.take_counted(counted, client, key)).allowed
    assert counted.statements == 4
    # a block and then one cell refused: at its limit, a client costs one round trip a request, not two
    other, before = "192.0.2.10", counted.statements
    assert await request(policy, counted, other)
    assert policy.lease_size(other) == 2
    await sql.execute("UPDATE rate_limits SET tat = seen + $2 WHERE key = $1", key_of(policy, other),
                      policy.tolerance + policy.interval)
    assert not (await policy.take_counted(counted, other, key_of(policy, other))).allowed
    assert not (await policy.take_counted(counted, other, key_of(policy, other))).allowed
    assert counted.statements - before == 1 + 2 + 1
