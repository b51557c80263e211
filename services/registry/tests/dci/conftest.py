"""The DCI API on a real database and broker: ministry clients with their own Ed25519 keys, bearer tokens,
and a small local HTTP server that receives the registry's callbacks."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from uuid import uuid4

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gotong.messaging.topics import dlq_topic, ensure_topics
from gotong.testing.tokens import TokenIssuer
from registry.adapters.civil_registry import DukcapilSimulator
from registry.adapters.crypto import KeyRing
from registry.application.commands import Deps
from registry.config import Settings
from registry.dci.adapters.signature import ALGORITHM, NAMESPACE, SIGNED_HEADERS, signing_string
from registry.entrypoints.api.app import create_app

ISSUER = TokenIssuer()
REGISTRY_ID = "dtsen.test"
OPS_SCOPES = "registry:read registry:register registry:read-personal registry:audit registry:rank"


def token(sub: str, scopes: str) -> dict[str, str]:
    return ISSUER.headers(sub, scopes, client_id=sub)


OPS = token("ops-1", OPS_SCOPES)
#: the demo supervisor holds `registry:dci-admin` (see the registry's ServiceSpec scopes)
DCI_ADMIN = token("supervisor-1", "registry:read registry:audit registry:dci-admin")


class Ministry:
    """A DCI client: its OAuth2 client id, DCI sender id, signing key and token."""

    def __init__(self, client_id: str, scopes: str) -> None:
        self.client_id = client_id
        self.sender_id = f"{client_id}.go.id"
        self.key = Ed25519PrivateKey.generate()
        self.key_id = "k1"
        self.headers = token(client_id, scopes)

    def public_key(self) -> str:
        raw = self.key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return base64.b64encode(raw).decode()

    def envelope(self, action: str, message: dict[str, Any], *, total: int | None = None,
                 message_id: str | None = None, created: int | None = None, ttl: int = 300,
                 sender_uri: str | None = None, sign: bool = True) -> dict[str, Any]:
        header: dict[str, Any] = {
            "version": "1.0.0", "message_id": message_id or uuid4().hex, "message_ts": "2026-11-29T08:00:00+07:00",
            "action": action, "sender_id": self.sender_id, "receiver_id": REGISTRY_ID,
            "total_count": total if total is not None else len(
                message.get("search_request") or message.get("subscribe_request") or [1]),
            "is_msg_encrypted": False}
        if sender_uri:
            header["sender_uri"] = sender_uri
        body: dict[str, Any] = {"header": header, "message": message}
        if sign:
            created = created if created is not None else int(time.time())
            raw = self.key.sign(signing_string(created, created + ttl, header, message))
            body["signature"] = (
                f'Signature: namespace="{NAMESPACE}", kidId="{self.sender_id}|{self.key_id}|{ALGORITHM}", '
                f'algorithm="{ALGORITHM}", created="{created}", expires="{created + ttl}", '
                f'headers="{SIGNED_HEADERS}", signature="{base64.b64encode(raw).decode()}"')
        return body


SOCIAL = Ministry("kemensos", "dci:search dci:search:identity dci:search:socioeconomic dci:subscribe")
HEALTH = Ministry("kemenkes", "dci:search dci:search:identity dci:search:socioeconomic dci:subscribe")  # capped below
STATS = Ministry("bps", "dci:search dci:subscribe")  # statistics: no identity, no socio-economic data
NO_SEARCH = Ministry("bappenas", "registry:read")
METADATA = Ministry("intruder", "dci:search dci:subscribe")


class Callbacks:
    """A local HTTP server recording what the registry POSTs to it; `fail_next` makes it answer 500."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.fail_next = 0
        #: documents served on GET (a ministry's published JWKS)
        self.documents: dict[str, dict[str, Any]] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                document = outer.documents.get(self.path)
                self.send_response(200 if document is not None else 404)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps(document or {}).encode())

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                if outer.fail_next > 0:
                    outer.fail_next -= 1
                    self.send_response(500)
                else:
                    outer.received.append((self.path, json.loads(body)))
                    self.send_response(200)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"message": {"ack_status": "ACK"}}')

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    async def wait_for(self, path: str, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = [b for p, b in self.received if p == path]
            if len(got) >= count:
                return got
            await asyncio.sleep(0.05)
        raise AssertionError(f"no {count} callback(s) on {path}; got {[p for p, _ in self.received]}")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def callbacks():
    server = Callbacks()
    yield server
    server.close()


def clients(origin: str) -> list[dict[str, Any]]:
    def entry(m: Ministry, **extra: Any) -> dict[str, Any]:
        return {"client_id": m.client_id, "sender_id": m.sender_id,
                "keys": [{"key_id": m.key_id, "public_key": m.public_key()}], **extra}
    return [entry(SOCIAL, callback_base=f"{origin}/social"),
            entry(HEALTH, callback_base=f"{origin}/health", scopes=["dci:search", "dci:search:identity",
                                                                   "dci:subscribe"]),
            entry(STATS, callback_base=f"{origin}/stats"),
            entry(NO_SEARCH, callback_base=f"{origin}/none"),
            # registered its origins, but they are loopback / metadata / private: never called
            entry(METADATA, callback_base="http://169.254.169.254/latest",
                  callback_origins=["http://127.0.0.1:9", "https://10.1.2.3", "https://localhost"])]


@pytest.fixture
async def client(database_url, kafka_bootstrap, callbacks):
    topics = ["registry.events", "disbursement.events"]
    await ensure_topics(kafka_bootstrap, [*topics, *(dlq_topic(t) for t in topics)])
    settings = Settings(database_url=database_url, kafka_bootstrap_servers=kafka_bootstrap, relay_enabled=False,
                        consume_disbursement=False, dci_sender_id=REGISTRY_ID, dci_clients=clients(callbacks.origin),
                        dci_test_callback_origins=[callbacks.origin], dci_worker_interval_s=0.1)
    app = create_app(settings, deps=Deps(KeyRing.from_text(settings.master_secret), DukcapilSimulator(seed="dci")))
    async with app.router.lifespan_context(app):
        app.state.token_verifier = ISSUER.verifier()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://registry") as c:
            c.app = app  # type: ignore[attr-defined]
            yield c
