"""The app as uvicorn's workers build it: the CLI serialises the checked config into the
environment, each worker process rebuilds the app from it."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

from starlette.applications import Starlette

from mockprovider.app import create_app
from mockprovider.config import Config

CONFIG_ENV = "MOCKPROVIDER_SERVE_CONFIG"


def dump_config(config: Config) -> str:
    raw = asdict(config)
    raw["scenario_dirs"] = [str(p) for p in config.scenario_dirs]
    return json.dumps(raw)


def app_from_env() -> Starlette:
    raw = json.loads(os.environ[CONFIG_ENV])
    raw["scenario_dirs"] = [Path(p) for p in raw["scenario_dirs"]]
    return create_app(Config(**raw))
