"""The DCI v1.0.0 message contract (Social Registry search + registry core subscribe/notify), as pydantic models.

Field names follow `social_api_v1.0.0.yaml` and `registry_core_api_v1.0.0.yaml`, with the YAML's known typos
corrected (`timestamp`, `subscription_codes`, `txn_type: subscribe`). Incoming models allow extra members
(implementations extend DCI messages); what we send is built from these models. No personal data lives
here: records are plain dicts filled by `records.py` according to the caller's scopes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from gotong.domain.bounds import INT32_MAX

DCI_VERSION = "1.0.0"
QueryType = Literal["idtype-value", "expression", "predicate"]
RequestStatus = Literal["rcvd", "pdng", "succ", "rjct"]
AckStatus = Literal["ACK", "NACK", "ERR"]
#: `Error.code` of the spec (communication-layer errors returned in an acknowledgement).
ErrorCode = Literal[
    "err.request.bad", "err.request.unauthorized", "err.request.forbidden", "err.request.not_found",
    "err.request.timeout", "err.version.not_supported", "err.request.too_many_requests", "err.sender_id.invalid",
    "err.sender_uri.invalid", "err.receiver_id.invalid", "err.signature.missing", "err.signature.invalid",
    "err.encryption.invalid", "err.service.unavailable"]
SearchReasonCode = Literal[
    "rjct.reference_id.invalid", "rjct.reference_id.duplicate", "rjct.timestamp.invalid",
    "rjct.search_criteria.invalid", "rjct.filter.invalid", "rjct.sort.invalid", "rjct.pagination.invalid",
    "rjct.search.too_many_records_found"]
SubscribeReasonCode = Literal[
    "rjct.reference_id.invalid", "rjct.reference_id.duplicate", "rjct.timestamp.invalid",
    "rjct.notify_types.invalid", "rjct.notify_details.invalid", "rjct.person_id.invalid",
    "rjct.event.already_subscribed"]


class Incoming(BaseModel):
    model_config = ConfigDict(extra="allow")


class Outgoing(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- envelope -------------------------------------------------------------------------------------------
class MsgHeader(Incoming):
    """`MsgHeader_V1.0.0`: the header of a request sent to the registry."""

    version: str = DCI_VERSION
    message_id: str = Field(min_length=1, max_length=99)
    message_ts: AwareDatetime
    action: str
    sender_id: str = Field(min_length=1, max_length=200)
    sender_uri: str | None = Field(default=None, max_length=2000)
    receiver_id: str | None = None
    total_count: int = Field(ge=0, le=INT32_MAX)
    is_msg_encrypted: bool = False
    meta: dict[str, Any] | None = None


class MsgCallbackHeader(Outgoing):
    """`MsgCallbackHeader_V1.0.0`: the header of what the registry sends (sync answers and callbacks)."""

    version: str = DCI_VERSION
    message_id: str
    message_ts: str
    action: str
    status: RequestStatus
    status_reason_code: str | None = None
    status_reason_message: str | None = None
    total_count: int
    completed_count: int
    sender_id: str
    receiver_id: str
    is_msg_encrypted: bool = False
    meta: dict[str, Any] | None = None


class Envelope(Incoming):
    """`{signature, header, message}` as received; `message` is validated per action."""

    signature: str | None = None
    header: MsgHeader
    message: dict[str, Any]


class AckError(Outgoing):
    code: ErrorCode
    message: str = Field(max_length=999)


class AckMessage(Outgoing):
    ack_status: AckStatus
    timestamp: str
    error: AckError | None = None
    correlation_id: str | None = None


class Ack(Outgoing):
    """The spec's `Response`: the acknowledgement of a message."""

    message: AckMessage


# --- search ---------------------------------------------------------------------------------------------
class PaginationRequest(Incoming):
    page_size: int = Field(ge=1, le=INT32_MAX)
    page_number: int = Field(default=1, ge=1, le=INT32_MAX)


class Pagination(Outgoing):
    page_size: int
    page_number: int
    total_count: int


class SearchSort(Incoming):
    attribute_name: str
    sort_order: Literal["asc", "desc"] = "asc"


class SearchCriteria(Incoming):
    version: str = DCI_VERSION
    reg_type: str | None = None
    reg_sub_type: str | None = None
    reg_event_type: str | None = None
    response_entity: str | None = None
    query_type: QueryType
    query: dict[str, Any] | list[Any]
    sort: list[SearchSort] = []
    pagination: PaginationRequest | None = None
    consent: dict[str, Any] | None = None
    authorize: dict[str, Any] | None = None


class SearchRequestItem(Incoming):
    reference_id: str = Field(min_length=1, max_length=99)
    timestamp: AwareDatetime
    search_criteria: SearchCriteria
    locale: str | None = None


class SearchRequest(Incoming):
    transaction_id: str = Field(min_length=1, max_length=99)
    search_request: list[SearchRequestItem] = Field(min_length=1)


class SearchData(Outgoing):
    version: str = DCI_VERSION
    reg_type: str
    reg_record_type: str
    reg_records: list[dict[str, Any]]


class SearchResponseItem(Outgoing):
    reference_id: str
    timestamp: str
    status: RequestStatus
    status_reason_code: SearchReasonCode | None = None
    status_reason_message: str | None = Field(default=None, max_length=999)
    data: SearchData | None = None
    pagination: Pagination | None = None
    locale: str | None = None


