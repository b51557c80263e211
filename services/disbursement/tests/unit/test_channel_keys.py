"""Which keys the service trusts for the channel's callbacks: CHANNEL_PUBLIC_KEYS in production (it refuses to start
without them, naming the variable), a development key made once in local mode; and the signature format."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError

from disbursement.adapters.g2p_signature import SignatureRejected, Signer, raw_public_key, verify
from disbursement.bootstrap import callback_keys, create_app
from disbursement.config import Settings
from disbursement.entrypoints.state import service
from gotong.settings import ProductionNotReady

PRODUCTION = {
    "gotong_env": "production", "database_url": "postgresql://gotong@db.internal:5432/gotong",
    "kafka_bootstrap_servers": "kafka:9092", "jwks_url": "https://id.example.go.id/jwks",
    "jwt_issuer": "https://id.example.go.id", "jwt_audience": "gotong", "embedded_channel": False,
    "channel_url": "https://channel.example.co.id/g2p", "callback_base_url": "https://disbursement.example.go.id",
    "channel_secret": "a-real-secret-from-the-secret-store",
}


def _signer() -> Signer:
    return Signer(Ed25519PrivateKey.generate(), "bank.example.co.id")


def test_production_without_the_channels_public_keys_refuses_to_start_naming_the_variable(tmp_path):
    settings = Settings(**PRODUCTION, channel_dev_key_path=str(tmp_path / "dev.pem"))
    assert [p for p in settings.production_problems() if p.startswith("CHANNEL_PUBLIC_KEYS")]
    with pytest.raises(ProductionNotReady, match="CHANNEL_PUBLIC_KEYS is not set"):
        create_app(settings)
    assert not (tmp_path / "dev.pem").exists()  # production never makes a development key


def test_production_with_the_channels_public_keys_trusts_exactly_them(tmp_path):
    signer = _signer()
    settings = Settings(**PRODUCTION, channel_public_keys={signer.kid: raw_public_key(signer.key.public_key())},
                        channel_dev_key_path=str(tmp_path / "dev.pem"))
    assert settings.production_problems() == []
    app = create_app(settings)
    assert set(service(app).callback_keys) == {signer.kid}
    assert not (tmp_path / "dev.pem").exists()


@pytest.mark.parametrize("keys", [{"no-key-id": "AAAA"}, {"bank|k1": "not a key"}, {"bank|k1": "AAAA"}])
def test_a_malformed_channel_key_is_refused_naming_the_variable(keys):
    with pytest.raises(ValidationError, match="CHANNEL_PUBLIC_KEYS"):
        Settings(channel_public_keys=keys)


def test_local_mode_makes_a_development_key_once_and_trusts_it(tmp_path):
    settings = Settings(channel_dev_key_path=str(tmp_path / "g2p" / "dev.pem"))
    keys, dev = callback_keys(settings)
    assert dev is not None
    assert keys == dev.trusted()
    again, dev_again = callback_keys(settings)  # the next start: the same key, read back
    assert dev_again is not None
    assert dev_again.kid == dev.kid
    assert (tmp_path / "g2p" / "dev.pem").stat().st_mode & 0o777 == 0o600


def test_a_signature_covers_header_and_message_and_names_sender_key_and_validity():
    signer = _signer()
    envelope = signer.sign({"header": {"sender_id": signer.sender_id, "message_id": "m1"},
                            "message": {"amount": "600000.00"}}, now=1_800_000_000)
    keys = signer.trusted()
    parsed = verify(envelope, keys=keys, now=1_800_000_010, max_ttl_s=3600, skew_s=60)
    assert (parsed.sender_id, parsed.created, parsed.expires) == (signer.sender_id, 1_800_000_000, 1_800_000_300)
    envelope["message"]["amount"] = "900000.00"
    with pytest.raises(SignatureRejected, match="does not match"):
        verify(envelope, keys=keys, now=1_800_000_010, max_ttl_s=3600, skew_s=60)
    other_sender = signer.sign({"header": {"sender_id": "someone.else", "message_id": "m2"}, "message": {}},
                               now=1_800_000_000)
    with pytest.raises(SignatureRejected, match="another sender"):
        verify(other_sender, keys=keys, now=1_800_000_010, max_ttl_s=3600, skew_s=60)
    long_lived = Signer(signer.key, signer.sender_id, ttl_s=7200).sign(
        {"header": {"sender_id": signer.sender_id, "message_id": "m3"}, "message": {}}, now=1_800_000_000)
    with pytest.raises(SignatureRejected, match="validity must be"):
        verify(long_lived, keys=keys, now=1_800_000_010, max_ttl_s=3600, skew_s=60)


def test_the_signature_string_has_the_specs_parameters_in_its_order_and_errors_use_its_codes():
    spec = yaml.safe_load((Path(__file__).parents[1] / "data" / "g2p-connect" /
                           "disburse_core_api_v1.0.0.yaml").read_text())
    schemas = spec["components"]["schemas"]
    example = schemas["MsgSignature"]["example"]
    signer = _signer()
    ours = signer.sign({"header": {"sender_id": signer.sender_id}, "message": {}}, now=1_800_000_000)["signature"]

    def names(text: str) -> list[str]:
        return re.findall(r'(\w+)="', text)

    assert names(ours) == names(example)
    assert ours.split(" ", 1)[0] == example.split(" ", 1)[0] == "Signature:"
    for fixed in ('namespace="g2p", ', 'algorithm="ed25519", ', 'headers="(created) (expires) digest", '):
        assert fixed in example
        assert fixed in ours
    kid = re.search(r'kidId="([^"]+)"', ours)
    assert kid is not None
    assert kid.group(1) == f"{signer.sender_id}|{signer.key_id}|ed25519"  # {sender_id}|{unique_key_id}|{algorithm}
    error_codes = {c for s in schemas.values() for c in s.get("properties", {}).get("code", {}).get("enum", [])}
    assert {"err.signature.missing", "err.signature.invalid", "err.request.bad"} <= error_codes
