"""The CLI tests' fake sandbox (see fake_sandbox.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.cli.fake_sandbox import FakeSandbox


@pytest.fixture
def fake() -> Iterator[FakeSandbox]:
    sandbox = FakeSandbox()
    yield sandbox
    sandbox.close()
