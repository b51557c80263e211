"""Who is at the desk: the session behind the browser's cookie (server-side, idle timeout), and the CSRF check
every form's POST must pass."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from gotong.api.app import runtime
from ops_console.adapters.sessions import Session, Sessions
from ops_console.domain.session import SessionTimes, ended

COOKIE = "gotong_console"


class SignInNeeded(Exception):
    """No session (`why` None: go and sign in) or one that ended (`why`: "idle" or "token")."""

    def __init__(self, why: str | None, return_to: str = "/") -> None:
        self.why = why
        self.return_to = return_to
        super().__init__(why or "no session")


class CsrfRefused(Exception):
    """A form came back without this session's CSRF token."""


@dataclass(frozen=True)
class Officer:
    session_id: str
    session: Session

    @property
    def csrf(self) -> str:
        return self.session.csrf

    @property
    def name(self) -> str:
        return self.session.display_name

    @property
    def username(self) -> str:
        return self.session.username

    def may(self, scope: str) -> bool:
        return self.session.may(scope)


async def current_officer(request: Request) -> Officer:
    session_id = request.cookies.get(COOKIE, "")
    return_to = request.url.path
    if not session_id or len(session_id) > 200:
        raise SignInNeeded(None, return_to)
    kit = runtime(request.app)
    now = kit.clock.now()
    idle = timedelta(minutes=request.app.state.settings.session_idle_minutes)
    async with kit.database.transaction() as sql:
        sessions = Sessions(sql)
        found = await sessions.find(session_id)
        why = None if found is None else ended(SessionTimes(found.last_seen_at, found.token_expires_at), now, idle)
        if found is not None and why is None:
            await sessions.touch(session_id, now)
        elif found is not None:
            await sessions.close(session_id)
    if found is None:
        raise SignInNeeded(None, return_to)
    if why is not None:
        raise SignInNeeded(why, return_to)
    return Officer(session_id, found)


OfficerDep = Annotated[Officer, Depends(current_officer)]


async def checked_form(request: Request, officer: Officer) -> FormData:
    """The POSTed form, once its `csrf` field matches the session's token (compared in constant time)."""
    form = await request.form()
    sent = form.get("csrf")
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), officer.csrf.encode()):
        raise CsrfRefused()
    return form
