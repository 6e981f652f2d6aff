"""Gigs in a shared sandbox: the project of `/projects/{project}/…` picks the tenant.

The project id is in every Connect API path (spec §1.2), so an unprefixed call names its
tenant before the handler checks the Bearer key against that tenant's settings. A new tenant
gets the project `gigs-<tenant>` and its own API key and Svix endpoint secret, in the formats
of the sandbox's documented ones.
"""

from __future__ import annotations

import base64
import re
import secrets
import string
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request

from mockprovider.providers.gigs.settings import SANDBOX_API_KEY, SANDBOX_PROJECT

#: The project segment of any path under the mount (`/gigs` is in `root_path` inside it).
PROJECT_PATH = re.compile(r"(?:^|/)projects/([^/]+)(?:/|$)")
KEY_PREFIX = SANDBOX_API_KEY[: SANDBOX_API_KEY.rindex("_") + 1]  # "gigs_sandbox_key_"
KEY_LENGTH = len(SANDBOX_API_KEY) - len(KEY_PREFIX)
ALPHANUMERIC = string.ascii_letters + string.digits
#: Svix endpoint secrets are `whsec_` + base64 of 24 random bytes (spec §1.6).
SECRET_BYTES = 24


def tenant_credential(request: Request) -> str | None:
    """The project id in the request's path, if any (not checked: the handler does that)."""
    path = request.scope.get("path", "")
    root = request.scope.get("root_path", "")
    found = PROJECT_PATH.search(path.removeprefix(root))
    return found.group(1) if found else None


def settings_credentials(settings: Mapping[str, Any]) -> tuple[str, ...]:
    """The project the settings accept."""
    project = settings.get("project")
    return (project,) if isinstance(project, str) and project else ()


def new_api_key() -> str:
    """`gigs_sandbox_key_` + 14 random letters and digits, as the documented sandbox key."""
    return KEY_PREFIX + "".join(secrets.choice(ALPHANUMERIC) for _ in range(KEY_LENGTH))


def new_webhook_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def tenant_defaults(tenant: str) -> dict[str, Any]:
    """Project `gigs-<tenant>` (follows from the name), a fresh API key and endpoint secret."""
    return {
        "project": f"{SANDBOX_PROJECT}-{tenant}",
        "api_key": new_api_key(),
        "webhook_secret": new_webhook_secret(),
        "additional_webhook_secrets": [],
    }
