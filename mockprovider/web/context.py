"""What every request handler reaches through `request.app.state.ctx`."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.templating import Jinja2Templates

from mockprovider.core.engine import Sandbox
from mockprovider.core.tokens import Purpose, TokenSigner
from mockprovider.core.webhooks.dispatcher import Dispatcher


@dataclass
class AppContext:
    sandbox: Sandbox
    tokens: TokenSigner
    templates: Jinja2Templates
    dispatcher: Dispatcher
    public_url: str | None = None

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