class SearchResponse(Outgoing):
    transaction_id: str
    correlation_id: str
    search_response: list[SearchResponseItem]


# --- txn status -----------------------------------------------------------------------------------------
class TxnStatusQuery(Incoming):
    reference_id: str = Field(min_length=1, max_length=99)
    txn_type: Literal["search", "subscribe", "unsubscribe"]
    attribute_type: Literal["transaction_id", "reference_id_list", "correlation_id", "subscription_code_list"]
    attribute_value: str | list[str]
    locale: str | None = None


class TxnStatusRequest(Incoming):
    transaction_id: str = Field(min_length=1, max_length=99)
    txnstatus_request: TxnStatusQuery


class TxnStatusBody(Outgoing):
    """`txn_type` echoes the request's, as the social spec has it (the core spec says `on-search` etc.)."""

    txn_type: Literal["search", "subscribe", "unsubscribe"]
    txn_status: dict[str, Any]


class TxnStatusResponse(Outgoing):
    transaction_id: str
    correlation_id: str
    txnstatus_response: TxnStatusBody


# --- subscribe / notify / unsubscribe (registry core) ---------------------------------------------------
class EventFrequency(Incoming):
    """When notifies are wanted: only events between `start_time` and `end_time` are notified. They are sent as
    they happen (`frequency`, a cron expression, is kept and echoed; the registry does not batch)."""

    start_time: AwareDatetime
    end_time: AwareDatetime
    frequency: str = Field(min_length=1, max_length=100)


#: `frequency` when a subscription names none: every event from now on, sent as it happens.
AS_EVENTS_HAPPEN = "* * * * * ? *"
FOREVER = "9999-12-31T23:59:59+00:00"


class SubscribeCriteria(Incoming):
    version: str = DCI_VERSION
    reg_type: str | None = None
    reg_event_type: str
    frequency: EventFrequency | None = None
    filter_type: QueryType = "expression"
    filter: dict[str, Any] | list[Any]
    notify_record_type: str
    authorize: dict[str, Any] | None = None


class SubscribeRequestItem(Incoming):
    reference_id: str = Field(min_length=1, max_length=99)
    timestamp: AwareDatetime
    subscribe_criteria: SubscribeCriteria
    locale: str | None = None


class SubscribeRequest(Incoming):
    transaction_id: str = Field(min_length=1, max_length=99)
    subscribe_request: list[SubscribeRequestItem] = Field(min_length=1)


class SubscriptionInfo(Outgoing):
    """The YAML lists `code` and the criteria as properties but requires `subscription_code` and
    `subscribe_criteria`: both forms are sent (built by `subscription_info`)."""

    version: str = DCI_VERSION
    code: str
    subscription_code: str
    subscribe_criteria: dict[str, Any]
    status: Literal["subscribe", "unsubscribe"]
    timestamp: str
    reg_type: str | None = None
    reg_event_type: str
    frequency: dict[str, str] | None = None
    filter_type: QueryType
    filter: dict[str, Any] | list[Any]
    notify_record_type: str
    locale: str | None = None


class SubscribeResponseItem(Outgoing):
    reference_id: str
    timestamp: str
    status: RequestStatus
    status_reason_code: SubscribeReasonCode | None = None
    status_reason_message: str | None = Field(default=None, max_length=999)
    subscriptions: list[SubscriptionInfo] = []
    locale: str | None = None


class SubscribeResponse(Outgoing):
    transaction_id: str
    correlation_id: str
    subscribe_response: list[SubscribeResponseItem]


class UnsubscribeRequest(Incoming):
    transaction_id: str = Field(min_length=1, max_length=99)
    timestamp: AwareDatetime
    subscription_codes: list[str] = Field(min_length=1)


class SubscriptionStatusItem(Outgoing):
    code: str
    status: Literal["subscribe", "unsubscribe"]


class UnsubscribeResponse(Outgoing):
    transaction_id: str
    correlation_id: str
    timestamp: str
    status: RequestStatus
    status_reason_code: str | None = None
    status_reason_message: str | None = None
    subscription_status: list[SubscriptionStatusItem]


class NotifyData(Outgoing):
    version: str = DCI_VERSION
    reg_type: str
    reg_record_type: str
    reg_records: dict[str, Any]


class NotifyEvent(Outgoing):
    reference_id: str
    timestamp: str
    data: NotifyData
    locale: str | None = None


class NotifyEventRequest(Outgoing):
    transaction_id: str
    notify_event: list[NotifyEvent]


def iso(ts: datetime) -> str:
    """ISO 8601 with the zone, as the spec's `DateTime` wants."""
    return ts.isoformat()


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON Schema with its `$defs` inlined (none of these models is recursive), for OpenAPI."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return resolve(schema)  # type: ignore[no-any-return]


def envelope_body(message: type[BaseModel], action: str) -> dict[str, Any]:
    """`openapi_extra` documenting a signed DCI request whose message is `message` (the body is read raw, so
    the signature can be checked over exactly what was sent)."""
    header = inline_schema(MsgHeader)
    header["properties"]["action"] = {"type": "string", "enum": [action]}
    schema = {"type": "object", "required": ["signature", "header", "message"], "properties": {
        "signature": {"type": "string", "description": "Signature: namespace=\"spdci\", kidId=\"{sender_id}|"
                      "{unique_key_id}|ed25519\", algorithm=\"ed25519\", created, expires, "
                      "headers=\"(created) (expires) digest\", signature"},
        "header": header, "message": inline_schema(message)}}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}
