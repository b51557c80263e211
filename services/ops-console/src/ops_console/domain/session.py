"""The rules of an officer's console session: who may open one, and when it ends. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


class RoleRefused(Exception):
    """The person signed in but holds none of the roles the console needs."""

    def __init__(self, held: Sequence[str], needed: Sequence[str]) -> None:
        self.held = list(held)
        self.needed = list(needed)
        super().__init__(f"roles {self.held or ['(none)']} do not include any of {self.needed}")


def check_roles(held: Iterable[str], needed: Sequence[str]) -> list[str]:
    """The roles that let this person in; RoleRefused when there are none."""
    held = [str(r) for r in held]
    allowed = [r for r in held if r in needed]
    if not allowed:
        raise RoleRefused(held, needed)
    return allowed


@dataclass(frozen=True)
class SessionTimes:
    last_seen: datetime
    token_expires: datetime


def ended(times: SessionTimes, now: datetime, idle: timedelta) -> str | None:
    """Why the session is over ("idle" or "token"), or None while it lasts."""
    if now - times.last_seen > idle:
        return "idle"
    if now >= times.token_expires:
        return "token"
    return None
