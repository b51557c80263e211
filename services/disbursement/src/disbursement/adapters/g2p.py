"""G2P Connect disburse v1.0.0 messages (G2P-Connect/specs `disburse_core_api_v1.0.0.yaml`):
the `{signature, header, message}` envelope, `disburse`, `on-disburse`, `txn/status` and `txn/on-status`.

Amounts travel as decimal strings (`"750000.00"`); payees are financial addresses by pseudonymous token
(`token:<household_ref>@dtsen`) — the channel resolves the account, Gotong never holds one. The channel signs
its callbacks with Ed25519 as the spec says (`g2p_signature.py`); the instructions this service sends are still
signed with HMAC-SHA256 (`sign`/`verify` below) over the canonical JSON of header and message.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import UTC, datetime
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field

from gotong.domain.bounds import Count

VERSION = "1.0.0"
PAYER_FA = "account:program@gotong-treasury"


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="allow")


class MsgHeader(_Lenient):
    version: str = VERSION
    message_id: str
    message_ts: str
    action: str
    sender_id: str
    sender_uri: str | None = None
    receiver_id: str | None = None
    total_count: Count
    is_msg_encrypted: bool = False


class MsgCallbackHeader(_Lenient):
    version: str = VERSION
    message_id: str
    message_ts: str
    action: str
    status: Literal["rcvd", "pdng", "succ", "rjct"]
    status_reason_code: str | None = None
    status_reason_message: str | None = None
    total_count: Count | None = None
    completed_count: Count | None = None
    sender_id: str | None = None
    receiver_id: str | None = None
    is_msg_encrypted: bool = False


class Disbursement(_Lenient):
    reference_id: str
    payer_fa: str
    payee_fa: str
    amount: str = Field(pattern=r"^\d{1,13}\.\d{1,2}$")
    currency_code: str = "IDR"
    note: str | None = Field(default=None, max_length=99)
    purpose: str | None = Field(default=None, max_length=99)


class DisburseRequest(_Lenient):
    transaction_id: str = Field(max_length=99)
    disbursements: list[Disbursement]


class DisbursementStatus(_Lenient):
    reference_id: str
    timestamp: str
    status: Literal["rcvd", "pdng", "succ", "rjct"]
    status_reason_code: str | None = None
    status_reason_message: str | None = None
    instruction: str | None = None
    amount: str | None = None
    payee_fa: str | None = None
    currency_code: str | None = None


class DisburseResponse(_Lenient):
    transaction_id: str
    disbursements_status: list[DisbursementStatus]


class DisburseEnvelope(_Lenient):
    signature: str | None = None
    header: MsgHeader
    message: DisburseRequest


class OnDisburseEnvelope(_Lenient):
    signature: str | None = None
    header: MsgCallbackHeader
    message: DisburseResponse


class TxnStatusQuery(_Lenient):
    reference_id: str
    txn_type: Literal["disburse", "search"] = "disburse"
    attribute_type: Literal["transaction_id", "reference_id_list", "correlation_id"]
    attribute_value: str | list[str]


class TxnStatusRequest(_Lenient):
    transaction_id: str
    txnstatus_request: TxnStatusQuery


class TxnStatusEnvelope(_Lenient):
    signature: str | None = None
    header: MsgHeader
    message: TxnStatusRequest


class TxnStatusResult(_Lenient):
    txn_type: Literal["on-disburse", "on-search"] = "on-disburse"
    txn_status: DisburseResponse


class TxnStatusResponse(_Lenient):
    transaction_id: str
    correlation_id: str
    txnstatus_response: TxnStatusResult


class OnTxnStatusEnvelope(_Lenient):
    signature: str | None = None
    header: MsgCallbackHeader
    message: TxnStatusResponse


def now_ts() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def amount_text(rupiah: int) -> str:
    return f"{rupiah}.00"


def amount_rupiah(text: str | None) -> int | None:
    if text is None:
        return None
    whole, _, cents = text.partition(".")
    return int(whole) + (1 if cents and int(cents) >= 50 else 0)


def payee_fa(household_ref: str) -> str:
    return f"token:{household_ref}@dtsen"


AckStatus = Literal["ACK", "NACK", "ERR"]


def ack(correlation_id: str, status: AckStatus = "ACK",
        error: dict[str, str] | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"ack_status": status, "timestamp": now_ts(), "correlation_id": correlation_id}
    if error:
        message["error"] = error
    return {"message": message}


def _canonical(header: dict[str, Any], message: dict[str, Any]) -> bytes:
    return orjson.dumps({"header": header, "message": message}, option=orjson.OPT_SORT_KEYS)


def sign(envelope: dict[str, Any], secret: str, sender_id: str) -> dict[str, Any]:
    created = int(time.time())
    digest = hmac.new(secret.encode(), _canonical(envelope["header"], envelope["message"]), hashlib.sha256).digest()
    envelope["signature"] = (
        f'Signature: namespace="g2p", kidId="{sender_id}|k1|hmac-sha256", algorithm="hmac-sha256", '
        f'created="{created}", expires="{created + 3600}", headers="(created) (expires) digest", '
        f'signature="{base64.b64encode(digest).decode()}"')
    return envelope


def verify(envelope: dict[str, Any], secret: str) -> bool:
    sig = envelope.get("signature") or ""
    marker = 'signature="'
    start = sig.rfind(marker)
    if start < 0 or "header" not in envelope or "message" not in envelope:
        return False
    given = sig[start + len(marker):].rstrip('"')
    digest = hmac.new(secret.encode(), _canonical(envelope["header"], envelope["message"]), hashlib.sha256).digest()
    return hmac.compare_digest(given, base64.b64encode(digest).decode())


def disburse_envelope(*, transaction_id: str, message_id: str, sender_id: str, sender_uri: str,
                      items: list[Disbursement]) -> dict[str, Any]:
    header = MsgHeader(message_id=message_id, message_ts=now_ts(), action="disburse", sender_id=sender_id,
                       sender_uri=sender_uri, receiver_id="channel", total_count=len(items))
    message = DisburseRequest(transaction_id=transaction_id, disbursements=items)
    return {"header": header.model_dump(mode="json", exclude_none=True),
            "message": message.model_dump(mode="json", exclude_none=True)}


def txn_status_envelope(*, transaction_id: str, message_id: str, sender_id: str, sender_uri: str,
                        reference_ids: list[str]) -> dict[str, Any]:
    header = MsgHeader(message_id=message_id, message_ts=now_ts(), action="txn/status", sender_id=sender_id,
                       sender_uri=sender_uri, receiver_id="channel", total_count=len(reference_ids))
    message = TxnStatusRequest(transaction_id=transaction_id, txnstatus_request=TxnStatusQuery(
        reference_id=message_id, attribute_type="reference_id_list", attribute_value=reference_ids))
    return {"header": header.model_dump(mode="json", exclude_none=True),
            "message": message.model_dump(mode="json", exclude_none=True)}


def split_reference(reference_id: str) -> tuple[str, int] | None:
    """`<payment uuid>.<attempt>` → (payment id, attempt)."""
    pid, _, attempt = reference_id.rpartition(".")
    if not pid or not attempt.isdigit():
        return None
    return pid, int(attempt)
