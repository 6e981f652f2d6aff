"""What every request handler reaches through `request.app.state.ctx`."""

from __future__ import annotations

from dataclasses import dataclass, field

import jinja2
from markupsafe import Markup
from starlette.requests import Request

from mockprovider.core.engine import Sandbox
from mockprovider.core.tokens import Purpose, TokenSigner
from mockprovider.core.webhooks.dispatcher import Dispatcher


@dataclass
class AppContext:
    sandbox: Sandbox
    tokens: TokenSigner
    templates: jinja2.Environment
    dispatcher: Dispatcher
    public_url: str | None = None
    #: Each provider's rendered outcome panel (see `web.hosted.choices_panel`).
    panels: dict[str, Markup] = field(default_factory=dict)

    def base_url(self, request: Request) -> str:
        """Where the sandbox is reached: `public_url` if configured, else the request's host."""
        if self.public_url:
            return self.public_url.rstrip("/")
        return str(request.base_url).rstrip("/")

    def hosted_url(self, request: Request, provider: str, session_id: str) -> str:
        token = self.tokens.sign(Purpose.HOSTED_PAGE, session_id)
        return f"{self.base_url(request)}/{provider}/s/{session_id}?t={token}"


def context(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx
