"""The registry desk through the console against the real registry app, each officer with their own token:
an operator registers households (a second one on the same KK is flagged), a supervisor proposes a review
decision, is refused when deciding it (four eyes, told in Bahasa Indonesia
with the registry's own words), another supervisor decides; a household's page shows no personal data until
the officer states a purpose; and no personal field reaches a log line."""

import logging
import re

import httpx
import pytest

from gotong.api.auth import JWKSVerifier
from gotong.messaging.topics import dlq_topic, ensure_topics, events_topic
from gotong.testing.plugin import create_test_database
from ops_console.bootstrap import create_app
from registry.adapters.civil_registry import DukcapilSimulator
from registry.adapters.crypto import KeyRing
from registry.application.commands import Deps
from registry.config import Settings as RegistrySettings
from registry.entrypoints.api.app import create_app as create_registry_app
from registry.synthetic import households

ISSUER, CONSOLE = "http://auth.test", "https://console.test"
FORM = re.compile(r'<form method="post" action="([^"]+)"[^>]*>\s*<input type="hidden" name="csrf" value="([^"]+)">'
                  r'<input type="hidden" name="idem" value="([^"]+)">')


@pytest.fixture
async def desk(database_url, kafka_bootstrap, test_infra, idp, console_settings_for):
    topics = [events_topic("registry"), events_topic("disbursement")]
    await ensure_topics(kafka_bootstrap, [*topics, *(dlq_topic(t) for t in topics)])
    registry_db = await create_test_database(test_infra.database_url, "registry")
    settings = RegistrySettings(database_url=registry_db, kafka_bootstrap_servers=kafka_bootstrap,
                                relay_enabled=False, consume_disbursement=False)
    registry = create_registry_app(settings, deps=Deps(KeyRing.from_text(settings.master_secret),
                                                       DukcapilSimulator(seed="test")))
    async with registry.router.lifespan_context(registry), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=registry), base_url="http://registry") as registry_http:
        registry.state.token_verifier = JWKSVerifier(f"{ISSUER}/.well-known/jwks.json", issuer=ISSUER,
                                                     audience="gotong-registry", client=idp)
        console = create_app(console_settings_for(database_url, kafka_bootstrap, consumers_enabled=False),
                             oidc_http=idp, owner_http=registry_http)
        async with console.router.lifespan_context(console):
            yield console, registry_http


def browser(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=CONSOLE)


def register_form(row: dict) -> dict[str, str]:
    form = {k: row[k] for k in ("kk", "village_code", "address")}
    form.update({k: row[k] for k in ("phone", "bank_account") if row.get(k)})
    for i, m in enumerate(row["members"][:4]):
        form.update({f"nik_{i}": m["nik"], f"name_{i}": m["name"], f"sex_{i}": m["sex"],
                     f"birth_date_{i}": str(m["birth_date"]), f"relation_{i}": m["relation"]})
    return form


def form_for(page: str, action: str) -> dict[str, str]:
    for found, csrf, idem in FORM.findall(page):
        if found == action:
            return {"csrf": csrf, "idem": idem}
    raise AssertionError(f"no form for {action}")


async def test_four_eyes_through_the_console_and_personal_data_only_for_a_purpose(desk, idp, sign_in, caplog,
                                                                                   capsys):
    console, _ = desk
    caplog.set_level(logging.DEBUG)
    async with browser(console) as ani, browser(console) as budi, browser(console) as citra:
        for who, client in (("ani", ani), ("budi", budi), ("citra", citra)):
            assert (await sign_in(client, idp, who)).status_code == 303
        # the operator registers two households on one KK through the console: the second is flagged for review
        first, second = households(2, seed=21)
        second["kk"] = first["kk"]
        second["members"] = second["members"][:4]
        for row in (first, second):
            blank = await ani.get("/register")
            assert blank.status_code == 200
            answer = await ani.post("/households", data={**form_for(blank.text, "/households"), **register_form(row)})
            assert answer.status_code == 303, answer.text
        flagged = answer.headers["location"].split("/")[2].split("?")[0]
        bad = await ani.get("/register")
        wrong = await ani.post("/households", data={**form_for(bad.text, "/households"),
                                                    **register_form({**first, "kk": "12"})})
        assert wrong.status_code == 422
        assert "kk" in wrong.text, "the registry's refusal names the field"

        queue = await budi.get("/reviews", params={"status": "open"})
        assert queue.status_code == 200, queue.text
        [review_id] = re.findall(r'action="/reviews/(\d+)/propose"', queue.text)
        proposal = form_for(queue.text, f"/reviews/{review_id}/propose")
        proposed = await budi.post(f"/reviews/{review_id}/propose",
                                   data={**proposal, "decision": "verified", "note": "KK ganda sudah diperbaiki"})
        assert proposed.status_code == 303, proposed.text
        assert proposed.headers["location"] == "/reviews?done=1"
        again = await budi.post(f"/reviews/{review_id}/propose",
                                data={**proposal, "decision": "verified", "note": "KK ganda sudah diperbaiki"})
        assert again.status_code == 303, "a double submit replays the first answer (same idempotency key)"

        waiting = await budi.get("/reviews", params={"status": "proposed"})
        decide = form_for(waiting.text, f"/reviews/{review_id}/decide")
        own = await budi.post(f"/reviews/{review_id}/decide", data={**decide, "approve": "true"})
        assert own.status_code == 403
        assert "Empat mata: petugas yang mengusulkan tidak boleh menyetujui usulannya sendiri" in own.text
        assert "maker–checker" in own.text, "the registry's own reason follows"
        own_en = await budi.post(f"/reviews/{review_id}/decide?lang=en",
                                 data={**decide, "approve": "true", "idem": decide["idem"][:-4] + "beef"})
        assert own_en.status_code == 403
        assert "the officer who proposed cannot approve their own proposal" in own_en.text

        other = form_for((await citra.get("/reviews", params={"status": "proposed"})).text,
                         f"/reviews/{review_id}/decide")
        decided = await citra.post(f"/reviews/{review_id}/decide", data={**other, "approve": "true"})
        assert decided.status_code == 303, decided.text
        done = await citra.get("/reviews", params={"status": "decided"})
        assert f"#{review_id}" in done.text
        assert "Diputuskan" in done.text

        detail = await ani.get(f"/households/{flagged}")
        assert detail.status_code == 200, detail.text
        assert "verified" in detail.text
        assert second["kk"] not in detail.text, "no personal data before a purpose is stated"
        opened = form_for(detail.text, f"/households/{flagged}/personal")
        no_purpose = await ani.post(f"/households/{flagged}/personal", data={**opened, "purpose": ""})
        assert no_purpose.status_code == 422
        assert "purpose" in no_purpose.text, "the refusal names the field"
        personal = await ani.post(f"/households/{flagged}/personal", data={**opened, "purpose": "verification"})
        assert personal.status_code == 200, personal.text
        assert second["kk"] in personal.text
        assert personal.headers["cache-control"] == "no-store"

    printed = capsys.readouterr()
    logged = "\n".join(r.getMessage() + " " + str(r.__dict__) for r in caplog.records) + printed.out + printed.err
    members = second.get("members") or []
    secrets = [second["kk"], second["address"], *(second[k] for k in ("phone", "bank_account") if second.get(k)),
               *(m["nik"] for m in members), *(m["name"] for m in members)]
    assert secrets
    leaked = [s for s in secrets if s in logged]
    assert leaked == [], "personal data in a log line"
