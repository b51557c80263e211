"""Receiving a DCI message: bearer token → registered client → envelope → header checks → signature → body.

The checks run in this order and each refusal carries the spec's error code:
`err.request.unauthorized`/`err.request.forbidden` (token, scope, unknown client), `err.request.bad`
(unparsable envelope or message, wrong action, wrong total_count), `err.version.not_supported`,
`err.sender_id.invalid`, `err.receiver_id.invalid`, `err.encryption.invalid` (an encrypted message while
encryption is off or from a client without an encryption key, or not the spec's EncryptedMessage),
`err.signature.missing`/`err.signature.invalid` (unsigned, tampered, expired, unknown key) — the signature
covers `{header, message}` as sent, so an encrypted message's is checked before anything is decrypted —
then `err.encryption.invalid` for a JWE that does not decrypt with the registry's key, and only then the
(decrypted) message is validated.
Endpoints that call back then check `sender_uri` (`err.sender_uri.invalid`, see `routes._callback`);
sync endpoints ignore it, as the spec says it applies to async calls only.
"""

from __future__ import annotations

from typing import Any, TypeVar

import orjson
from fastapi import FastAPI, Request
from pydantic import BaseModel, ValidationError

from gotong.api.auth import InsufficientScope, Principal, Unauthorized, current_principal
from gotong.observability.logging import scrub_text
from registry.dci.adapters.clients import DciClient
from registry.dci.adapters.encryption import EncryptionRejected, check_shape
from registry.dci.adapters.jwks import JwksUnavailable
from registry.dci.adapters.signature import SignatureRejected, digest, parse, verify
from registry.dci.application.context import Dci, Received
from registry.dci.application.errors import DciError, DciForbidden, DciUnauthorized
from registry.dci.domain.schemas import DCI_VERSION, Envelope

M = TypeVar("M", bound=BaseModel)


def dci_of(app: FastAPI) -> Dci:
    """The app's DCI context (set by `bootstrap.install`)."""
    ctx: Dci = app.state.dci
    return ctx


def dci(request: Request) -> Dci:
    return dci_of(request.app)


def from_kit(err: Unauthorized | InsufficientScope) -> DciError:
    headers = err.extra.get("headers")
    headers = headers if isinstance(headers, dict) else None
    if isinstance(err, InsufficientScope):
        return DciForbidden("err.request.forbidden", err.detail, headers=headers)
    return DciUnauthorized("err.request.unauthorized", err.detail, headers=headers)


def field_errors(errors: list[Any], prefix: str) -> DciError:
    """A pydantic failure as `err.request.bad`, naming every field (never echoing values)."""
    out = DciError("err.request.bad", "invalid field(s): " + ", ".join(
        ".".join([prefix, *(str(p) for p in e["loc"])]).strip(".") for e in errors[:5]),
        field=".".join([prefix, *(str(p) for p in errors[0]["loc"])]).strip(".") if errors else prefix)
    out.errors = [{"code": "err.request.bad", "field": ".".join([prefix, *(str(p) for p in e["loc"])]).strip("."),
                   "message": scrub_text(str(e.get("msg", "invalid")))} for e in errors]
    return out


async def authorised(request: Request, *scopes: str) -> tuple[Principal, DciClient, frozenset[str]]:
    """The kit's bearer verification, then the client registry and the scopes the client may use."""
    try:
        principal = await current_principal(request)
    except Unauthorized as err:
        raise from_kit(err) from err
    client = await dci(request).clients.get(principal.client_id)
    if client is None:
        raise DciForbidden("err.request.forbidden", "this OAuth2 client is not registered for the DCI API")
    if client.revoked:
        raise DciForbidden("err.request.forbidden", "this DCI client is revoked")
    effective = client.effective_scopes(principal.scopes)
    missing = [s for s in scopes if s not in effective]
    if missing:
        raise from_kit(InsufficientScope(missing))
    return principal, client, effective


def _key_id(signature: str | None) -> str | None:
    """The unique_key_id a signature names, or None if it does not parse (`verify` then says why)."""
    try:
        return parse(signature).key_id
    except SignatureRejected:
        return None


def _items(message: BaseModel) -> int | None:
    """How many requests a batch message holds (`total_count` must say so); None for other messages."""
    for name in ("search_request", "subscribe_request"):
        value = getattr(message, name, None)
        if isinstance(value, list):
            return len(value)
    return None


