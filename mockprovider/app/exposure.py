"""Whether `serve` may start as configured: the control API and dashboard (reset, settings with
signing secrets, every session and webhook) must not be open to a network without a token.

Loopback (127.0.0.0/8, ::1, `localhost`) needs nothing; any other listen address (0.0.0.0,
`::`, a LAN address, a host name, which may resolve to anything) needs an admin token or an
explicit `--insecure-open`.
"""

from __future__ import annotations

import ipaddress

from mockprovider.errors import InsecureSetup, InvalidInput

#: The shortest admin token accepted: the login form and the API are open to guessing.
MIN_TOKEN_LENGTH = 16
WHERE = "--admin-token, MOCKPROVIDER_ADMIN_TOKEN or server.admin_token"


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 (also as ::ffff:127.x.y.z or in brackets) and `localhost`."""
    name = host.strip().strip("[]").lower().rstrip(".")
    if name == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def check_exposure(
    host: str, port: int, admin_token: str | None, *, insecure_open: bool, log_level: str
) -> None:
    """Raise `InsecureSetup` (or `InvalidInput` for a short token) unless serving is safe."""
    if admin_token is not None:
        if len(admin_token) < MIN_TOKEN_LENGTH:
            raise InvalidInput(
                f"the admin token ({WHERE}) must be at least {MIN_TOKEN_LENGTH} characters; "
                "make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        if log_level.strip().lower() == "trace":
            raise InsecureSetup(
                "--log-level trace logs every request's headers, the Authorization header "
                "with the admin token included; use --log-level debug or higher"
            )
        return
    if insecure_open or is_loopback(host):
        return
    raise InsecureSetup(
        f"refusing to listen on {host}:{port} without an admin token: anyone who can reach it "
        "could read every session and webhook, change provider settings (signing secrets "
        "included) and reset the sandbox. Give a token with "
        f"{WHERE}, listen on 127.0.0.1, or pass --insecure-open if every client on this "
        "network may do all of that"
    )
