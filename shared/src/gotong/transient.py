"""Which errors mean "a server we depend on is briefly away" (retry later), as opposed to a bug or bad input.

The API answers these with 503 and Retry-After instead of 500; consumers and relays retry them without
dead-lettering anything.
"""

from __future__ import annotations

import asyncio

import asyncpg
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

#: SQLSTATE classes and codes of a server that is starting, stopping, failing over or out of connections.
_UNAVAILABLE_STATES = ("08", "57P01", "57P02", "57P03", "53300", "40001", "40P01")


def _sqlstate(err: BaseException) -> str | None:
    state = getattr(err, "sqlstate", None) or getattr(getattr(err, "orig", None), "sqlstate", None)
    return state if isinstance(state, str) else None


def _refused_argument(err: BaseException) -> bool:
    """asyncpg could not encode a query argument (a bad value, not a bad connection): SQLAlchemy wraps this
    `asyncpg.DataError`, an `InterfaceError` subclass, in its own InterfaceError."""
    for e in (err, getattr(err, "orig", None), err.__cause__):
        if isinstance(e, asyncpg.DataError) or (e is not None and isinstance(e.__cause__, asyncpg.DataError)):
            return True
    return False


def is_transient(err: BaseException) -> bool:
    """True when the database (or the network to it) is unavailable for now: retrying later may succeed."""
    if _refused_argument(err):
        return False
    if isinstance(err, OperationalError | InterfaceError | PoolTimeout | ConnectionError | asyncio.TimeoutError):
        return True
    if isinstance(err, DBAPIError) and err.connection_invalidated:
        return True
    if isinstance(err, asyncpg.PostgresConnectionError | asyncpg.InterfaceError | asyncpg.CannotConnectNowError):
        return True
    if isinstance(err, OSError) and not isinstance(err, FileNotFoundError | PermissionError):
        return True
    state = _sqlstate(err)
    if state and state.startswith(_UNAVAILABLE_STATES):
        return True
    cause = err.__cause__ or err.__context__
    return cause is not None and cause is not err and isinstance(cause, asyncpg.PostgresConnectionError | OSError)
