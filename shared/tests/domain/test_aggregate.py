"""Aggregates change only by applying events in version order; old event versions are upcast on read."""

from typing import ClassVar
from uuid import uuid4

import pytest

from gotong.application.repository import Repository
from gotong.domain.aggregate import Aggregate, VersionMismatch
from gotong.domain.errors import InvalidTransition, NotFound
from gotong.domain.events import DomainEvent, EventRegistry
from gotong.eventstore import ConcurrencyError, EventData
from gotong.eventstore.memory import InMemoryEventStore

registry = EventRegistry()


@registry.register
class AccountOpened(DomainEvent):
    event_type: ClassVar[str] = "AccountOpened"
    schema_version: ClassVar[int] = 2
    owner_ref: str
    currency: str


@registry.register
class Deposited(DomainEvent):
    event_type: ClassVar[str] = "Deposited"
    amount: int


@registry.upcaster("AccountOpened", 1)
def upcast_account_opened_v1_v2(data: dict) -> dict:
    return {**data, "currency": "IDR"}


class Account(Aggregate):
    stream_type = "account"

    def initial_state(self) -> None:
        self.balance = 0
        self.open = False

    @classmethod
    def open_for(cls, owner_ref: str) -> "Account":
        account = cls(uuid4())
        account.initial_state()
        account._record(AccountOpened(owner_ref=owner_ref, currency="IDR"))
        return account

    def deposit(self, amount: int) -> None:
        if not self.open:
            raise InvalidTransition("account is not open")
        self._record(Deposited(amount=amount))

    def apply_account_opened(self, e: AccountOpened) -> None:
        self.open = True

    def apply_deposited(self, e: Deposited) -> None:
        self.balance += e.amount


repo = Repository(Account, registry)


async def test_saved_aggregate_replays_to_the_same_state():
    store = InMemoryEventStore()
    account = Account.open_for("hh_1")
    account.deposit(1_500_000)
    async with store.transaction() as tx:
        assert await repo.save(tx, account) == 2
    async with store.transaction() as tx:
        loaded = await repo.get(tx, account.id)
    assert (loaded.version, loaded.balance, loaded.open) == (2, 1_500_000, True)
    assert loaded.pending_events == []


async def test_stale_aggregate_cannot_overwrite_a_newer_one():
    store = InMemoryEventStore()
    account = Account.open_for("hh_1")
    async with store.transaction() as tx:
        await repo.save(tx, account)
    async with store.transaction() as tx:
        a = await repo.get(tx, account.id)
    async with store.transaction() as tx:
        b = await repo.get(tx, account.id)
    a.deposit(10)
    b.deposit(20)
    async with store.transaction() as tx:
        await repo.save(tx, a)
    with pytest.raises(ConcurrencyError):
        async with store.transaction() as tx:
            await repo.save(tx, b)


async def test_old_event_versions_are_upcast_on_read():
    store = InMemoryEventStore()
    sid = uuid4()
    async with store.transaction() as tx:
        await tx.append(sid, "account", 0, [EventData("AccountOpened", {"owner_ref": "hh_9"}, schema_version=1)])
    async with store.transaction() as tx:
        account = await repo.get(tx, sid)
    assert account.open
    (recorded,) = await store.load(sid)
    assert registry.decode(recorded.event_type, recorded.schema_version, recorded.data) == AccountOpened(
        owner_ref="hh_9", currency="IDR")


def test_event_from_a_newer_schema_than_the_code_is_refused():
    with pytest.raises(LookupError):
        registry.upcast("AccountOpened", 3, {"owner_ref": "x", "currency": "IDR"})


def test_events_must_follow_the_version_sequence():
    with pytest.raises(VersionMismatch):
        Account.replay(uuid4(), [(1, AccountOpened(owner_ref="a", currency="IDR")), (3, Deposited(amount=1))])


async def test_missing_aggregate_is_not_found():
    store = InMemoryEventStore()
    async with store.transaction() as tx:
        with pytest.raises(NotFound):
            await repo.get(tx, uuid4())


def test_commands_refused_in_the_wrong_state_raise_domain_errors():
    account = Account(uuid4())
    account.initial_state()
    with pytest.raises(InvalidTransition):
        account.deposit(5)
    assert account.pending_events == []


async def test_another_kind_of_stream_is_not_found_as_this_kind():
    store = InMemoryEventStore()
    sid = uuid4()
    async with store.transaction() as tx:
        await tx.append(sid, "household", 0, [EventData("HouseholdRegistered", {"x": 1})])
    async with store.transaction() as tx:
        assert await repo.find(tx, sid) is None
        with pytest.raises(NotFound):
            await repo.get(tx, sid)
