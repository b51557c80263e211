"""The partners' desks through the console against the real csr-ledger, enterprise and partnership apps, each
officer with their own token: the CSR desk (companies, pledges, deposits, an allocation waiting for approval that
an operator may not approve and a supervisor does), impact reports waiting for review across enterprises
(accepted, returned only with a reason), and overdue partnership milestones — in Bahasa Indonesia and English."""

import hashlib
import re
from datetime import timedelta

import httpx
import pytest

from csr_ledger.bootstrap import create_app as create_csr_app
from csr_ledger.config import Settings as CsrSettings
from enterprise.bootstrap import create_app as create_enterprise_app
from enterprise.config import Settings as EnterpriseSettings
from gotong.api.auth import JWKSVerifier
from gotong.api.authorize import PublicClient, hash_password, parse_users
from gotong.api.token_server import ClientConfig, create_token_app
from gotong.messaging.topics import dlq_topic, ensure_topics, events_topic
from gotong.testing.plugin import create_test_database
from ops_console.bootstrap import create_app
from partnership.application.regions import today
from partnership.bootstrap import create_app as create_partnership_app
from partnership.config import Settings as PartnershipSettings

ISSUER, CONSOLE = "http://auth.test", "https://console.test"
SERVICES = ("registry", "disbursement", "csr-ledger", "enterprise", "partnership")
ROLES = {"ani": "operator", "budi": "supervisor", "citra": "supervisor", "dewi": "auditor"}
ROLE_SCOPES = {"operator": ["registry:read", "csr-ledger:read", "csr-ledger:write", "enterprise:read",
                            "enterprise:write", "partnership:read"],
               "supervisor": ["registry:read", "csr-ledger:read", "csr-ledger:approve", "enterprise:read",
                              "enterprise:review", "partnership:read"],
               "auditor": ["registry:read"]}
SEEDERS = {"seeder": "csr-ledger:read csr-ledger:write enterprise:read enterprise:write partnership:read "
                     "partnership:write",
           "seed-checker": "enterprise:read enterprise:verify enterprise:review"}
FORM = re.compile(r'<form method="post" action="([^"]+)"[^>]*>\s*<input type="hidden" name="csrf" value="([^"]+)">'
                  r'<input type="hidden" name="idem" value="([^"]+)">')
METRICS = {"earned_revenue": 420_000_000, "total_expenses": 480_000_000, "grants_received": 60_000_000,
           "employees": 24, "employees_vulnerable": 18, "beneficiaries_served": 1_200, "service_hours": 3_100}


@pytest.fixture
def token_app(tmp_path, passwords):
    """The conftest's sign-in, with tokens for the partners' services and two machine clients that seed them."""
    users = parse_users([{"username": u, "name": u.title(), "password_hash": hash_password(p), "roles": [ROLES[u]]}
                         for u, p in passwords.items()])
    clients = [ClientConfig(client_id=c, secret_sha256=hashlib.sha256(f"{c}-secret".encode()).hexdigest(),
                            scopes=s.split()) for c, s in SEEDERS.items()]
    return create_token_app(clients, tmp_path / "key.pem", ISSUER, [f"gotong-{s}" for s in SERVICES], users=users,
                            public_clients=[PublicClient(client_id="ops-console",
                                                         redirect_uris=[CONSOLE + "/auth/callback"])],
                            role_scopes=ROLE_SCOPES)


class Hosts(httpx.AsyncBaseTransport):
    """One client for every owning service: each host name goes to its in-process app."""

    def __init__(self, apps: dict[str, object]) -> None:
        self.apps = {host: httpx.ASGITransport(app=app) for host, app in apps.items()}  # type: ignore[arg-type]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.apps[request.url.host].handle_async_request(request)


@pytest.fixture
async def desks(database_url, kafka_bootstrap, test_infra, idp, console_settings_for):
    topics = [events_topic(s) for s in SERVICES]
    await ensure_topics(kafka_bootstrap, [*topics, *(dlq_topic(t) for t in topics)])
    common = {"kafka_bootstrap_servers": kafka_bootstrap, "relay_enabled": False}
    apps = {
        "csr-ledger": create_csr_app(CsrSettings(
            database_url=await create_test_database(test_infra.database_url, "csr-ledger"),
            allocation_approval_threshold=100_000_000, consume_disbursement=False, **common)),
        "enterprise": create_enterprise_app(EnterpriseSettings(
            database_url=await create_test_database(test_infra.database_url, "enterprise"), consume_csr=False,
            consume_registry=False, **common)),
        "partnership": create_partnership_app(PartnershipSettings(
            database_url=await create_test_database(test_infra.database_url, "partnership"),
            overdue_check_interval_s=0, **common)),
    }
    async with (apps["csr-ledger"].router.lifespan_context(apps["csr-ledger"]),
                apps["enterprise"].router.lifespan_context(apps["enterprise"]),
                apps["partnership"].router.lifespan_context(apps["partnership"]),
                httpx.AsyncClient(transport=Hosts(apps)) as owners):
        for name, app in apps.items():
            app.state.token_verifier = JWKSVerifier(f"{ISSUER}/.well-known/jwks.json", issuer=ISSUER,
                                                    audience=f"gotong-{name}", client=idp)
        console = create_app(console_settings_for(database_url, kafka_bootstrap, consumers_enabled=False,
                                                  csr_ledger_url="http://csr-ledger",
                                                  enterprise_url="http://enterprise",
                                                  partnership_url="http://partnership"),
                             oidc_http=idp, owner_http=owners)
        async with console.router.lifespan_context(console):
            yield console, owners


