"""The partnership app over HTTP on a real database and broker, with tokens carrying the scopes under test."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import httpx
import pytest

from gotong.messaging.topics import dlq_topic, ensure_topics
from gotong.testing.tokens import TokenIssuer
from partnership.application.regions import today
from partnership.bootstrap import create_app
from partnership.config import Settings

ISSUER = TokenIssuer()


def auth(sub: str, scopes: str = "partnership:read partnership:write") -> dict[str, str]:
    return ISSUER.headers(sub, scopes)


class Api:
    """Short calls for the flows under test; each asserts the status it expects."""

    OPS = auth("ops-1")
    SUP = auth("sup-1", "partnership:read partnership:write partnership:approve")
    READER = auth("reader-1", "partnership:read")

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    @staticmethod
    def sha(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()

    @staticmethod
    def day(n: int = 0) -> str:
        return (today() + timedelta(days=n)).isoformat()

    async def post(self, path: str, body: dict[str, Any] | None = None, *, headers: dict[str, str] | None = None,
                   expect: int | None = None) -> Any:
        r = await self.client.post(path, json=body or {}, headers=headers or self.OPS)
        if expect is not None:
            assert r.status_code == expect, r.text
        return r

    async def get(self, path: str, **params: Any) -> Any:
        r = await self.client.get(path, params=params, headers=self.OPS)
        assert r.status_code == 200, r.text
        return r.json()

    async def partner(self, name: str, strand: str, kind: str, region: str = "35.78", **more: Any) -> str:
        r = await self.post("/v1/partners", {"name": name, "strand": strand, "kind": kind, "region_code": region,
                                             **more}, expect=201)
        return str(r.json()["id"])

    async def agreement(self, parties: list[tuple[str, str]], *, kind: str = "mou", title: str = "MoU Kolaborasi",
                        starts: int = -30, ends: int = 700, documents: bool = True) -> str:
        body = {"kind": kind, "title": title, "purpose": "Kerja sama pengelolaan sampah berbasis teknologi",
                "starts_on": self.day(starts), "ends_on": self.day(ends),
                "parties": [{"partner_id": p, "role": r} for p, r in parties],
                "documents": [{"sha256": self.sha(title), "title": f"{title} (ditandatangani)"}] if documents else []}
        r = await self.post("/v1/agreements", body, expect=201)
        return str(r.json()["id"])

    async def signed(self, agreement_id: str, parties: list[str], active: bool = True) -> None:
        await self.post(f"/v1/agreements/{agreement_id}/sign", {"signed_by": parties, "signed_on": self.day(-20)},
                        headers=self.SUP, expect=200)
        if active:
            await self.post(f"/v1/agreements/{agreement_id}/activate", {}, headers=self.SUP, expect=200)

    async def project(self, partners: list[tuple[str, str]], agreements: list[str], *, region: str = "35.78",
                      budget: int = 4_500_000_000, title: str = "TPST Berbasis Teknologi") -> str:
        r = await self.post("/v1/projects", {
            "title": title, "goals": ["Mengurangi sampah ke TPA 30%"], "region_code": region, "budget": budget,
            "sdgs": [11, 12], "starts_on": self.day(-30), "ends_on": self.day(700),
            "partners": [{"partner_id": p, "role": r} for p, r in partners], "agreement_ids": agreements},
            expect=201)
        return str(r.json()["id"])


@pytest.fixture
async def client(database_url, kafka_bootstrap):
    await ensure_topics(kafka_bootstrap, ["partnership.events", dlq_topic("partnership.events")])
    settings = Settings(database_url=database_url, kafka_bootstrap_servers=kafka_bootstrap, relay_enabled=False,
                        overdue_check_interval_s=0)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        app.state.token_verifier = ISSUER.verifier()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://partnership") as c:
            c.app = app  # type: ignore[attr-defined]
            yield c


@pytest.fixture
def api(client) -> Api:
    return Api(client)


@pytest.fixture
async def helix(api):
    """Surabaya: the city government, ITS and a recycling company under an active MoU, on one project."""
    gov = await api.partner("Pemerintah Kota Surabaya", "government", "pemkot")
    campus = await api.partner("Institut Teknologi Sepuluh Nopember", "campus", "institute")
    industry = await api.partner("PT Daur Ulang Nusantara", "industry", "company", nib="8120202345601")
    mou = await api.agreement([(gov, "regulator"), (campus, "researcher"), (industry, "implementer")])
    await api.signed(mou, [gov, campus, industry])
    project = await api.project([(gov, "regulator"), (campus, "researcher"), (industry, "implementer")], [mou])
    return {"gov": gov, "campus": campus, "industry": industry, "mou": mou, "project": project}
