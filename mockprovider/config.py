"""Server configuration: embedded defaults < YAML file < `MOCKPROVIDER_*` environment < flags.

The YAML file (`--config FILE`, or `mockprovider.yaml` in the working directory if present):

    server:    {host: 127.0.0.1, port: 8600, store: sqlite:.mockprovider/state.db,
                public_url: null, secret_key: null, admin_token: null,
                http_server: granian}
    scenarios: [./my-scenarios]          # directories added to the built-in scenarios
    providers:
      topiic: {webhook_url: http://127.0.0.1:3000/webhooks/topiic}

Every problem is reported as `file:line: key: message` (`ConfigError`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mockprovider import config_tenants
from mockprovider.core import yamlcheck as yc
from mockprovider.core import yamlsource as ys
from mockprovider.core.contract import Setting
from mockprovider.errors import InvalidInput

DEFAULT_FILE = "mockprovider.yaml"
SERVER_KEYS = ("host", "port", "store", "public_url", "secret_key", "admin_token", "http_server")
#: `serve`'s HTTP servers (`--server`, `server.http_server`), the default first.
HTTP_SERVERS = ("granian", "uvicorn")


@dataclass
class Config:
    host: str = "127.0.0.1"
    port: int = 8600
    store: str = "sqlite:.mockprovider/state.db"
    public_url: str | None = None
    secret_key: str | None = None
    #: Required by the control API and dashboard when set (`web.access`); kept out of repr.
    admin_token: str | None = field(default=None, repr=False)
    http_server: str = HTTP_SERVERS[0]
    scenario_dirs: list[Path] = field(default_factory=list)
    providers: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: The default tenant's caps (`limits:`; none unless set) and the named tenants of the
    #: file (`tenants:`, as `POST /_sandbox/tenants` bodies without the name); see
    #: `config_tenants`.
    limits: dict[str, int | None] = field(default_factory=dict)
    tenants: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)


def _server(node: ys.Located, problems: ys.Problems, config: Config) -> None:
    table = yc.expect_map(node, "server", problems, optional=SERVER_KEYS)
    if table is None:
        return
    for key, child in table.entries.items():
        where = ys.join_key("server", key)
        if key == "port":
            port = yc.expect_int(child, where, problems, minimum=0, maximum=65535)
            config.port = config.port if port is None else port
        elif key == "http_server" and child.value not in HTTP_SERVERS:
            problems.add(child.line, where, f"must be one of {', '.join(HTTP_SERVERS)}")
        elif child.value is not None and key in SERVER_KEYS:
            text = yc.expect_str(child, where, problems, non_empty=True)
            if text is not None:
                setattr(config, key, text)


def load_file(path: Path, declared: Mapping[str, tuple[Setting, ...]], config: Config) -> Config:
    """Overlay `config` with the file at `path`; `ConfigError` lists every problem."""
    root = ys.load_yaml(path, allow_empty=True)
    if root.value is None:
        return config
    problems = ys.Problems(str(path))
    sections = ("server", "scenarios", "providers", "limits", "tenants")
    table = yc.expect_map(root, "", problems, optional=sections)
    if table is not None:
        if (server := table.get("server")) is not None:
            _server(server, problems, config)
        if (dirs := table.get("scenarios")) is not None:
            listed = yc.expect_str_list(dirs, "scenarios", problems) or []
            config.scenario_dirs += [(path.parent / d).resolve() for d in listed]
        if (providers := table.get("providers")) is not None:
            found = config_tenants.check_providers(providers, "providers", problems, declared)
            config.providers.update(found)
        if (limits := table.get("limits")) is not None:
            config.limits = config_tenants.check_limits(limits, "limits", problems)
        if (tenants := table.get("tenants")) is not None:
            config.tenants = config_tenants.check_tenants(tenants, problems, declared)
    problems.items.sort(key=lambda p: p.line)  # file order, as the scenario validator reports
    problems.raise_if_any()
    return config


def _env_port(value: str) -> int:
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or int(text) > 65535:
        raise InvalidInput(
            f"MOCKPROVIDER_PORT must be a whole number from 0 to 65535, got {value!r}"
        )
    return int(text)


def _env_server(value: str) -> str:
    if value not in HTTP_SERVERS:
        raise InvalidInput(
            f"MOCKPROVIDER_HTTP_SERVER must be one of {', '.join(HTTP_SERVERS)}, got {value!r}"
        )
    return value


def from_env(env: Mapping[str, str], config: Config) -> Config:
    """Overlay `MOCKPROVIDER_HOST`, `_PORT`, `_STORE`, `_PUBLIC_URL`, `_SECRET_KEY`,
    `_ADMIN_TOKEN`, `_HTTP_SERVER`, `_SCENARIOS` (colon-separated directories); `InvalidInput`
    for a bad port or server name."""
    checks = {"port": _env_port, "http_server": _env_server}
    for key in SERVER_KEYS:
        value = env.get(f"MOCKPROVIDER_{key.upper()}")
        if value:
            setattr(config, key, checks.get(key, str)(value))
    if env.get("MOCKPROVIDER_SCENARIOS"):
        config.scenario_dirs += [Path(p) for p in env["MOCKPROVIDER_SCENARIOS"].split(":") if p]
    return config


def load_config(
    path: Path | None,
    env: Mapping[str, str],
    declared: Mapping[str, tuple[Setting, ...]],
    *,
    scenario_dirs: Sequence[Path] = (),
    **flags: Any,
) -> Config:
    """The effective configuration; `flags` with a None value are ignored."""
    config = Config()
    path = path or (Path(env["MOCKPROVIDER_CONFIG"]) if env.get("MOCKPROVIDER_CONFIG") else None)
    if path is None and Path(DEFAULT_FILE).is_file():
        path = Path(DEFAULT_FILE)
    if path is not None:
        load_file(path, declared, config)
    from_env(env, config)
    for key, value in flags.items():
        if value is not None:
            setattr(config, key, value)
    config.scenario_dirs += list(scenario_dirs)
    return config
