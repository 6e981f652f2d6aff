from __future__ import annotations

import json
from itertools import product

import pytest

from mockprovider.core.sessions import (
    EXPIRABLE_STATUSES,
    OPEN_STATUSES,
    Session,
    SessionStatus,
    can_move,
)
from mockprovider.errors import Conflict

S = SessionStatus
T0 = 1_769_471_000.0

#: The state machine of the module docstring, written out independently of `_ALLOWED`.
ALLOWED = {
    (S.CREATED, S.OPENED),
    (S.CREATED, S.FINISHED),
    (S.CREATED, S.ABANDONED),
    (S.CREATED, S.EXPIRED),
    (S.OPENED, S.FINISHED),
    (S.OPENED, S.ABANDONED),
    (S.OPENED, S.EXPIRED),
    (S.ABANDONED, S.EXPIRED),
}
REFUSED = sorted(set(product(S, S)) - ALLOWED)


def make_session(status: SessionStatus = S.CREATED) -> Session:
    return Session(
        id="sess_1",
        provider="topiic",
        created_at=T0,
        expires_at=T0 + 1800,
        hosted_url="http://sandbox.test/topiic/s/sess_1?t=x",
        callback_url="https://app.example/done",
        status=status,
    )


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_allowed_move_changes_status_and_records_it_in_history(
    current: SessionStatus, target: SessionStatus
) -> None:
    session = make_session(current)
    assert can_move(current, target)

    session.move(target, T0 + 5, via="api")

    assert session.status is target
    assert session.history == [{"event": target.value, "at": T0 + 5, "via": "api"}]


@pytest.mark.parametrize(("current", "target"), REFUSED)
def test_refused_move_raises_conflict_and_leaves_the_session_unchanged(
    current: SessionStatus, target: SessionStatus
) -> None:
    session = make_session(current)
    assert not can_move(current, target)

    with pytest.raises(Conflict, match=f"is {current.value}; it cannot become {target.value}"):
        session.move(target, T0 + 5)

    assert session.status is current
    assert session.history == []


def test_terminal_statuses_allow_no_move_at_all() -> None:
    for terminal in (S.FINISHED, S.EXPIRED):
        assert not any(can_move(terminal, target) for target in S)


def test_history_keeps_every_move_in_order() -> None:
    session = make_session()
    session.move(S.OPENED, T0 + 1)
    session.note("webhook queued", T0 + 2, delivery="dlv_1")
    session.move(S.ABANDONED, T0 + 3, outcome="closed_tab")
    session.move(S.EXPIRED, T0 + 4)

    assert session.history == [
        {"event": "opened", "at": T0 + 1},
        {"event": "webhook queued", "at": T0 + 2, "delivery": "dlv_1"},
        {"event": "abandoned", "at": T0 + 3, "outcome": "closed_tab"},
        {"event": "expired", "at": T0 + 4},
    ]


@pytest.mark.parametrize("status", list(S))
def test_is_open_only_while_created_or_opened(status: SessionStatus) -> None:
    assert make_session(status).is_open is (status in {S.CREATED, S.OPENED})
    assert (status in OPEN_STATUSES) is (status in {S.CREATED, S.OPENED})


def test_expirable_statuses_are_the_unfinished_ones() -> None:
    assert {S.CREATED, S.OPENED, S.ABANDONED} == EXPIRABLE_STATUSES


def test_to_dict_from_dict_round_trips_through_json() -> None:
    session = make_session()
    session.data = {"ref": "cust_42", "contact": {"em": "maya@example.com"}, "evts": ["a", "b"]}
    session.form_nonce = "nonce-1"
    session.move(S.OPENED, T0 + 1)
    session.move(S.FINISHED, T0 + 2, outcome="success", redirect_url="https://app.example/d")
    session.outcome = "success"
    session.scenario = "webhook-twice"
    session.redirect_url = "https://app.example/done?status=ok"

    raw = json.loads(json.dumps(session.to_dict()))
    restored = Session.from_dict(raw)

    assert raw["status"] == "finished"
    assert restored == session
    assert restored.status is S.FINISHED


def test_to_dict_is_json_ready_and_json_is_the_copy_boundary() -> None:
    # to_dict shares nested values (it is on every request's path); stores copy through JSON.
    session = make_session()
    session.data = {"contact": {"em": "a@example.com"}}
    copied = Session.from_dict(json.loads(json.dumps(session.to_dict())))
    copied.data["contact"]["em"] = "changed@example.com"
    copied.history.append({"event": "x", "at": 0.0})

    assert session.data == {"contact": {"em": "a@example.com"}}
    assert session.history == []
