"""A hello world on granian exactly as `mockprovider serve --server granian` runs the product
(its embedded server in one process, uvloop): `python bench/granian_embed.py MODULE:APP PORT`.

The granian twin of `python -m uvicorn MODULE:APP`, so the floor is measured on the same server.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from mockprovider.app.serving import run_granian


def main() -> None:
    target, port = sys.argv[1], int(sys.argv[2])
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    module, name = target.split(":")
    run_granian(getattr(importlib.import_module(module), name), "127.0.0.1", port)


if __name__ == "__main__":
    main()
