"""`--dist worksteal` that splits the test list only between modules, for `make test`.

xdist's work stealing hands each worker a contiguous share of the tests and, when one runs dry,
moves the tail of another's queue to it. Either cut can fall inside a module, and then both
workers build that module's fixtures: a `mockprovider serve`, a Chromium, the receiver matrix
(16 s of real-time timeouts). Here every cut is moved to the next module boundary, so a module
runs on one worker as in a serial run. (`--dist loadscope`/`loadgroup` would group by node id,
but schemathesis gives all cases of one operation test the same id, and those modes then run
one case of each.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from xdist.scheduler import WorkStealingScheduling


def _module(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


class ModuleWorkStealing(WorkStealingScheduling):  # type: ignore[misc]
    """Work stealing whose shares and steals start at a module's first test."""

    def _same_module(self, a: int, b: int) -> bool:
        collection: list[str] = self.collection
        return _module(collection[a]) == _module(collection[b])

    def _send_tests(self, node: Any, num: int) -> None:
        """Send the first `num` pending tests, and the rest of the last one's module."""
        pending: list[int] = self.pending
        while 0 < num < len(pending) and self._same_module(pending[num - 1], pending[num]):
            num += 1
        super()._send_tests(node, num)

    def remove_pending_tests_from_node(self, node: Any, indices: Sequence[int]) -> None:
        """The victim gave up `indices` (its queue's tail): those of the module it is still on
        go back to it, the rest is shared out (all of them if that is the whole tail)."""
        stolen = sorted(indices)
        kept = [i for i in self.node2pending[node] if i not in set(stolen)]
        back: list[int] = []
        while kept and stolen and self._same_module(kept[-1], stolen[0]):
            back.append(stolen.pop(0))
        if not stolen:  # one module left: split it rather than idle a worker
            stolen, back = back, []
        if back:  # first, so it is queued before any later steal request reaches the victim
            node.send_runtest_some(back)  # still in node2pending: only `stolen` is removed
        super().remove_pending_tests_from_node(node, stolen)
