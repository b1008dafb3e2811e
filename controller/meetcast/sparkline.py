"""The dashboard's bitrate history as bars that start from zero, with their scale in words.

Textual's Sparkline scales every window from its own minimum to its maximum, so a stream
wobbling between 2,480 and 2,520 kbps drew full-height cliffs, and nothing on screen said
what a bar meant. Here a bar's height is kbps / ``top``, ``top`` the window's maximum rounded
up to a round number, and the label says so: small wobbles look small.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

BLOCKS = " ▁▂▃▄▅▆▇█"  # eighths of a row


STEPS = (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)


def nice_top(peak: float) -> float:
    """``peak`` rounded up to a round number (2,510 → 3,000; 1,100 → 1,200): a bar is never
    much below the top of the scale just because the scale is coarse."""
    if peak <= 0 or not math.isfinite(peak):
        return 1.0
    power = 10 ** math.floor(math.log10(peak))
    for step in STEPS:
        if peak <= step * power:
            return step * power
    return 10 * power


def bars(values: Sequence[float | None], width: int, rows: int = 3,
         top: float | None = None) -> list[str]:
    """``rows`` lines of ``width`` cells, top line first: the last ``width`` values, newest on
    the right, each as a column of blocks from zero to ``top`` (None: no reading, blank)."""
    recent = list(values)[-width:] if width > 0 else []
    peak = max((v for v in recent if v is not None), default=0.0)
    top = top or nice_top(peak)
    cells = rows * 8
    heights = [None if v is None else max(0, min(cells, round(v / top * cells)))
               for v in recent]
    pad = width - len(heights)
    out = []
    for row in range(rows - 1, -1, -1):  # top row first
        line = []
        for h in heights:
            filled = 0 if h is None else max(0, min(8, h - row * 8))
            line.append(BLOCKS[filled])
        out.append(" " * pad + "".join(line))
    return out


def label(values: Sequence[float | None], width: int) -> str:
    """What the bars mean: their span in time and the kbps of a full column."""
    recent = [v for v in list(values)[-width:] if v is not None]
    if not recent:
        return "kbps: no bitrate yet (not streaming)"
    top = nice_top(max(recent))
    return f"bitrate, last {len(list(values)[-width:])} s: a bar a second, 0 to {top:,.0f} kbps"
