"""The config file's tenants are made at start-up, and brought up to date (token, settings) on
the next start over the same store, without losing what they stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from mockprovider.app import create_app
from mockprovider.clock import FrozenClock
from mockprovider.config import Config
from tests.support import SANDBOX, T0, topiic_link

ADMIN = "admin-token-0123456789abcdef"
FIRST, SECOND = "team-a-token-0123456789", "team-a-token-9876543210"


def _config(tmp_path: Path, token: str, hook: str) -> Config:
    entry: dict[str, Any] = {
        "token": token,
        "shared_credentials": True,
        "settings": {"topiic": {"webhook_url": hook}},
        "limits": {"sessions": 50},
    }
    store = f"sqlite:{tmp_path}/state.db"
    return Config(store=store, admin_token=ADMIN, tenants={"team-a": entry}, limits={})


async def _run(config: Config, token: str, other: str) -> tuple[dict[str, Any], int]:
    """Start the app; return the tenant's settings as its own token reads them, after
    checking `other` is refused, and how many sessions it holds (one more made now)."""
    app = create_app(config, clock=FrozenClock(T0), dispatch=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=SANDBOX) as http:
            own = {"authorization": f"Bearer {token}"}
            refused = await http.get(
                "/_t/team-a/_sandbox/sessions", headers={"authorization": f"Bearer {other}"}
            )
            assert refused.status_code == 401
            opened = await http.get(topiic_link(base=f"{SANDBOX}/_t/team-a/topiic"))
            assert opened.status_code == 303
            sessions = await http.get("/_t/team-a/_sandbox/sessions", headers=own)
            settings = await http.get("/_t/team-a/_sandbox/providers/topiic/settings", headers=own)
            limits = (
                await http.get(
                    "/_sandbox/tenants/team-a", headers={"authorization": f"Bearer {ADMIN}"}
                )
            ).json()["limits"]
            assert limits == {"sessions": 50, "deliveries": 50_000}
            return settings.json(), len(sessions.json()["sessions"])


async def test_config_tenants_are_made_at_start_up_and_updated_on_restart(
    tmp_path: Path,
) -> None:
    settings, count = await _run(_config(tmp_path, FIRST, "http://a.test/1"), FIRST, SECOND)
    assert settings["webhook_url"] == "http://a.test/1"
    assert count == 1

    settings, count = await _run(_config(tmp_path, SECOND, "http://a.test/2"), SECOND, FIRST)

    assert settings["webhook_url"] == "http://a.test/2"  # the file's change applies
    assert count == 2  # and the session of the first run is still there


async def _own_credentials(config: Config) -> dict[str, Any]:
    app = create_app(config, clock=FrozenClock(T0), dispatch=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=SANDBOX) as http:
            admin = {"authorization": f"Bearer {ADMIN}"}
            shown = await http.get("/_sandbox/tenants/own", headers=admin)
            settings: dict[str, Any] = shown.json()["settings"]
            return settings


async def test_a_config_tenants_generated_credentials_outlive_a_restart(tmp_path: Path) -> None:
    config = Config(store=f"sqlite:{tmp_path}/state.db", admin_token=ADMIN, tenants={"own": {}})
    first = await _own_credentials(config)
    second = await _own_credentials(config)

    assert first["gigs"]["api_key"] == second["gigs"]["api_key"]  # not generated anew
    assert first == second