async def receive(request: Request, action: str, model: type[M], *scopes: str) -> Received[M]:
    _, client, effective = await authorised(request, *scopes)
    ctx = dci(request)
    settings = ctx.settings
    try:
        raw = orjson.loads(await request.body())
    except orjson.JSONDecodeError as err:
        raise DciError("err.request.bad", "the body is not JSON", field="body") from err
    if not isinstance(raw, dict):
        raise DciError("err.request.bad", "the body must be an object with signature, header, message",
                       field="body")
    try:
        envelope = Envelope.model_validate(raw)
    except ValidationError as err:
        raise field_errors(list(err.errors()), "") from err
    header = envelope.header
    if header.version != DCI_VERSION:
        raise DciError("err.version.not_supported", f"only version {DCI_VERSION} is supported",
                       field="header.version")
    if header.sender_id != client.sender_id:
        raise DciForbidden("err.sender_id.invalid", "header.sender_id is not the sender registered for this client",
                           field="header.sender_id")
    if header.receiver_id not in (None, "", settings.dci_sender_id):
        raise DciError("err.receiver_id.invalid", f"this registry is {settings.dci_sender_id}",
                       field="header.receiver_id")
    if header.action != action:
        raise DciError("err.request.bad", f"rjct.action.invalid: this endpoint takes action {action}",
                       field="header.action")
    if header.is_msg_encrypted:
        if ctx.decrypter is None:
            raise DciError("err.encryption.invalid", "this registry does not accept encrypted messages "
                           "(DCI_ENCRYPTION_ENABLED is off); send it signed in clear over TLS",
                           field="header.is_msg_encrypted")
        if client.encryption_key is None:
            raise DciError("err.encryption.invalid", "this client has no encryption key registered, so its answers "
                           "could not be encrypted: register its public X25519 or RSA JWK (encryption_key) first",
                           field="header.is_msg_encrypted")
        try:
            check_shape(envelope.message)
        except EncryptionRejected as err:
            raise DciError("err.encryption.invalid", str(err), field="message") from err
    now = ctx.clock.now()
    keys = client.keys_at(now)
    if client.jwks_url and (key_id := _key_id(envelope.signature)) is not None and key_id not in client.keys:
        try:  # a key the client publishes (a kid not seen yet: a rotation on its side, so read it again)
            published = await ctx.jwks.keys(client.jwks_url)
            if key_id not in published:
                published = await ctx.jwks.keys(client.jwks_url, refresh=True)
        except JwksUnavailable as err:
            raise DciUnauthorized("err.signature.invalid", str(err), field="signature") from err
        keys = {**published, **keys}
    try:
        verify(envelope.signature, raw["header"], raw["message"], keys=keys, sender_id=client.sender_id,
               now=int(now.timestamp()), max_ttl_s=settings.dci_signature_max_ttl_s,
               skew_s=settings.dci_clock_skew_s)
    except SignatureRejected as err:
        if err.message.startswith("kidId names a key not registered") and _key_id(envelope.signature) in client.keys:
            raise DciUnauthorized(err.code, "the key named by kidId was rotated out (its overlap window ended)",
                                  field="signature") from err
        raise DciUnauthorized(err.code, err.message, field="signature") from err
    plain = envelope.message
    if header.is_msg_encrypted:
        assert ctx.decrypter is not None
        try:
            plain = ctx.decrypter.decrypt(envelope.message)
        except EncryptionRejected as err:
            raise DciError("err.encryption.invalid", str(err), field="message") from err
        if not isinstance(plain, dict):
            raise DciError("err.encryption.invalid", "message: the decrypted message is not a JSON object",
                           field="message")
    try:
        message = model.model_validate(plain)
    except ValidationError as err:
        raise field_errors(list(err.errors()), "message") from err
    count = _items(message)
    if count is not None and header.total_count != count:
        raise DciError("err.request.bad", f"rjct.total_count.invalid: the message holds {count} request(s)",
                       field="header.total_count")
    if count is not None and count > settings.dci_batch_max:
        raise DciError("err.request.bad", f"rjct.total_count.limit_exceeded: at most {settings.dci_batch_max} "
                       "requests per message", field="header.total_count")
    return Received(client, effective, header, message, digest(raw["header"], raw["message"]),
                    encrypted=header.is_msg_encrypted)

