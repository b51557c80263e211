"""Every desk is one Tab away on every page: the main menu lists the dashboard, the review queue, cycles,
exceptions, CSR companies and allocations, impact reports and overdue milestones as plain links (keyboard
reachable, no menu button to find on a phone), in both languages, with the page's own desk marked current."""

import re

import pytest

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
NAV = re.compile(r'<nav aria-label="(?:Menu utama|Main menu)">(.*?)</nav>', re.S)
LINK = re.compile(r'<a href="([^"]+)"([^>]*)>([^<]+)</a>')
DESKS = ["/dashboard", "/reviews", "/cycles", "/exceptions", "/csr", "/csr/allocations", "/impact-reports",
         "/milestones"]
#: A page and the menu item it belongs to.
PAGES = {"/dashboard": "/dashboard", "/reviews": "/reviews", "/register": "/reviews", "/programs": "/cycles",
         "/cycles": "/cycles", "/exceptions": "/exceptions", "/allocations": "/csr/allocations",
         "/csr": "/csr", "/csr/allocations": "/csr/allocations", "/impact-reports": "/impact-reports",
         "/reports": "/impact-reports", "/milestones": "/milestones"}


def menu(html: str) -> list[tuple[str, bool, str]]:
    found = NAV.findall(html)
    assert len(found) == 1, "one main menu"
    return [(href, 'aria-current="page"' in attrs, label.strip()) for href, attrs, label in LINK.findall(found[0])]


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_every_page_menus_every_desk_with_its_own_marked(console, idp, sign_in, lang):
    await sign_in(console, idp, "ani")
    labels: set[tuple[str, ...]] = set()
    for path, own in PAGES.items():
        r = await console.get(path, params={"lang": lang})
        links = menu(r.text)
        assert [href for href, _, _ in links] == DESKS, path
        assert [href for href, current, _ in links if current] == [own], path
        assert "tabindex" not in NAV.findall(r.text)[0], "nothing in the menu is taken out of the Tab order"
        labels.add(tuple(label for _, _, label in links))
    assert len(labels) == 1, "the same words on every page"
    words = next(iter(labels))
    assert len(set(words)) == len(words), "no two desks named alike"
    assert ("Tonggak terlambat" if lang == "id" else "Overdue milestones") in words


async def test_the_signed_out_page_has_no_menu(console, idp, sign_in):
    await sign_in(console, idp, "budi")
    token = CSRF.search((await console.get("/dashboard")).text).group(1)
    r = await console.post("/auth/sign-out", data={"csrf": token})
    assert r.status_code == 200, r.text
    assert "Anda sudah keluar" in r.text
    assert NAV.findall(r.text) == []