async def machine(idp: httpx.AsyncClient, client: str) -> dict[str, str]:
    r = await idp.post("/oauth2/token", data={"grant_type": "client_credentials"}, auth=(client, f"{client}-secret"))
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def seeded(owners: httpx.AsyncClient, idp: httpx.AsyncClient) -> dict[str, str]:
    """A company with a pledge, a deposit and an allocation waiting for approval; an active social enterprise with
    two reports submitted; a project with a milestone ten days overdue."""
    seed, checker = await machine(idp, "seeder"), await machine(idp, "seed-checker")

    async def post(url: str, body: dict | None = None, who: dict[str, str] = seed) -> dict:
        r = await owners.post(url, json=body or {}, headers=who)
        assert r.status_code in (200, 201), r.text
        return r.json()  # type: ignore[no-any-return]

    company = (await post("http://csr-ledger/v1/companies", {
        "name": "PT Semen Nusantara Tbk", "nib": "9120007777777", "npwp": "01.234.567.8-901.000",
        "sector": "mining", "tjsl_mandatory": True}))["id"]
    await post(f"http://csr-ledger/v1/companies/{company}/pledges", {"year": 2026, "amount": 7_500_000_000,
                                                                     "themes": ["pendidikan"]})
    await post(f"http://csr-ledger/v1/companies/{company}/deposits", {"amount": 5_000_000_000, "reference": "BNI-1"})
    allocation = (await post(f"http://csr-ledger/v1/companies/{company}/allocations", {
        "target_kind": "project", "target_id": "tpst-surabaya", "target_name": "TPST Surabaya",
        "amount": 1_250_000_000, "sdgs": [11], "region": "35"}))
    assert allocation["status"] == "pending_approval"

    enterprise = (await post("http://enterprise/v1/enterprises", {
        "name": "Koperasi Bank Sampah Sejahtera", "nib": "8120007777777", "legal_form": "koperasi",
        "mission": "Mengolah sampah rumah tangga bersama ibu-ibu di Bandung", "sdgs": [8, 12],
        "region_code": "32.73", "groups_served": ["poor_households"], "groups_employed": ["women"]}))["id"]
    await post(f"http://enterprise/v1/enterprises/{enterprise}/verify", who=checker)
    await post(f"http://enterprise/v1/enterprises/{enterprise}/activate", who=checker)
    for period in ("2026-Q1", "2026-Q2"):
        await post(f"http://enterprise/v1/enterprises/{enterprise}/reports", {"period": period, "metrics": METRICS})

    gov = (await post("http://partnership/v1/partners", {"name": "Pemerintah Kota Surabaya", "strand": "government",
                                                          "kind": "pemkot", "region_code": "35.78"}))["id"]
    project = (await post("http://partnership/v1/projects", {
        "title": "TPST Berbasis Teknologi", "goals": ["Mengurangi sampah ke TPA 30%"], "region_code": "35.78",
        "budget": 4_500_000_000, "starts_on": (today() - timedelta(days=60)).isoformat(),
        "partners": [{"partner_id": gov, "role": "regulator"}]}))["id"]
    await post(f"http://partnership/v1/projects/{project}/milestones",
               {"title": "Desain rinci TPST", "due_on": (today() - timedelta(days=10)).isoformat()})
    return {"company": company, "allocation": allocation["id"], "enterprise": enterprise}


def form_for(page: str, action: str) -> dict[str, str]:
    for found, csrf, idem in FORM.findall(page):
        if found == action:
            return {"csrf": csrf, "idem": idem}
    raise AssertionError(f"no form for {action} in the page")


