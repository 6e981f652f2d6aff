"""Run by the separate gigs-client environment (`.venv-gigs`, pydantic 1): reads
`{"user": {...}, "subscription": {...}}` on stdin, prints for each object the properties its
gigs-client model lists that the object lacks, and the model's parse error (or null)."""

from __future__ import annotations

import json
import sys
from typing import Any


def check(model: Any, name: str, value: dict[str, Any]) -> dict[str, Any]:
    """The model's listed properties missing from `value`, and every field it refuses, as
    dotted paths with pydantic's error type (e.g. `plan.price: type_error.none.not_allowed`)."""
    listed = getattr(model, f"_{name}__properties")
    missing = [key for key in listed if key not in value]
    try:
        model.parse_obj(value)
        refused: list[str] = []
    except Exception as exc:  # pydantic's ValidationError
        refused = [".".join(map(str, e["loc"])) + ": " + e["type"] for e in exc.errors()]  # type: ignore[attr-defined]
    return {"missing": missing, "refused": refused}


def bypass_package_init() -> None:
    """gigs-client 0.0.1 cannot be imported as a package: its `models/device.py` uses pydantic's
    `validator` without importing it, and both `__init__` files import every model. Register the
    two packages bare, so only the modules asked for (and what they import) load."""
    import importlib.util
    import types

    spec = importlib.util.find_spec("gigs_client")
    assert spec is not None
    assert spec.submodule_search_locations is not None
    root = next(iter(spec.submodule_search_locations))
    for name, path in (("gigs_client", root), ("gigs_client.models", f"{root}/models")):
        package = types.ModuleType(name)
        package.__path__ = [path]
        sys.modules[name] = package


def main() -> None:
    bypass_package_init()
    from gigs_client.models.subscription import Subscription
    from gigs_client.models.user import User

    given = json.load(sys.stdin)
    report = {
        "user": check(User, "User", given["user"]),
        "subscription": check(Subscription, "Subscription", given["subscription"]),
    }
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()
