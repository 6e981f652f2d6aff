"""One error hierarchy for the whole sandbox.

Domain code raises these; only the edges (web exception handlers, the CLI) turn them into HTTP
responses or exit codes. Messages say what went wrong and what to do next.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class MockProviderError(Exception):
    """Base of every error the sandbox raises on purpose."""

    status_code = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(MockProviderError):
    """An unknown session, delivery, provider or scenario."""

    status_code = 404


class Conflict(MockProviderError):
    """The request is valid but the resource is in the wrong state (e.g. already finished)."""

    status_code = 409


class Forbidden(MockProviderError):
    """A forged or replayed token."""

    status_code = 403


class InsecureSetup(MockProviderError):
    """A way of serving that would open the control API and dashboard (reset, settings with
    signing secrets, every session and webhook) to the network, or leak the admin token."""


class InvalidInput(MockProviderError):
    """A request body or parameter the sandbox cannot accept."""

    status_code = 422

    def __init__(self, message: str, *, valid: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.valid = list(valid)


class LimitExceeded(MockProviderError):
    """A tenant's cap (stored sessions, queued webhook deliveries) is reached; nothing already
    stored is touched. `retry_after` is a hint in seconds for the `Retry-After` header."""

    status_code = 429

    def __init__(self, message: str, *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UnsafeURL(InvalidInput):
    """A callback/return URL the sandbox refuses to redirect to (javascript:, data:, CR/LF …)."""

    status_code = 400


class DataUnavailable(MockProviderError):
    """A scenario's data failure: the bank errors on a data call. `status` is the HTTP status
    the institution answered with; providers wrap it in their own error shape."""

    status_code = 502

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class SourceProblem:
    """One problem in a YAML file, pointing at the file, line and key."""

    path: str
    line: int
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.key}: {self.message}"


class ConfigError(MockProviderError):
    """A configuration or scenario file is invalid; carries every problem found."""

    status_code = 400

    def __init__(self, problems: Sequence[SourceProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ProviderError(MockProviderError):
    """An error a provider reports in its own shape (status, headers and body already built).

    Providers raise it from their API handlers; the web layer returns it verbatim.
    """

    def __init__(
        self,
        status_code: int,
        body: bytes,
        *,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(body.decode("utf-8", "replace"))
        self.status_code = status_code
        self.body = body
        self.content_type = content_type
        self.headers = dict(headers or {})
