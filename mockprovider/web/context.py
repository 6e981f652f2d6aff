"""What every request handler reaches through `context(request)`: the default tenant's
`AppContext` (`app.state.ctx`), or the named tenant's the tenant router put in the scope."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from markupsafe import Markup
from starlette.requests import Request

from mockprovider.core.tokens import Purpose, TokenSigner
from mockprovider.web.page_cache import PageCache

if TYPE_CHECKING:  # for annotations only: jinja2 and httpx (the dispatcher's) load slowly
    import jinja2

    from mockprovider.core.engine import Sandbox
    from mockprovider.core.webhooks.dispatcher import Dispatcher


@dataclass
class AppContext:
    sandbox: Sandbox
    tokens: TokenSigner
    #: Returns the app's one Jinja environment, built on the first call (see `templates`).
    load_templates: Callable[[], jinja2.Environment]
    dispatcher: Dispatcher
    public_url: str | None = None
    #: Each provider's rendered outcome panel (see `web.hosted.choices_panel`).
    panels: dict[str, Markup] = field(default_factory=dict)
    #: The hosted pages rendered so far, by session state (see `web.page_cache`).
    pages: PageCache = field(default_factory=PageCache)
    #: The named tenant this context serves, and the path prefix its URLs carry (`/_t/<name>`).
    tenant: str = "default"
    prefix: str = ""
    #: What `/_sandbox/inbox` received (`web.inbox`), created on first use.
    inbox: deque[dict[str, Any]] | None = None

    @property
    def templates(self) -> jinja2.Environment:
        """The Jinja environment; built when the first page is rendered, not at start-up."""
        return self.load_templates()

    def base_url(self, request: Request) -> str:
        """Where the sandbox is reached: `public_url` if configured, else the request's host."""
        if self.public_url:
            return self.public_url.rstrip("/") + self.prefix
        # Built from the scope directly: Starlette's `request.base_url` constructs URL objects
        # (~25 µs), and every hosted page needs this more than once.
        scope = request.scope
        host = request.headers.get("host")
        if not host:
            server = scope.get("server") or ("127.0.0.1", 80)
            host = f"{server[0]}:{server[1]}"
        root = scope.get("app_root_path", scope.get("root_path", ""))
        return f"{scope.get('scheme', 'http')}://{host}{root}".rstrip("/") + self.prefix

    def hosted_url(self, request: Request, provider: str, session_id: str) -> str:
        token = self.tokens.sign(Purpose.HOSTED_PAGE, session_id)
        return f"{self.base_url(request)}/{provider}/s/{session_id}?t={token}"


#: The scope key holding the `AppContext` of a named tenant's request.
SCOPE_KEY = "mockprovider.ctx"


def context(request: Request) -> AppContext:
    """The request's tenant's context (the default tenant's unless the tenant router chose)."""
    ctx: AppContext = request.scope.get(SCOPE_KEY) or request.app.state.ctx
    return ctx
