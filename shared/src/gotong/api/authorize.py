"""People sign in to the local token server: OpenID Connect authorization code with PKCE (RFC 6749 §4.1,
RFC 7636 S256 only, OIDC Core §3.1) for browser apps such as the ops console. In production any OIDC provider
(Keycloak, …) does this; services only ever see its JWTs through `JWKS_URL`.

Users have roles, and a role stands for scopes (the same scopes the demo machine clients have): `operator`
(an officer's), `supervisor` (an officer's plus every approval — two supervisors make maker–checker work), and
`auditor` (reads and the audit of personal-data reads). Passwords are kept as scrypt hashes. Five wrong
passwords lock a user name for five minutes. Codes are single use, bound to the client, its redirect URI and
the PKCE challenge, and live sixty seconds.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import os
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI, Form
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

CODE_TTL_S = 60
MAX_FAILURES, LOCKOUT_S = 5, 300
ROLES = ("operator", "supervisor", "auditor")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """`scrypt$<salt>$<hash>` (base64url), n=2**14, r=8, p=1."""
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt${_b64(salt)}${_b64(digest)}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, salt, _ = stored.split("$")
        if scheme != "scrypt":
            return False
        return hmac.compare_digest(hash_password(password, salt=_unb64(salt)), stored)
    except (ValueError, TypeError):
        return False


_DUMMY_HASH = hash_password(secrets.token_urlsafe(12))


class UserConfig(BaseModel):
    """A person who signs in. `roles` choose the scopes of the tokens they get."""

    username: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{1,63}$")
    name: str = Field(min_length=1, max_length=120)
    password_hash: str = Field(pattern=r"^scrypt\$")
    roles: list[str] = Field(min_length=1)


class PublicClient(BaseModel):
    """A browser app (no secret: PKCE protects its codes) and the exact redirect URIs it may use."""

    client_id: str = Field(min_length=1)
    redirect_uris: list[str] = Field(min_length=1)


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    challenge: str
    user: UserConfig
    scopes: list[str]
    nonce: str | None
    expires: float


@dataclass
class CodeFlow:
    """The authorization-code grant: the sign-in page, codes, and their exchange for tokens."""

    users: dict[str, UserConfig]
    clients: dict[str, PublicClient]
    role_scopes: dict[str, list[str]]
    key: Ed25519PrivateKey
    kid: str
    issuer: str
    audiences: list[str]
    token_ttl_s: int
    clock: Callable[[], float] = time.time
    codes: dict[str, _Code] = field(default_factory=dict)
    failures: dict[str, list[float]] = field(default_factory=dict)
    forms: dict[str, float] = field(default_factory=dict)  # CSRF tokens of the sign-in forms handed out

    def scopes_of(self, user: UserConfig) -> list[str]:
        return list(dict.fromkeys(s for r in user.roles for s in self.role_scopes.get(r, ())))

    def locked(self, username: str) -> bool:
        now = self.clock()
        recent = [t for t in self.failures.get(username, []) if now - t < LOCKOUT_S]
        self.failures[username] = recent
        return len(recent) >= MAX_FAILURES

    def issue_code(self, client_id: str, redirect_uri: str, challenge: str, user: UserConfig, scopes: list[str],
                   nonce: str | None) -> str:
        now = self.clock()
        for stale in [c for c, v in self.codes.items() if v.expires < now]:
            del self.codes[stale]
        code = secrets.token_urlsafe(32)
        self.codes[code] = _Code(client_id, redirect_uri, challenge, user, scopes, nonce, now + CODE_TTL_S)
        return code

    def exchange(self, code: str | None, client_id: str | None, redirect_uri: str | None,
                 verifier: str | None) -> JSONResponse:
        found = self.codes.pop(code or "", None)  # single use: gone even when the rest is wrong
        if found is None or found.expires < self.clock():
            return oauth_error(400, "invalid_grant", "unknown, used or expired code")
        if client_id != found.client_id or redirect_uri != found.redirect_uri:
            return oauth_error(400, "invalid_grant", "the code was issued to another client or redirect_uri")
        if not verifier or not 43 <= len(verifier) <= 128 or not hmac.compare_digest(s256(verifier),
                                                                                       found.challenge):
            return oauth_error(400, "invalid_grant", "code_verifier does not match the code_challenge")
        now = int(self.clock())
        user = found.user
        access = {"iss": self.issuer, "sub": user.username, "aud": self.audiences[0] if len(self.audiences) == 1
                  else self.audiences, "client_id": client_id, "iat": now, "nbf": now,
                  "exp": now + self.token_ttl_s, "scope": " ".join(found.scopes), "jti": _b64(os.urandom(12)),
                  "name": user.name, "roles": user.roles}
        identity = {"iss": self.issuer, "sub": user.username, "aud": client_id, "iat": now,
                    "exp": now + self.token_ttl_s, "name": user.name, "roles": user.roles,
                    **({"nonce": found.nonce} if found.nonce else {})}
        headers = {"kid": self.kid}
        return JSONResponse({
            "access_token": jwt.encode(access, self.key, algorithm="EdDSA", headers=headers),
            "id_token": jwt.encode(identity, self.key, algorithm="EdDSA", headers=headers),
            "token_type": "Bearer", "expires_in": self.token_ttl_s, "scope": " ".join(found.scopes)},
            headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


def s256(verifier: str) -> str:
    return _b64(hashlib.sha256(verifier.encode("ascii", "replace")).digest())


def oauth_error(status: int, error: str, description: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status,
                        headers={"Cache-Control": "no-store", **headers})


def install_code_flow(app: FastAPI, flow: CodeFlow) -> None:
    """`GET/POST /oauth2/authorize`: the sign-in page and its answer (a redirect with `code` and `state`)."""

    def refuse_here(text: str) -> HTMLResponse:
        # RFC 6749 §4.1.2.1: with an unknown client or redirect URI, never redirect — say so on the page.
        return page("Sign-in refused", f"<p role='alert'>{html.escape(text)}</p>", status=400)

    def back(redirect_uri: str, state: str | None, **params: str) -> RedirectResponse:
        query = urlencode({**params, **({"state": state} if state is not None else {})})
        sep = "&" if urlsplit(redirect_uri).query else "?"
        return RedirectResponse(f"{redirect_uri}{sep}{query}", status_code=303)

    def check_request(client_id: str | None, redirect_uri: str | None) -> PublicClient | HTMLResponse:
        client = flow.clients.get(client_id or "")
        if client is None:
            return refuse_here("This application is not registered with the sign-in server.")
        if redirect_uri not in client.redirect_uris:
            return refuse_here("This return address is not registered for the application.")
        return client

    @app.get("/oauth2/authorize", include_in_schema=False)
    async def authorize(response_type: str | None = None, client_id: str | None = None,
                        redirect_uri: str | None = None, scope: str | None = None, state: str | None = None,
                        code_challenge: str | None = None, code_challenge_method: str | None = None,
                        nonce: str | None = None) -> Response:
        checked = check_request(client_id, redirect_uri)
        if isinstance(checked, HTMLResponse):
            return checked
        assert redirect_uri is not None
        if response_type != "code":
            return back(redirect_uri, state, error="unsupported_response_type",
                        error_description="only response_type=code")
        if code_challenge_method != "S256" or not code_challenge or len(code_challenge) != 43:
            return back(redirect_uri, state, error="invalid_request",
                        error_description="PKCE is required: code_challenge with code_challenge_method=S256")
        return login_form(flow, client_id or "", redirect_uri, scope, state, code_challenge, nonce, None)

    @app.post("/oauth2/authorize", include_in_schema=False)
    async def sign_in(client_id: Annotated[str, Form()], redirect_uri: Annotated[str, Form()],
                      code_challenge: Annotated[str, Form()], csrf: Annotated[str, Form()],
                      username: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
                      scope: Annotated[str | None, Form()] = None, state: Annotated[str | None, Form()] = None,
                      nonce: Annotated[str | None, Form()] = None) -> Response:
        checked = check_request(client_id, redirect_uri)
        if isinstance(checked, HTMLResponse):
            return checked
        if flow.forms.pop(csrf, 0.0) < flow.clock():
            return login_form(flow, client_id, redirect_uri, scope, state, code_challenge, nonce,
                              "The form expired; please sign in again.", status=400)
        user = flow.users.get(username.strip().lower())
        if flow.locked(username.strip().lower()):
            return login_form(flow, client_id, redirect_uri, scope, state, code_challenge, nonce,
                              "Too many wrong passwords: wait five minutes.", status=429)
        ok = check_password(password, user.password_hash if user else _DUMMY_HASH)
        if user is None or not ok:
            flow.failures.setdefault(username.strip().lower(), []).append(flow.clock())
            return login_form(flow, client_id, redirect_uri, scope, state, code_challenge, nonce,
                              "Wrong user name or password.", status=401)
        allowed = flow.scopes_of(user)
        asked = [s for s in (scope or "").split() if s not in ("openid", "profile")]
        granted = [s for s in asked if s in allowed] if asked else allowed
        code = flow.issue_code(client_id, redirect_uri, code_challenge, user, granted, nonce)
        return back(redirect_uri, state, code=code)


def login_form(flow: CodeFlow, client_id: str, redirect_uri: str, scope: str | None, state: str | None,
               challenge: str, nonce: str | None, error: str | None, *, status: int = 200) -> HTMLResponse:
    csrf = secrets.token_urlsafe(24)
    flow.forms = {k: v for k, v in flow.forms.items() if v > flow.clock()}
    flow.forms[csrf] = flow.clock() + 600
    hidden = {"client_id": client_id, "redirect_uri": redirect_uri, "code_challenge": challenge, "csrf": csrf,
              "scope": scope, "state": state, "nonce": nonce}
    fields = "".join(f'<input type="hidden" name="{k}" value="{html.escape(v)}">'
                     for k, v in hidden.items() if v is not None)
    alert = f'<p role="alert" class="error">{html.escape(error)}</p>' if error else ""
    body = f"""{alert}
