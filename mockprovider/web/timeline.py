"""A session's timeline as one ordered list: its steps (created, opened, the outcome), the
browser's redirect and every webhook's queueing and attempts, each with what a tester checks."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

#: Session history keys shown elsewhere in a step (or not at all).
HIDDEN = frozenset({"event", "at", "redirect_url"})


def _step(at: Any, kind: str, title: str, **details: Any) -> dict[str, Any]:
    return {"at": at, "kind": kind, "title": title, "details": details}


def timeline_steps(
    session: Mapping[str, Any], hooks: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Every step of `session` (a session view) and of its deliveries (delivery views), in
    time order (the session's history already records each webhook being queued); at equal
    times the session's steps come first."""
    steps: list[tuple[str, int, int, dict[str, Any]]] = []
    for i, item in enumerate(session["history"]):
        details = {
            k: ", ".join(map(str, v)) if isinstance(v, list) else v
            for k, v in item.items()
            if k not in HIDDEN and v not in (None, "", [])
        }
        steps.append(
            (item["at"], 0, i, _step(item["at"], "session", str(item["event"]), **details))
        )
        if item.get("redirect_url"):
            redirect = _step(item["at"], "redirect", "redirect", to=item["redirect_url"])
            steps.append((item["at"], 0, i, redirect))
    for i, hook in enumerate(hooks):
        for attempt in hook["attempts"]:
            answer = (
                f"HTTP {attempt['status_code']}" if attempt["status_code"] else attempt["error"]
            )
            steps.append(
                (
                    attempt["at"],
                    2,
                    i,
                    _step(
                        attempt["at"],
                        "attempt",
                        f"webhook {hook['event_type']} attempt {attempt['number']}",
                        answer=answer,
                        duration=f"{attempt['duration_ms']} ms",
                        ok=bool(attempt["status_code"] and 200 <= attempt["status_code"] < 300),
                    ),
                )
            )
    return [step for *_, step in sorted(steps, key=lambda s: (s[0] or "", s[1], s[2]))]


def pretty(body: str) -> str:
    """A JSON body indented for reading (the exact bytes are shown beside it); others as is."""
    try:
        return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        return body
