"""The HTTP side of the inspection commands: `--url`, calls to `/_sandbox`, and errors as one
line and exit status 1.

httpx is imported when a `Control` is used, not with this module: the CLI loads the module for
every command, and httpx takes tens of milliseconds to import.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import click

from mockprovider.errors import MockProviderError

if TYPE_CHECKING:
    import httpx

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_URL = "http://127.0.0.1:8600"


class SandboxUnreachable(MockProviderError):
    """Nothing answers at the sandbox URL."""


class ControlRefused(MockProviderError):
    """The control API answered with an error status."""


def url_option(func: F) -> F:
    """`--url` (env `MOCKPROVIDER_URL`, default http://127.0.0.1:8600)."""
    option = click.option(
        "--url",
        envvar="MOCKPROVIDER_URL",
        default=DEFAULT_URL,
        show_default=True,
        help="The running sandbox (env MOCKPROVIDER_URL).",
    )
    return option(func)


def one_line_errors(func: F) -> F:
    """Print `error: …` on stderr and exit 1 instead of a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MockProviderError as exc:
            click.echo(f"error: {exc.message}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


class Control:
    """A client of `URL/_sandbox`; every failure becomes a `MockProviderError`."""

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        import httpx

        self.url = url.rstrip("/")
        self._http = httpx.Client(timeout=timeout)

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
                method, f"{self.url}/_sandbox{path}", params=query, json=body
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

    def _answer(self, method: str, path: str, response: httpx.Response) -> Any:
        try:
            data = response.json()
        except ValueError:
            data = None
        status = response.status_code
        if response.is_success and data is not None:
            return data
        if isinstance(data, dict) and isinstance(data.get("error"), dict):
            raise ControlRefused(f"{data['error'].get('message')} (HTTP {status})")
        if response.is_success:
            raise ControlRefused(f"{self.url} is not a mockprovider sandbox (no JSON at {path})")
        hint = "; is this a mockprovider sandbox?" if status == 404 else ""
        raise ControlRefused(f"{method} {response.url} answered HTTP {status}{hint}")

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Control:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
