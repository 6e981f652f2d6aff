"""Data sets and payments live in the store: built once, read back by any worker or replica
(memory, SQLite, Redis), forgotten by a reset."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from mockprovider.clock import FrozenClock
from mockprovider.core.accountdata import DataFailure, DataSpec, PaymentSpec, service
from mockprovider.core.accountdata.build import build
from mockprovider.core.accountdata.codec import (
    decode_data_set,
    decode_payment,
    encode_data_set,
    encode_payment,
)
from mockprovider.core.accountdata.model import DataSet, Payment, PaymentStatus, Step
from mockprovider.core.engine import Sandbox
from mockprovider.core.scenarios import Scenario, ScenarioSet
from mockprovider.core.sessions import Session
from mockprovider.core.store import Store
from mockprovider.errors import DataUnavailable
from mockprovider.storage.memory import MemoryStore
from mockprovider.storage.redis_store import RedisStore
from mockprovider.storage.sqlite import SQLiteStore

ANCHOR = 1_769_471_000.0
SPEC = DataSpec(transactions=40, huge_account=2_000)

Opener = Callable[[], Store]


@pytest.fixture(params=["memory", "sqlite", "redis"])
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Opener:
    """Opens a store; for SQLite and Redis every call is another connection to the same data
    (a second worker or replica)."""
    if request.param == "memory":
        shared = MemoryStore()
        return lambda: shared
    if request.param == "sqlite":
        return lambda: SQLiteStore(tmp_path / "s.db")
    url = f"{request.getfixturevalue('redis_url')}?prefix=test-{uuid.uuid4().hex}:"
    return lambda: RedisStore(url)


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The seeds the engine generated data for, in order."""
    seen: list[str] = []

    def counting(seed: str, anchor: float, spec: DataSpec) -> DataSet:
        seen.append(seed)
        return build(seed, anchor, spec)

    monkeypatch.setattr(service, "build", counting)
    return seen


@pytest.fixture
async def stores(opener: Opener) -> AsyncIterator[tuple[Store, Store]]:
    first, second = opener(), opener()
    await first.open()
    if second is not first:
        await second.open()
    yield first, second
    await first.close()
    if second is not first:
        await second.close()


def test_the_codec_round_trips_a_data_set_and_a_payment() -> None:
    data = build("seed", ANCHOR, DataSpec(currency="EUR", empty_account=True, transactions=30))
    assert decode_data_set(encode_data_set(data)) == data
    payment = Payment(
        "p1", "s1", 1250, "GBP", "Jane Doe", "INV-1", ANCHOR,
        (Step(ANCHOR, PaymentStatus.PENDING), Step(ANCHOR + 60, PaymentStatus.COMPLETED)),
        {"iban": "GB33BUKB20201555555555"}, {"request": {"type": "DOMESTIC_PAYMENT"}},
    )  # fmt: skip
    assert decode_payment(encode_payment(payment)) == payment


async def test_built_once_and_the_same_through_another_worker(
    stores: tuple[Store, Store], builds: list[str]
) -> None:
    first, second = stores
    made = await service.data_set_for(
        first, "consent-1", seed="consent-1", anchor=ANCHOR, spec=SPEC
    )
    again = await service.data_set_for(
        first, "consent-1", seed="consent-1", anchor=ANCHOR, spec=SPEC
    )
    service._cache.clear()  # as another process would see it: nothing decoded yet
    elsewhere = await service.data_set_for(
        second, "consent-1", seed="consent-1", anchor=ANCHOR + 999, spec=SPEC
    )
    assert builds == ["consent-1"]
    assert again is made
    assert elsewhere == made  # read back, not rebuilt with the later anchor
    assert len(made.accounts[-1].transactions) == 2_000


async def test_a_reset_forgets_the_data(stores: tuple[Store, Store], builds: list[str]) -> None:
    first, second = stores
    await service.data_set_for(first, "k", seed="one", anchor=ANCHOR)
    await second.reset()
    rebuilt = await service.data_set_for(first, "k", seed="two", anchor=ANCHOR)
    assert builds == ["one", "two"]
    assert rebuilt.seed == "two"


def _sandbox(*scenarios: Scenario) -> Sandbox:
    return Sandbox(MemoryStore(), FrozenClock(ANCHOR), [], ScenarioSet(scenarios))


def _session(sid: str, scenario: str | None = None) -> Session:
    return Session(sid, "bank", ANCHOR - 60, ANCHOR + 600, "http://x", scenario=scenario)


async def test_a_session_gets_its_scenario_data_or_the_defaults() -> None:
    shaped = Scenario("two", "bank", "success", "Two", data=DataSpec(transactions=2))
    failing = Scenario(
        "down", "bank", "success", "Down", data=DataSpec(failure=DataFailure(503, "Bank down"))
    )
    sandbox = _sandbox(shaped, failing)
    plain = await service.data_set(sandbox, _session("s-plain"))
    assert plain == build("s-plain", ANCHOR - 60, DataSpec())  # the session id is the seed
    two = await service.data_set(sandbox, _session("s-two", "two"))
    assert [len(a.transactions) for a in two.accounts] == [2, 1, 2]
    with pytest.raises(DataUnavailable) as failed:
        await service.data_set(sandbox, _session("s-down", "down"))
    assert (failed.value.status, failed.value.message) == (503, "Bank down")


async def test_a_payment_keeps_its_details_and_its_scenario_timeline() -> None:
    timeline = PaymentSpec(((0.0, PaymentStatus.PENDING), (300.0, PaymentStatus.COMPLETED)))
    slow = Scenario("slow", "bank", "success", "Slow", payment=timeline)
    sandbox = _sandbox(slow)
    made = await service.create_payment(
        sandbox,
        _session("s1", "slow"),
        amount_minor=1250,
        currency="GBP",
        payee_name="Jane Doe",
        reference="INV-1",
        payee_account={"sort_code": "040004", "account_number": "12345678"},
        extra={"type": "DOMESTIC_PAYMENT"},
    )
    found = await service.get_payment(sandbox, made.id)
    assert found == made
    assert found.status_at(ANCHOR + 299) is PaymentStatus.PENDING
    assert found.status_at(ANCHOR + 300) is PaymentStatus.COMPLETED
    instant = await service.create_payment(
        sandbox, _session("s2"), amount_minor=1, currency="EUR", payee_name="X"
    )
    assert instant.status_at(ANCHOR) is PaymentStatus.COMPLETED
    assert await service.get_payment(sandbox, "unknown") is None
