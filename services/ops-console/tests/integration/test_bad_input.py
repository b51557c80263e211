"""Bad input to the console's pages gets a clear answer naming the field, never a 500; a form without its
idempotency key is refused before anything reaches an owning service."""

import re

import pytest

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.mark.parametrize(("method", "path", "field"), [
    ("GET", "/households/not-a-uuid", "household_id"),
    ("GET", "/reviews?offset=-5", "offset"),
    ("GET", "/reviews?status=lost", "status"),
    ("GET", "/reviews?region=jakarta", "region"),
    ("GET", "/reviews?reason=DROP%20TABLE", "reason"),
    ("GET", "/reviews?older_than_days=-1", "older_than_days"),
    ("GET", "/allocations?after=not-a-cursor", "after"),
    ("GET", "/cycles?status=bogus", "status"),
    ("GET", "/cycles/123", "cycle_id"),
    ("GET", "/exceptions?cycle_id=x", "cycle_id"),
    ("POST", "/cycles/00000000-0000-0000-0000-000000000001/explode", "step"),
    ("POST", "/reviews/0/propose", "review_id"),
    ("POST", "/reports/00000000-0000-0000-0000-000000000001/2026-Q9/1/accept", "period"),
    ("GET", "/auth/sign-in?return_to=" + "a" * 600, "return_to"),
])
async def test_a_bad_parameter_is_refused_naming_it(console, idp, sign_in, method, path, field):
    await sign_in(console, idp, "ani")
    token = CSRF.search((await console.get("/dashboard")).text).group(1)
    r = await (console.get(path) if method == "GET" else console.post(path, data={"csrf": token}))
    assert r.status_code == 422, r.text
    assert field in r.text


async def test_a_form_without_its_idempotency_key_is_refused(console, idp, sign_in):
    await sign_in(console, idp, "budi")
    token = CSRF.search((await console.get("/dashboard")).text).group(1)
    r = await console.post("/reviews/7/decide", data={"csrf": token, "approve": "true"})
    assert r.status_code == 422
    assert "idem" in r.text
    unreachable = await console.post("/reviews/7/decide", data={"csrf": token, "approve": "true",
                                                                "idem": "0123456789abcdef"})
    assert unreachable.status_code == 502, "nothing listens at the registry's address here"
    assert "Layanan pemilik tidak dapat dihubungi" in unreachable.text
