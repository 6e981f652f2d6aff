"""The results table (figure, mockprovider, baseline, ratio, target, met?) and its JSON file."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Row:
    """One figure. `ratio_target` compares product / baseline; `max_target` the product alone."""

    figure: str
    product: float | None
    baseline: float | None = None
    unit: str = ""
    ratio_target: float | None = None  # met when ratio >= this
    max_target: float | None = None  # met when product <= this
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.product is None or not self.baseline:
            return None
        return self.product / self.baseline

    @property
    def target(self) -> str:
        if self.ratio_target is not None:
            return f">= {self.ratio_target:g}x"
        if self.max_target is not None:
            return f"<= {self.max_target:g} {self.unit}".rstrip()
        return "-"

    @property
    def met(self) -> bool | None:
        if self.ratio_target is not None:
            return None if self.ratio is None else self.ratio >= self.ratio_target
        if self.max_target is not None:
            return None if self.product is None else self.product <= self.max_target
        return None

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(ratio=self.ratio, target=self.target, met=self.met)
        return out


def number(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "s":
        return f"{value:.3f} s"
    if unit in {"ms", "MiB", "µs"}:
        return f"{value:,.1f} {unit}"
    if unit == "B":
        return f"{value:,.0f} B"
    return f"{value:,.0f}"


def table(rows: Sequence[Row]) -> str:
    header = ("figure", "mockprovider", "baseline", "ratio", "target", "met?")
    cells = [header]
    for row in rows:
        ratio = "-" if row.ratio is None else f"{row.ratio:.3f}x"
        met = {True: "yes", False: "NO", None: "-"}[row.met]
        baseline = "-" if row.baseline is None else number(row.baseline, row.unit)
        cells.append((row.figure, number(row.product, row.unit), baseline, ratio, row.target, met))
    widths = [max(len(line[i]) for line in cells) for i in range(len(header))]
    out = []
    for n, line in enumerate(cells):
        parts = [
            text.ljust(widths[i]) if i == 0 else text.rjust(widths[i])
            for i, text in enumerate(line)
        ]
        out.append("| " + " | ".join(parts) + " |")
        if n == 0:
            dashes = ["-" * widths[0]] + ["-" * (w - 1) + ":" for w in widths[1:]]
            out.append("| " + " | ".join(dashes) + " |")
    return "\n".join(out)


def write_json(directory: Path, rows: Sequence[Row], details: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    path = directory / f"{stamp}.json"
    document = {"timestamp": stamp, "rows": [r.as_dict() for r in rows], **details}
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    return path
