"""`core.api_faults`: the provider-API fault description shared by scenario files and the
control API."""

from __future__ import annotations

from typing import Any

import pytest

from mockprovider.core.api_fault_spec import ApiFaults, parse


def test_a_full_description_round_trips() -> None:
    values = {"latency": "250ms", "status": 429, "retry_after": 5, "first": 3, "fraction": 0.5}
    faults, problems = parse(values)
    assert problems == []
    assert faults == ApiFaults(0.25, 429, 5, 3, 0.5)
    assert ApiFaults.from_dict(faults.to_dict()) == faults


def test_unset_keys_and_a_zero_latency_are_left_out() -> None:
    assert ApiFaults(status=503).to_dict() == {"status": 503}
    assert ApiFaults(status=503, fraction=0.0).to_dict() == {"status": 503, "fraction": 0.0}


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"status": True}, ("status", "expected an HTTP status code (429 or 500-599), got True")),
        ({"status": 499}, ("status", "expected 429 or a status from 500 to 599, got 499")),
        ({"latency": "61s"}, ("latency", "expected at most 60s, got '61s'")),
        ({"latency": "soon"}, ("latency", 'expected a duration like "5s", got "soon"')),
        ({"status": 503, "first": -1}, ("first", "expected a whole number of calls, got -1")),
        ({"status": 503, "fraction": 1.5}, ("fraction", "expected a number from 0 to 1, got 1.5")),
        ({"status": 502, "retry_after": 1}, ("retry_after", "only used with status 429 or 503")),
        ({}, ("status", "give a status, a latency or both")),
    ],
)
def test_problems_name_the_key(values: dict[str, Any], problem: tuple[str, str]) -> None:
    faults, problems = parse(values)
    assert problems == [problem]
    assert faults == ApiFaults()
