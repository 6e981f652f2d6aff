"""Where the templates and built-in scenarios are: inside the installed wheel
(`mockprovider/templates`, `mockprovider/scenarios`) or at the top of a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"mockprovider's {name}/ folder is missing from {_PACKAGE}")


def templates_dir() -> Path:
    return _find("templates")


def scenarios_dir() -> Path:
    return _find("scenarios")
