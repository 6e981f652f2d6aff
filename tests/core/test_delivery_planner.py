from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from mockprovider.core.delivery_planner import plan_deliveries
from mockprovider.core.scenarios import Scenario, WebhookSpec
from mockprovider.core.sessions import Session
from mockprovider.core.webhooks.attempts import signing_timestamp
from mockprovider.core.webhooks.messages import Delivery, DeliveryStatus, WebhookMessage
from mockprovider.providers.topiic import TopiicProvider
from mockprovider.providers.topiic.provider import SCHEDULE

NOW = 1_769_471_000.0
SPEC = TopiicProvider()
SESSION = Session(
    id="sess_1",
    provider="topiic",
    created_at=NOW,
    expires_at=NOW + 1800,
    hosted_url="http://sandbox.test/topiic/s/sess_1",
)


def message(n: int, url: str = "http://receiver.test/hooks") -> WebhookMessage:
    return WebhookMessage(
        event_id=f"evt_{n}",
        event_type=f"type.{n}",
        url=url,
        body=f'{{"n":{n}}}'.encode(),
        headers={"X-N": str(n)},
        signing={"akid": "key_1"},
    )


MESSAGES = [message(1), message(2), message(3)]


def scenario(**hooks: Any) -> Scenario:
    return Scenario(
        name="s", provider="topiic", outcome="success", label="S", webhooks=WebhookSpec(**hooks)
    )


def test_without_scenario_each_message_becomes_one_pending_delivery_in_order() -> None:
    planned = plan_deliveries(SPEC, SESSION, MESSAGES, None, NOW)

    assert [d.event_id for d in planned] == ["evt_1", "evt_2", "evt_3"]
    assert [d.next_attempt_at for d in planned] == [NOW + SCHEDULE[0]] * 3
    first = planned[0]
    assert (first.provider, first.session_id, first.event_type, first.url) == (
        "topiic",
        "sess_1",
        "type.1",
        "http://receiver.test/hooks",
    )
    assert (first.body, first.headers, first.signing) == (
        b'{"n":1}',
        {"X-N": "1"},
        {"akid": "key_1"},
    )
    assert (first.status, first.run_attempts, first.attempts, first.created_at) == (
        DeliveryStatus.PENDING,
        0,
        [],
        NOW,
    )
    assert first.schedule == list(SCHEDULE)
    assert len({d.id for d in planned}) == 3
    assert all(d.id.startswith("dlv_") for d in planned)


def test_scenario_without_webhook_faults_plans_like_no_scenario() -> None:
    plain = plan_deliveries(SPEC, SESSION, MESSAGES, None, NOW)
    faultless = plan_deliveries(SPEC, SESSION, MESSAGES, scenario(), NOW)

    def shape(planned: list[Delivery]) -> list[tuple[object, ...]]:
        return [(d.event_id, d.next_attempt_at, d.schedule, d.signing) for d in planned]

    assert shape(faultless) == shape(plain)


def test_drop_plans_no_delivery() -> None:
    assert plan_deliveries(SPEC, SESSION, MESSAGES, scenario(drop=True), NOW) == []


def test_duplicate_plans_two_deliveries_per_message_with_the_same_event_id() -> None:
    planned = plan_deliveries(SPEC, SESSION, MESSAGES[:2], scenario(duplicate=True), NOW)

    assert [d.event_id for d in planned] == ["evt_1", "evt_1", "evt_2", "evt_2"]
    assert planned[0].body == planned[1].body
    assert planned[0].next_attempt_at == planned[1].next_attempt_at
    assert len({d.id for d in planned}) == 4


def test_reorder_reverses_the_messages() -> None:
    planned = plan_deliveries(SPEC, SESSION, MESSAGES, scenario(reorder=True), NOW)

    assert [d.event_id for d in planned] == ["evt_3", "evt_2", "evt_1"]


def test_reorder_with_duplicate_keeps_copies_together() -> None:
    planned = plan_deliveries(
        SPEC, SESSION, MESSAGES[:2], scenario(reorder=True, duplicate=True), NOW
    )
    assert [d.event_id for d in planned] == ["evt_2", "evt_2", "evt_1", "evt_1"]


@pytest.mark.parametrize("delay", [0.5, 40.0, 86_400.0])
def test_delay_shifts_the_first_due_time(delay: float) -> None:
    planned = plan_deliveries(SPEC, SESSION, MESSAGES[:1], scenario(delay=delay), NOW)

    assert planned[0].next_attempt_at == NOW + delay + SCHEDULE[0]
    assert planned[0].schedule == list(SCHEDULE)


def test_a_messages_own_delay_adds_to_the_scenarios() -> None:
    later = replace(message(2), delay=30.0)
    planned = plan_deliveries(SPEC, SESSION, [message(1), later], scenario(delay=5.0), NOW)

    assert [d.next_attempt_at for d in planned] == [NOW + 5.0, NOW + 35.0]


def test_reorder_ignores_message_delays_so_the_last_really_comes_first() -> None:
    later = replace(message(2), delay=30.0)
    planned = plan_deliveries(SPEC, SESSION, [message(1), later], scenario(reorder=True), NOW)

    assert [d.event_id for d in planned] == ["evt_2", "evt_1"]
    assert [d.next_attempt_at for d in planned] == [NOW, NOW]


def test_retry_schedule_replaces_the_providers_including_the_first_delay() -> None:
    planned = plan_deliveries(
        SPEC, SESSION, MESSAGES[:1], scenario(retry_schedule=(5.0, 10.0), delay=2.0), NOW
    )

    assert planned[0].schedule == [5.0, 10.0]
    assert planned[0].next_attempt_at == NOW + 2.0 + 5.0


def test_wrong_secret_adds_the_signing_option_and_keeps_the_providers() -> None:
    planned = plan_deliveries(SPEC, SESSION, MESSAGES[:1], scenario(wrong_secret=True), NOW)

    assert planned[0].signing == {"akid": "key_1", "wrong_secret": True}
    assert MESSAGES[0].signing == {"akid": "key_1"}


def test_messages_without_url_are_skipped() -> None:
    messages = [message(1, url=""), message(2), message(3, url="")]

    planned = plan_deliveries(SPEC, SESSION, messages, None, NOW)

    assert [d.event_id for d in planned] == ["evt_2"]
    assert planned[0].next_attempt_at == NOW + SCHEDULE[0]


def test_drop_wins_over_every_other_fault() -> None:
    everything = scenario(drop=True, duplicate=True, reorder=True, delay=5.0, wrong_secret=True)
    assert plan_deliveries(SPEC, SESSION, MESSAGES, everything, NOW) == []


def test_expired_timestamp_adds_a_negative_timestamp_offset() -> None:
    planned = plan_deliveries(SPEC, SESSION, MESSAGES[:1], scenario(expired_timestamp=600.0), NOW)

    assert planned[0].signing == {"akid": "key_1", "timestamp_offset": -600.0}


@pytest.mark.parametrize(
    ("signing", "expected"),
    [({}, 1000), ({"timestamp_offset": -600.0}, 400), ({"timestamp_offset": "bad"}, 1000)],
)
def test_the_dispatcher_signs_with_the_offset_timestamp(
    signing: dict[str, Any], expected: int
) -> None:
    assert signing_timestamp(1000.4, signing) == expected
