from __future__ import annotations

from mockprovider.cli import main

main()