async def test_the_partners_desks_with_each_officers_own_token(desks, idp, sign_in):
    console, owners = desks
    ids = await seeded(owners, idp)
    ani, budi = (httpx.AsyncClient(transport=httpx.ASGITransport(app=console), base_url=CONSOLE) for _ in "ab")
    try:
        assert (await sign_in(ani, idp, "ani")).status_code == 303
        assert (await sign_in(budi, idp, "budi")).status_code == 303

        # the CSR desk: companies with their totals in Indonesian format, a company's pledges and deposits
        csr = await ani.get("/csr")
        assert csr.status_code == 200, csr.text
        assert "PT Semen Nusantara Tbk" in csr.text
        assert "Rp 5.000.000.000" in csr.text
        assert "Rp 1.250.000.000" in csr.text, "the amount awaiting approval"
        assert "PT Semen Nusantara Tbk" in (await ani.get("/csr?q=semen")).text
        assert "PT Semen Nusantara Tbk" not in (await ani.get("/csr?q=perbankan")).text
        company = await ani.get(f"/csr/companies/{ids['company']}")
        assert company.status_code == 200, company.text
        assert "Rp 7.500.000.000" in company.text
        assert "pendidikan" in company.text
        assert "deposit" in company.text
        assert "Rp 5,000,000,000" in (await ani.get(f"/csr/companies/{ids['company']}?lang=en")).text
        assert (await ani.get("/csr?lang=id")).status_code == 200  # back to Bahasa Indonesia (a cookie keeps it)

        # an allocation waiting for approval: the operator may not approve it, a forged form is refused,
        # the supervisor approves it and it leaves the queue
        queue = await ani.get("/csr/allocations")
        assert "TPST Surabaya" in queue.text
        assert "Menunggu persetujuan" in queue.text
        action = f"/csr/allocations/{ids['allocation']}/approve"
        refused = await ani.post(action, data=form_for(queue.text, action))
        assert refused.status_code == 403, refused.text
        assert "Peran Anda tidak mencakup izin" in refused.text
        queue = await budi.get("/csr/allocations")
        forged = await budi.post(action, data={**form_for(queue.text, action), "csrf": "forged"})
        assert forged.status_code == 403
        assert "TPST Surabaya" in (await budi.get("/csr/allocations")).text, "a refused form changed nothing"
        approved = await budi.post(action, data=form_for(queue.text, action))
        assert approved.status_code == 303, approved.text
        assert "TPST Surabaya" not in (await budi.get("/csr/allocations")).text
        done = await budi.get("/csr/allocations?status=approved&lang=en")
        assert "TPST Surabaya" in done.text
        assert "<dt>Decided by</dt><dd>budi" in done.text

        # impact reports across enterprises: accept one; returning needs a reason (the service names the field)
        reports = await budi.get("/impact-reports")
        assert reports.status_code == 200, reports.text
        assert reports.text.count("Koperasi Bank Sampah Sejahtera") == 2
        base = f"/impact-reports/{ids['enterprise']}"
        accept = f"{base}/2026-Q1/1/accept"
        operator = await ani.post(accept, data=form_for((await ani.get("/impact-reports")).text, accept))
        assert operator.status_code == 403
        assert (await budi.post(accept, data=form_for(reports.text, accept))).status_code == 303
        send_back = f"{base}/2026-Q2/1/return"
        reports = await budi.get("/impact-reports")
        assert "2026-Q1" not in reports.text
        blank = await budi.post(send_back, data={**form_for(reports.text, send_back), "reason": ""})
        assert blank.status_code == 422, blank.text
        assert "reason" in blank.text
        returned = await budi.post(send_back, data={**form_for(reports.text, send_back),
                                                    "reason": "Jumlah karyawan rentan belum dirinci"})
        assert returned.status_code == 303, returned.text
        assert "Koperasi Bank Sampah Sejahtera" not in (await budi.get("/impact-reports")).text
        assert "Koperasi" in (await budi.get("/impact-reports?status=returned")).text

        # milestones overdue across partnerships, dates as people write them, a bad region named
        late = await ani.get("/milestones")
        assert late.status_code == 200, late.text
        assert "Desain rinci TPST" in late.text
        assert (today() - timedelta(days=10)).strftime("%d-%m-%Y") in late.text
        assert '<td class="num">10</td>' in late.text
        assert "Desain rinci TPST" not in (await ani.get("/milestones?region=32")).text
        bad = await ani.get("/milestones?region=jawa-timur")
        assert bad.status_code == 422
        assert "region" in bad.text
    finally:
        await ani.aclose()
        await budi.aclose()


async def test_the_partners_desks_need_a_session(desks):
    console, _ = desks
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=console), base_url=CONSOLE) as stranger:
        for path in ("/csr", "/csr/allocations", "/impact-reports", "/milestones"):
            r = await stranger.get(path)
            assert r.status_code == 303, path
            assert r.headers["location"].startswith("/auth/sign-in")
        r = await stranger.post("/csr/allocations/00000000-0000-0000-0000-000000000000/approve", data={})
        assert r.status_code == 401
