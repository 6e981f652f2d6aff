"""The HTTP side of the control commands: `--url`, `--admin-token`, `--tenant`, calls to
`/_sandbox` (or a tenant's `/_sandbox/tenants/NAME`), and errors as one line and exit status 1
(2 for a bad input file).

httpx is imported when a `Control` is used, not with this module: the CLI loads the module for
every command, and httpx takes tens of milliseconds to import.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import click
from click.core import ParameterSource

from mockprovider.errors import ConfigError, MockProviderError

if TYPE_CHECKING:
    import httpx

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_URL = "http://127.0.0.1:8600"
#: Where `--admin-token` leaves its value for the `Control` made inside the command.
META_KEY = "mockprovider.admin_token"
#: Where `--tenant` leaves the tenant the command's `Control` acts on.
TENANT_KEY = "mockprovider.tenant"
#: A tenant's name, as the sandbox accepts it (TENANTS.md).
TENANT_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


class SandboxUnreachable(MockProviderError):
    """Nothing answers at the sandbox URL."""


class ControlRefused(MockProviderError):
    """The control API answered with an error status."""


def _remember_token(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value:
        ctx.meta[META_KEY] = value


def tenant_name(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A click callback: `value` if it is a valid tenant name (or None), else a usage error."""
    if value is not None and not TENANT_NAME.fullmatch(value):
        raise click.BadParameter(
            f"{value!r}: 1-40 lowercase letters, digits and '-', starting with a letter or digit",
            ctx=ctx,
            param=param,
        )
    return value


def remember_tenant(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """A click callback: keep a valid `--tenant` for the command's `Control`. The last one on
    the command line wins (`mockprovider --tenant A sessions list --tenant B` is B); a value
    from the environment never replaces one from the command line."""
    if not tenant_name(ctx, param, value):
        return
    from_env = ctx.get_parameter_source(param.name or "") is ParameterSource.ENVIRONMENT
    if from_env and TENANT_KEY in ctx.meta:
        return
    ctx.meta[TENANT_KEY] = value


def url_option(func: F) -> F:
    """`--url` (env `MOCKPROVIDER_URL`, default http://127.0.0.1:8600), `--admin-token`
    (env `MOCKPROVIDER_ADMIN_TOKEN`), which every `Control` made in the command sends, and
    `--tenant` (env `MOCKPROVIDER_TENANT`): the tenant those calls act on."""
    tenant = click.option(
        "--tenant",
        envvar="MOCKPROVIDER_TENANT",
        default=None,
        metavar="NAME",
        expose_value=False,
        callback=remember_tenant,
        help="Act on this tenant of a shared sandbox, under /_sandbox/tenants/NAME "
        "(env MOCKPROVIDER_TENANT) [the default tenant].",
    )
    return tenant(admin_url_option(func))


def admin_url_option(func: F) -> F:
    """`--url` and `--admin-token` without `--tenant`: for commands on the sandbox as a whole
    (`mockprovider tenants …`)."""
    option = click.option(
        "--url",
        envvar="MOCKPROVIDER_URL",
        default=DEFAULT_URL,
        show_default=True,
        help="The running sandbox (env MOCKPROVIDER_URL).",
    )
    token = click.option(
        "--admin-token",
        envvar="MOCKPROVIDER_ADMIN_TOKEN",
        default=None,
        metavar="TOKEN",
        expose_value=False,
        callback=_remember_token,
        help="The sandbox's admin token, or a tenant's own (env MOCKPROVIDER_ADMIN_TOKEN).",
    )
    return option(token(func))


def _meta_of_command(key: str) -> str | None:
    ctx = click.get_current_context(silent=True)
    value = ctx.meta.get(key) if ctx is not None else None
    return str(value) if value else None


def one_line_errors(func: F) -> F:
    """Print `error: …` on stderr and exit 1 instead of a traceback; a bad input file's
    problems one `file:line: key: message` a line, and exit 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            sys.exit(2)
        except MockProviderError as exc:
            click.echo(f"error: {exc.message}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


class Control:
    """A client of `URL/_sandbox`; every failure becomes a `MockProviderError`. It sends
    `token` (default: the command's `--admin-token`) as `Authorization: Bearer`, and with a
    `tenant` (default: the command's `--tenant`) calls `URL/_sandbox/tenants/TENANT/…`."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 10.0,
        token: str | None = None,
        tenant: str | None = None,
    ) -> None:
        import httpx

        self.url = url.rstrip("/")
        self.token = token or _meta_of_command(META_KEY)
        self.tenant = tenant or _meta_of_command(TENANT_KEY)
        self.prefix = f"/_sandbox/tenants/{self.tenant}" if self.tenant else "/_sandbox"
        headers = {"authorization": f"Bearer {self.token}"} if self.token else {}
        self._http = httpx.Client(timeout=timeout, headers=headers)

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | None] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> Any:
        import httpx

        query = {k: v for k, v in (params or {}).items() if v is not None}
        try:
            response = self._http.request(
                method, f"{self.url}{self.prefix}{path}", params=query, json=body
            )
        except httpx.ConnectError:
            raise SandboxUnreachable(
                f"no sandbox at {self.url}: start it with `mockprovider serve`"
            ) from None
        except httpx.InvalidURL as exc:
            raise SandboxUnreachable(f"bad --url {self.url!r}: {exc}") from None
        except httpx.HTTPError as exc:
            detail = str(exc) or type(exc).__name__
            raise SandboxUnreachable(f"{self.url} did not answer: {detail}") from None
        return self._answer(method, path, response)

    @property
    def api_url(self) -> str:
        """Where the tenant's provider APIs and hosted pages are: `URL` or `URL/_t/TENANT`."""
        return f"{self.url}/_t/{self.tenant}" if self.tenant else self.url

    @property
    def where(self) -> str:
        """`URL`, or `URL (tenant T)`, for messages."""
        return f"{self.url} (tenant {self.tenant})" if self.tenant else self.url

    def _answer(self, method: str, path: str, response: httpx.Response) -> Any:
        try:
            data = response.json()
        except ValueError:
            data = None
        status = response.status_code
        if response.is_success and data is not None:
            return data
        if status == 401:
            raise ControlRefused(self._refused(path))
        if isinstance(data, dict) and isinstance(data.get("error"), dict):
            raise ControlRefused(f"{data['error'].get('message')} (HTTP {status})")
        if response.is_success:
            raise ControlRefused(f"{self.url} is not a mockprovider sandbox (no JSON at {path})")
        hint = "; is this a mockprovider sandbox?" if status == 404 else ""
        raise ControlRefused(f"{method} {response.url} answered HTTP {status}{hint}")

    def _refused(self, path: str) -> str:
        if self.token is None:
            return (
                f"the sandbox at {self.url} needs a token: pass --admin-token or set "
                "MOCKPROVIDER_ADMIN_TOKEN"
            )
        return (
            f"the sandbox at {self.url} refused the token given (--admin-token or "
            f"MOCKPROVIDER_ADMIN_TOKEN) for {self.prefix}{path}"
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Control:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