<form method="post" action="/oauth2/authorize">{fields}
<label for="username">Nama pengguna / User name</label>
<input id="username" name="username" autocomplete="username" required autofocus>
<label for="password">Kata sandi / Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Masuk / Sign in</button>
</form>
<p class="app">{html.escape(client_id)}</p>"""
    # Browsers apply form-action to the redirect that follows the POST too: the app's registered origin is allowed.
    back_to = urlsplit(redirect_uri)
    return page("Masuk ke Gotong", body, status=status, form_action=f"{back_to.scheme}://{back_to.netloc}")


def page(title: str, body: str, *, status: int = 200, form_action: str = "") -> HTMLResponse:
    return HTMLResponse(f"""<!doctype html>
<html lang="id"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:24rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}}
label{{display:block;margin-top:1rem;font-weight:600}}input{{width:100%;padding:.6rem;font-size:1rem;
box-sizing:border-box;border:1px solid #555;border-radius:4px}}button{{margin-top:1.5rem;width:100%;padding:.7rem;
font-size:1rem;background:#0b5394;color:#fff;border:0;border-radius:4px}}.error{{color:#a00000;font-weight:600}}
.app{{color:#555;font-size:.875rem}}</style></head>
<body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>""", status_code=status,
                        headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY",
                                 "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                                            f"form-action 'self' {form_action}".rstrip() +
                                                            "; frame-ancestors 'none'",
                                 "Referrer-Policy": "no-referrer"})


def discovery_extras(issuer: str) -> dict[str, Any]:
    return {"authorization_endpoint": f"{issuer}/oauth2/authorize", "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"], "subject_types_supported": ["public"],
            "scopes_supported": ["openid", "profile"], "claims_supported": ["sub", "name", "roles"]}


def parse_users(items: Sequence[dict[str, Any]]) -> dict[str, UserConfig]:
    users = [UserConfig.model_validate(u) for u in items]
    unknown = sorted({r for u in users for r in u.roles} - set(ROLES))
    if unknown:
        raise ValueError(f"unknown roles {unknown}; roles are {', '.join(ROLES)}")
    return {u.username: u for u in users}


__all__ = ["CodeFlow", "PublicClient", "UserConfig", "check_password", "discovery_extras", "hash_password",
           "install_code_flow", "parse_users", "s256"]
