"""Columns of CLI output, padded to the widest cell so long values (`COMPLETED_WITH_ERROR`,
`com.gigs.subscription.activated`) keep every row aligned."""

from __future__ import annotations

from collections.abc import Sequence

GAP = "  "


def align(rows: Sequence[Sequence[str]]) -> list[str]:
    """Each row as one line, every column but the last padded to its widest cell."""
    if not rows:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        GAP.join([*(cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=False)), row[-1]])
        for row in rows
    ]
