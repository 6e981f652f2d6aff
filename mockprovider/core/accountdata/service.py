"""The account-data engine's entry points: the data set and the payments of a session, kept
in the store (so replicas agree) and generated once.

A data set is built on first use from its seed (the session id unless the scenario fixes
one), its anchor (the session's creation on the sandbox clock) and the scenario's `data:`
section, then stored; later calls read it back. Each process keeps the last few decoded data
sets, checked against a small stored head record on every call, so a 10,000-transaction
account is decoded once per process, not once per request.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from mockprovider.core.accountdata import codec
from mockprovider.core.accountdata.build import build
from mockprovider.core.accountdata.model import DataSet, Payment, Step
from mockprovider.core.accountdata.spec import DEFAULT_DATA, DEFAULT_PAYMENT, DataSpec, PaymentSpec
from mockprovider.core.sessions import Session
from mockprovider.core.store import Store
from mockprovider.errors import DataUnavailable

if TYPE_CHECKING:  # the engine imports the scenarios, which import this package's spec
    from mockprovider.core.engine import Sandbox

#: The store namespace of account data (the `provider` of its records; no provider is called so).
NAMESPACE = "accountdata"
#: Decoded data sets a process keeps.
CACHE_SIZE = 16

_cache: OrderedDict[tuple[int, str], tuple[str, DataSet]] = OrderedDict()


def data_spec(sandbox: Sandbox, session: Session) -> DataSpec:
    """The `data:` section of the session's scenario, or the defaults."""
    scenario = sandbox.scenarios.get(session.provider, session.scenario or "")
    spec = scenario.data if scenario is not None else None
    return spec if spec is not None else DEFAULT_DATA


def payment_spec(sandbox: Sandbox, session: Session) -> PaymentSpec:
    """The `payment:` section of the session's scenario, or the default (completed at once)."""
    scenario = sandbox.scenarios.get(session.provider, session.scenario or "")
    spec = scenario.payment if scenario is not None else None
    return spec if spec is not None else DEFAULT_PAYMENT


async def data_set(sandbox: Sandbox, session: Session) -> DataSet:
    """The data set of `session` (e.g. an authorised AIS consent): its accounts, balances and
    transactions. Raises `DataUnavailable` when the scenario says the bank fails data calls."""
    spec = data_spec(sandbox, session)
    if spec.failure is not None:
        raise DataUnavailable(spec.failure.message, status=spec.failure.status)
    seed = spec.seed or session.id
    return await data_set_for(
        sandbox.store, session.id, seed=seed, anchor=session.created_at, spec=spec
    )


async def data_set_for(
    store: Store, key: str, *, seed: str, anchor: float, spec: DataSpec = DEFAULT_DATA
) -> DataSet:
    """The data set stored under `key`, built from `seed`, `anchor` and `spec` the first time.

    For providers whose data is not tied to one session (e.g. an item several sessions
    refresh). Several workers building it at once store the same data; one head wins."""
    head = await store.get_record(NAMESPACE, "head", key)
    if head is not None:
        cached = _cache.get((id(store), key))
        if cached is not None and cached[0] == head["token"]:
            _cache.move_to_end((id(store), key))
            return cached[1]
        doc = await store.get_record(NAMESPACE, "dataset", key)
        if doc is not None:
            return _remember(store, key, str(head["token"]), codec.decode_data_set(doc))
    data = build(seed, anchor, spec)
    token = uuid.uuid4().hex
    await store.put_record(NAMESPACE, "dataset", key, codec.encode_data_set(data))
    if not await store.insert_record(NAMESPACE, "head", key, {"token": token}):
        token = str((await store.get_record(NAMESPACE, "head", key) or {"token": token})["token"])
    return _remember(store, key, token, data)


def _remember(store: Store, key: str, token: str, data: DataSet) -> DataSet:
    _cache[(id(store), key)] = (token, data)
    _cache.move_to_end((id(store), key))
    while len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)
    return data


async def create_payment(
    sandbox: Sandbox,
    session: Session,
    *,
    amount_minor: int,
    currency: str,
    payee_name: str,
    reference: str = "",
    payee_account: dict[str, str] | None = None,
    payment_id: str | None = None,
    extra: dict[str, Any] | None = None,
) -> Payment:
    """Record the payment a PIS session made, with the status timeline of its scenario's
    `payment:` section starting now (default: completed at once); returns it."""
    now = await sandbox.now()
    spec = payment_spec(sandbox, session)
    payment = Payment(
        id=payment_id or str(uuid.uuid4()),
        session_id=session.id,
        amount_minor=amount_minor,
        currency=currency,
        payee_name=payee_name,
        reference=reference,
        created_at=now,
        timeline=tuple(Step(now + after, status) for after, status in spec.timeline),
        payee_account=dict(payee_account or {}),
        extra=dict(extra or {}),
    )
    await sandbox.store.put_record(NAMESPACE, "payment", payment.id, codec.encode_payment(payment))
    return payment


async def get_payment(sandbox: Sandbox, payment_id: str) -> Payment | None:
    """The payment `payment_id`, or None; its status at a time is `payment.status_at(now)`."""
    doc = await sandbox.store.get_record(NAMESPACE, "payment", payment_id)
    return None if doc is None else codec.decode_payment(doc)
