"""The Connect funnel's state and what each step sends (spec §1.4, §1.5, §1.9.3).

`session.data` holds the funnel state: `step`, `case` (the Demo Bank case), `item_created`,
`refresh` (the last `item.refreshed` sent). A `Flow` computes the events a move sends and the
data it changes; the funnel routes write them with `sandbox.progress`, the provider's
`effects` with the outcome. Picking an outcome from the sandbox panel "catches up": it sends
whatever the funnel would have sent on the way to that end.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from mockprovider.core.accountdata import DataSpec, to_major
from mockprovider.core.webhooks.messages import WebhookMessage
from mockprovider.providers.bridge import data as item_data
from mockprovider.providers.bridge import events
from mockprovider.providers.bridge.settings import STATUS_NAMES, status_info

FIRST_STEP = "highlighted_banks"
#: The built-in scenario behind the top-right Exit link (scenarios/bridge/exit-link.yaml).
EXIT = "exit-link"
#: Steps reached only after the credentials were submitted (then `item.created` was sent).
AFTER_CREDENTIALS = frozenset(
    {
        "otp_form",
        "sync_in_progress",
        "sync_pending",
        "sync_success",
        "sync_error",
        "edit_bank_creds_form",
    }
)
OTP_MISSING = 1010  # [DOC B14] needs_manual_refresh: SCA required but not given
_STATUS_LOGIN = re.compile(r"^(-?\d+)(?:_([A-Za-z0-9_]+))?$")


@dataclass(frozen=True)
class Case:
    """A Demo Bank case [DOC B13]: the sync's final status, and whether an OTP is asked."""

    status: int = 0
    info: str = "ok"
    otp: bool = False
    otp_fail: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any] | None) -> Case:
        return cls(**dict(raw)) if raw else cls()


def demo_case(login: str) -> Case:
    """The case a Demo Bank login picks (spec §1.9.3): `otp`, `otp_fail`, `402`, `429`,
    `1003`, `<status>_<STATUS_CODE_INFO>`; dotted combinations (`success.1010`) use the first
    part (later refreshes are not imitated); `app2app` behaves like `success`,
    `app2app_expiry` like `1010` [INF]; anything else is `success`."""
    first = login.strip().split(".", 1)[0]
    lowered = first.lower()
    if lowered in {"otp", "otp_fail"}:
        return Case(otp=True, otp_fail=lowered == "otp_fail")
    if lowered == "app2app_expiry":
        return Case(OTP_MISSING, status_info(OTP_MISSING))
    found = _STATUS_LOGIN.match(first)
    if found and int(found.group(1)) in STATUS_NAMES and int(found.group(1)) != 0:
        status = int(found.group(1))
        return Case(status, found.group(2) or status_info(status))
    return Case()


class Flow:
    """Events and data changes of one move; `data` is the session's, read-only here."""

    def __init__(
        self,
        data: Mapping[str, Any],
        settings: Mapping[str, Any],
        now: float,
        *,
        session_id: str,
        scenario: tuple[str, DataSpec | None] | None = None,
    ) -> None:
        self.data = data
        self.settings = settings
        self.now = now
        self.session_id = session_id
        #: The scenario whose `data:` shapes the accounts (name, its spec), if any.
        self.scenario = scenario
        self.updates: dict[str, Any] = {}
        self.messages: list[WebhookMessage] = []

    def get(self, key: str) -> Any:
        return self.updates.get(key, self.data.get(key))

    @property
    def item_id(self) -> int:
        return int(self.data["item_id"])

    @property
    def user(self) -> str:
        return str(self.data["user_uuid"])

    def _send(self, event_type: str, content: dict[str, Any]) -> None:
        if event_type in (self.settings.get("events") or []):
            url = str(self.settings.get("webhook_url") or "")
            self.messages.append(events.message(event_type, content, self.now, url))

    def credentials_submitted(self) -> None:
        """`item.created` fires when the user submits credentials [DOC B15], once per item."""
        if not self.get("item_created"):
            self._send("item.created", events.created(self.item_id, self.user))
            self.updates["item_created"] = True
            self.updates["item_created_at"] = self.now

    def sync_ended(self, status: int, info: str, fields: Mapping[str, Any] | None = None) -> None:
        """The first sync ends with `status`: on success the accounts, `item.refreshed` (0, ok)
        and `item.account.updated` (spec §1.5 order); on failure `item.refreshed` only."""
        self.credentials_submitted()
        accounts = self._accounts() if status == 0 else []
        for account_id, balance, _ in accounts:
            content = events.account_created(account_id, balance, self.item_id, self.user)
            self._send("item.account.created", content)
        when = self.now if status == 0 else None
        refreshed = events.refreshed(self.item_id, self.user, status, info, when)
        refreshed.update(fields or {})
        self._send("item.refreshed", refreshed)
        for account_id, balance, new in accounts:
            content = events.account_updated(account_id, balance, self.item_id, new, self.user)
            self._send("item.account.updated", content)
        self.updates["refresh"] = {
            "status_code": refreshed["status_code"],
            "status_code_info": refreshed["status_code_info"],
            "at": self.now,
            "accounts": [a[0] for a in accounts],
            "balances": [a[1] for a in accounts],
        }

    def _accounts(self) -> list[tuple[int, float, int]]:
        """(id, booked balance, transactions) of each account the first successful sync finds,
        from the account-data engine (`data.py`); the item's data is fixed from then on."""
        sync = self.get("sync")
        if sync is None:
            name, spec = self.scenario or (None, None)
            sync = {"anchor": self.now, "scenario": name if spec is not None else None}
            self.updates["sync"] = sync
        given = self.scenario[1] if self.scenario and sync["scenario"] else None
        spec = item_data.spec_for(self.get("provider_id"), given)
        found = item_data.built(self.session_id, {"sync": sync}, spec)
        return [
            (item_data.account_id(self.item_id, i), to_major(a.booked_minor), len(a.transactions))
            for i, a in enumerate(found.accounts)
        ]

    def needs_refresh(self, status: int) -> bool:
        last = self.get("refresh")
        return last is None or last.get("status_code") != status

    def background_end(self, step: str, fields: Mapping[str, Any] | None = None) -> None:
        """The user left after the credentials: the sync still ends server-side [INF]; at the
        OTP step it ends as 1010 (the code never came)."""
        if not (self.get("item_created") or step in AFTER_CREDENTIALS):
            return
        self.credentials_submitted()
        if self.get("refresh") is not None:
            return
        case = Case.from_dict(self.get("case"))
        status = OTP_MISSING if step == "otp_form" else case.status
        status = int((fields or {}).get("status_code", status))
        info = status_info(status) if status != case.status else case.info
        self.sync_ended(status, info, fields)


def callback_params(
    data: Mapping[str, Any], *, success: bool, step: str, item: bool
) -> list[tuple[str, str]]:
    """The full set, in spec §1.4's order: item_id (once an item exists), user_uuid, success,
    step (only when false), source=connect, context (when given)."""
    params = [("item_id", str(data["item_id"]))] if item else []
    params.append(("user_uuid", str(data["user_uuid"])))
    params.append(("success", "true" if success else "false"))
    if not success:
        params.append(("step", step))
    params.append(("source", "connect"))
    if data.get("context"):
        params.append(("context", str(data["context"])))
    return params
