"""Officers sign in with OIDC authorization code + PKCE against the real token server app; the console keeps
a server-side session behind an HttpOnly, Secure, SameSite=Lax cookie, checks a CSRF token on every form, ends
idle sessions and lets in only the roles it serves."""

import re
from urllib.parse import parse_qs, urlsplit

from gotong.api.app import runtime

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def test_an_operator_signs_in_and_sees_the_dashboard(console, idp, sign_in):
    r = await sign_in(console, idp, "ani")
    assert r.status_code == 303
    assert r.headers["location"] == "/dashboard"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("gotong_console=")
    flags = {f.strip().lower() for f in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite=lax", "path=/"} <= flags
    page = await console.get("/dashboard")
    assert page.status_code == 200
    assert '<html lang="id">' in page.text
    assert "Dasbor" in page.text
    assert "Ani Operator" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)", page.text), "no inline script"
    async with runtime(console.app).database.read() as sql:
        token = await sql.fetchval("SELECT access_token FROM console_sessions")
    assert token
    assert token not in page.text, "the token stays on the server"
    assert token not in cookie
    english = await console.get("/dashboard?lang=en")
    assert '<html lang="en">' in english.text
    assert "Dashboard" in english.text
    assert '<html lang="en">' in (await console.get("/dashboard")).text, "the language choice is remembered"


async def test_the_sign_in_uses_pkce_s256_and_a_state_that_works_once(console, idp, sign_in):
    r = await console.get("/auth/sign-in")
    query = parse_qs(urlsplit(r.headers["location"]).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert query["client_id"] == ["ops-console"]
    assert query["redirect_uri"] == ["https://console.test/auth/callback"]
    forged = await console.get("/auth/callback", params={"code": "x", "state": "made-up"})
    assert forged.status_code == 400
    assert "state" in forged.text
    answer = await sign_in(console, idp, "budi")
    assert answer.status_code == 303
    replay = await console.get(f"{urlsplit(str(answer.request.url)).path}?{answer.request.url.query.decode()}")
    assert replay.status_code == 400, "a callback cannot be replayed"


async def test_a_form_without_the_sessions_csrf_token_is_refused(console, idp, sign_in):
    await sign_in(console, idp, "ani")
    page = await console.get("/dashboard")
    token = CSRF.search(page.text).group(1)
    missing = await console.post("/auth/sign-out", data={})
    assert missing.status_code == 403
    assert "CSRF" in missing.text
    forged = await console.post("/auth/sign-out", data={"csrf": token[:-2] + "xx"})
    assert forged.status_code == 403
    desk = await console.post("/reviews/1/propose", data={"decision": "verified", "note": "ok lah",
                                                          "idem": "1234567890"})
    assert desk.status_code == 403, "refused before anything is sent to the registry"
    assert (await console.get("/dashboard")).status_code == 200, "still signed in"
    out = await console.post("/auth/sign-out", data={"csrf": token})
    assert out.status_code == 200
    assert "Anda sudah keluar" in out.text
    again = await console.get("/dashboard")
    assert again.status_code == 303
    assert again.headers["location"].startswith("/auth/sign-in")


async def test_an_idle_session_is_refused_and_ended(console, idp, sign_in):
    await sign_in(console, idp, "ani")
    assert (await console.get("/dashboard")).status_code == 200
    async with runtime(console.app).database.transaction() as sql:
        await sql.execute("UPDATE console_sessions SET last_seen_at = now() - interval '31 minutes'")
    r = await console.get("/dashboard")
    assert r.status_code == 401
    assert "Sesi Anda berakhir karena tidak ada aktivitas" in r.text
    async with runtime(console.app).database.read() as sql:
        assert await sql.fetchval("SELECT count(*) FROM console_sessions") == 0
    english = await console.get("/dashboard?lang=en")
    assert english.status_code == 303, "the session is gone: sign in again"


async def test_a_session_never_outlives_the_officers_token(console, idp, sign_in):
    await sign_in(console, idp, "budi")
    async with runtime(console.app).database.transaction() as sql:
        await sql.execute("UPDATE console_sessions SET token_expires_at = now() - interval '1 second'")
    r = await console.get("/dashboard?lang=en")
    assert r.status_code == 401
    assert "Your sign-in has expired" in r.text


async def test_a_user_without_a_console_role_is_refused_with_the_reason(console, idp, sign_in):
    r = await sign_in(console, idp, "dewi")
    assert r.status_code == 403
    assert "set-cookie" not in r.headers or "gotong_console=" not in r.headers["set-cookie"]
    assert "Akun Anda tidak memiliki peran yang dibutuhkan konsol ini" in r.text
    assert "operator, supervisor" in r.text
    assert "auditor" in r.text
    async with runtime(console.app).database.read() as sql:
        assert await sql.fetchval("SELECT count(*) FROM console_sessions") == 0


async def test_a_return_address_elsewhere_is_not_followed(console):
    r = await console.get("/auth/sign-in", params={"return_to": "//evil.example/x"})
    assert r.status_code == 303
    async with runtime(console.app).database.read() as sql:
        assert await sql.fetchval("SELECT return_to FROM console_sign_ins") == "/dashboard"
