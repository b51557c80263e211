"""Sign-in for people: OpenID Connect authorization code with PKCE (S256) against the provider in settings,
then a server-side session (cookie: a random id, HttpOnly, Secure, SameSite=Lax); sign-out ends it."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from typing import Annotated

import jwt
from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from gotong.api.app import runtime
from ops_console.adapters.oidc import OidcProvider, Pkce, SignInFailed
from ops_console.adapters.sessions import PendingSignIn, Session, Sessions
from ops_console.domain.session import RoleRefused, check_roles
from ops_console.entrypoints.web.officer import COOKIE, OfficerDep, checked_form
from ops_console.entrypoints.web.render import cookie_flags, page

router = APIRouter(include_in_schema=False)
log = logging.getLogger("ops_console.auth")


def provider(request: Request) -> OidcProvider:
    found = getattr(request.app.state, "console_oidc", None)
    if not isinstance(found, OidcProvider):
        raise SignInFailed("no sign-in provider is configured (OIDC_ISSUER or JWT_ISSUER)")
    return found


def redirect_uri(request: Request) -> str:
    base = request.app.state.settings.console_public_url or str(request.base_url)
    return base.rstrip("/") + "/auth/callback"


def safe_return(path: str | None) -> str:
    """Only a path of this console: never another site (`//evil`, `https://…`)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path or len(path) > 500:
        return "/dashboard"
    return path


@router.get("/")
async def home() -> RedirectResponse:
    return RedirectResponse("/dashboard", status_code=303)


@router.get("/auth/sign-in")
async def sign_in(request: Request, return_to: Annotated[str | None, Query(max_length=500)] = None) -> Response:
    kit = runtime(request.app)
    state, nonce, pkce = secrets.token_urlsafe(24), secrets.token_urlsafe(24), Pkce.new()
    try:
        url = await provider(request).authorization_url(redirect_uri(request), state, nonce, pkce)
    except SignInFailed as err:
        return page(request, "message.html", status_code=503, title_key="sign_in_failed", message=err.reason)
    async with kit.database.transaction() as sql:
        await Sessions(sql).begin_sign_in(state, PendingSignIn(pkce.verifier, nonce, safe_return(return_to)),
                                          kit.clock.now())
    return RedirectResponse(url, status_code=303)


@router.get("/auth/callback")
async def callback(request: Request, code: Annotated[str | None, Query(max_length=2000)] = None,
                   state: Annotated[str | None, Query(max_length=500)] = None,
                   error: Annotated[str | None, Query(max_length=200)] = None,
                   error_description: Annotated[str | None, Query(max_length=500)] = None) -> Response:
    kit = runtime(request.app)
    now = kit.clock.now()
    async with kit.database.transaction() as sql:
        pending = await Sessions(sql).take_sign_in(state or "", now) if state else None
    if pending is None:
        return page(request, "message.html", status_code=400, title_key="sign_in_failed",
                    message="unknown or expired sign-in (state); please sign in again", retry=True)
    if error or not code:
        return page(request, "message.html", status_code=400, title_key="sign_in_failed",
                    message=f"{error or 'no code'}: {error_description or ''}".strip(": "), retry=True)
    try:
        tokens = await provider(request).exchange(code, redirect_uri(request), pending.verifier, pending.nonce)
    except SignInFailed as err:
        return page(request, "message.html", status_code=400, title_key="sign_in_failed", message=err.reason,
                    retry=True)
    claims = tokens.claims
    roles = claims.get("roles") or []
    settings = request.app.state.settings
    try:
        check_roles(roles if isinstance(roles, list) else [], settings.console_roles)
    except RoleRefused as refused:
        log.info("sign-in refused: no console role", extra={"roles": refused.held})
        return page(request, "refused.html", status_code=403, held=refused.held, needed=refused.needed)
    session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    scopes = frozenset(str(s) for s in (claims.get("scope") or _scopes_of(tokens.access_token)).split())
    session = Session(str(claims["sub"]), str(claims.get("name") or claims["sub"]), [str(r) for r in roles],
                      scopes, tokens.access_token, csrf, now, now + timedelta(seconds=tokens.expires_in))
    async with kit.database.transaction() as sql:
        await Sessions(sql).open(session_id, session, now)
    log.info("officer signed in", extra={"roles": session.roles})
    response = RedirectResponse(pending.return_to, status_code=303)
    response.set_cookie(COOKIE, session_id, **cookie_flags(request))
    return response


def _scopes_of(access_token: str) -> str:
    """The scopes the access token carries (read for the menu only; every service verifies the token itself)."""
    try:
        claims = jwt.decode(access_token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return ""
    raw = claims.get("scope") or claims.get("scp") or ""
    return raw if isinstance(raw, str) else " ".join(str(s) for s in raw)


@router.post("/auth/sign-out")
async def sign_out(request: Request, officer: OfficerDep) -> Response:
    await checked_form(request, officer)
    kit = runtime(request.app)
    async with kit.database.transaction() as sql:
        await Sessions(sql).close(officer.session_id)
    response = page(request, "message.html", title_key="signed_out", message="", retry=True)
    response.delete_cookie(COOKIE, **cookie_flags(request))
    return response
