"""What the core needs from a provider, and what a provider hands back.

The core never imports a provider module: providers implement `ProviderSpec` and are passed in.
A provider turns a tester's choice into `Effects` (a redirect or a page, webhook messages, the
session's next status); the engine applies scenario faults and makes the result durable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from mockprovider.core.scenarios import Scenario
from mockprovider.core.sessions import Session, SessionStatus
from mockprovider.core.webhooks.messages import WebhookMessage
from mockprovider.core.webhooks.policy import DeliveryPolicy


@dataclass(frozen=True)
class OutcomeSpec:
    """A canonical outcome as one provider implements it."""

    name: str
    label: str
    #: One line telling the tester what this choice sends back.
    description: str


@dataclass(frozen=True)
class Setting:
    """One provider setting: the key (the spec's own name), its default and a help line."""

    name: str
    default: Any
    help: str
    secret: bool = False


@dataclass(frozen=True)
class Choice:
    """What the tester picked: a canonical outcome, possibly through a scenario."""

    outcome: str
    scenario: Scenario | None = None

    @property
    def name(self) -> str:
        return self.scenario.name if self.scenario else self.outcome


@dataclass(frozen=True)
class Page:
    """A page to show instead of redirecting (no callback URL, closed tab, dropped redirect)."""

    template: str
    context: Mapping[str, Any] = field(default_factory=dict)
    status_code: int = 200


@dataclass
class Effects:
    """Everything one outcome does."""

    status: SessionStatus = SessionStatus.FINISHED
    redirect_url: str | None = None
    page: Page | None = None
    webhooks: list[WebhookMessage] = field(default_factory=list)
    #: Merged into `session.data` (e.g. ids minted for a successful checkout).
    data: dict[str, Any] = field(default_factory=dict)
    #: An inline error the page shows while the flow goes on (e.g. Gigs' declined card): with
    #: it, `status` should stay open (created/opened) and there is neither redirect nor page.
    problem: str | None = None


@dataclass(frozen=True)
class EffectContext:
    """What a provider may read while computing effects."""

    now: float
    settings: Mapping[str, Any]


class ProviderSpec(Protocol):
    """The contract every provider module implements (plain class attributes satisfy the
    read-only properties)."""

    @property
    def name(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def outcomes(self) -> tuple[OutcomeSpec, ...]: ...
    @property
    def match_fields(self) -> tuple[str, ...]: ...
    @property
    def settings(self) -> tuple[Setting, ...]: ...
    @property
    def delivery(self) -> DeliveryPolicy: ...

    def effects(self, session: Session, choice: Choice, ctx: EffectContext) -> Effects:
        """What picking `choice` on `session` does."""

    def on_expire(self, session: Session, ctx: EffectContext) -> list[WebhookMessage]:
        """Messages sent when the session reaches `expires_at` unfinished (often none)."""

    def match_values(self, session: Session) -> Mapping[str, str]:
        """The session's values for each of `match_fields` (missing ones left out)."""

    def status_label(self, session: Session) -> str:
        """The provider's own name for the session's state (e.g. Topiic `AwaitingPayment`)."""
