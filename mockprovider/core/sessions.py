"""The session record and its state machine.

    created ──open──▶ opened ──outcome──▶ finished
       │                 │
       ├──closed tab─────┴──▶ abandoned ──at expires_at──▶ expired
       └──────────────at expires_at─────────────────────▶ expired

`finished` and `expired` are terminal. Provider-specific data (a Topiic `ref`, a Gigs intent)
lives in `data`; the core never looks inside it except to match scenarios.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

from mockprovider.errors import Conflict


class SessionStatus(StrEnum):
    CREATED = "created"
    OPENED = "opened"
    FINISHED = "finished"
    ABANDONED = "abandoned"
    EXPIRED = "expired"


_ALLOWED: dict[SessionStatus, frozenset[SessionStatus]] = {
    SessionStatus.CREATED: frozenset(
        {
            SessionStatus.OPENED,
            SessionStatus.FINISHED,
            SessionStatus.ABANDONED,
            SessionStatus.EXPIRED,
        }
    ),
    SessionStatus.OPENED: frozenset(
        {SessionStatus.FINISHED, SessionStatus.ABANDONED, SessionStatus.EXPIRED}
    ),
    SessionStatus.ABANDONED: frozenset({SessionStatus.EXPIRED}),
    SessionStatus.FINISHED: frozenset(),
    SessionStatus.EXPIRED: frozenset(),
}

#: Statuses in which a tester may still pick an outcome.
OPEN_STATUSES = frozenset({SessionStatus.CREATED, SessionStatus.OPENED})
#: Statuses the expiry sweep looks at.
EXPIRABLE_STATUSES = frozenset(
    {SessionStatus.CREATED, SessionStatus.OPENED, SessionStatus.ABANDONED}
)


def can_move(current: SessionStatus, target: SessionStatus) -> bool:
    return target in _ALLOWED[current]


@dataclass
class Session:
    """One hosted flow, from creation to its end."""

    id: str
    provider: str
    created_at: float
    expires_at: float
    hosted_url: str
    callback_url: str | None = None
    status: SessionStatus = SessionStatus.CREATED
    outcome: str | None = None
    scenario: str | None = None
    redirect_url: str | None = None
    form_nonce: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)

    def move(self, target: SessionStatus, at: float, **detail: Any) -> None:
        """Change status, recording the step in `history`; refuses illegal moves."""
        if not can_move(self.status, target):
            raise Conflict(
                f"session {self.id} is {self.status.value}; it cannot become {target.value}"
            )
        self.status = target
        self.note(target.value, at, **detail)

    def note(self, event: str, at: float, **detail: Any) -> None:
        self.history.append({"event": event, "at": at, **detail})

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def expired_on_the_page(self) -> bool:
        """Expired by the clock while its page was open and nothing was chosen: a late submit
        from that page still ends the flow (as an expiry) instead of being refused."""
        if self.status is not SessionStatus.EXPIRED or self.outcome is not None:
            return False
        last = self.history[-1] if self.history else {}
        return last.get("event") == SessionStatus.EXPIRED.value and last.get("was") == "opened"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; nested values are shared, not copied (dataclasses.asdict costs
        ~50 µs here, on the hot path of every page and outcome)."""
        out = {name: getattr(self, name) for name in _SESSION_FIELDS}
        out["status"] = self.status.value
        return out

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Session:
        values = dict(raw)
        values["status"] = SessionStatus(values["status"])
        return cls(**values)


_SESSION_FIELDS = tuple(f.name for f in fields(Session))
