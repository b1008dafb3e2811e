"""Bitrate figures for people: smoothed now-value and percentiles over a window.

The health verdict itself lives in the pure core (meetcast_core.stream.health); this is only what
the dashboard and the report show beside it. Plain ``statistics`` on purpose: the laptop
install carries no numpy (issue 16), and a few hundred samples a minute need none.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable

NAN = float("nan")


def clean(values: Iterable[float | None]) -> list[float]:
    """Known kbps values (None = not streaming / unknown, left out)."""
    return [float(v) for v in values if v is not None and not math.isnan(v)]


def smooth(values: Iterable[float | None], span: int = 5) -> list[float]:
    """Exponential moving average (span in samples), None kept as NaN so gaps stay gaps."""
    alpha = 2.0 / (span + 1)
    out: list[float] = []
    acc = NAN
    for raw in values:
        v = NAN if raw is None else float(raw)
        # a gap resets the average; the first value after it starts afresh
        acc = v if math.isnan(v) or math.isnan(acc) else alpha * v + (1 - alpha) * acc
        out.append(acc)
    return out


def summary(values: Iterable[float | None]) -> dict[str, float | None]:
    """mean, p5 (the bad moments), p50, p95 of the known values; None when there are none.

    Percentiles interpolate linearly between the two nearest samples (``statistics``'
    "inclusive" method, the same as numpy's default), so the figures did not move when numpy
    went."""
    x = clean(values)
    if not x:
        return {"mean": None, "p5": None, "p50": None, "p95": None}
    if len(x) == 1:  # quantiles() needs two points; one value is every percentile
        return {"mean": x[0], "p5": x[0], "p50": x[0], "p95": x[0]}
    cuts = statistics.quantiles(x, n=20, method="inclusive")  # 5 %, 10 %, … 95 %
    return {"mean": statistics.fmean(x), "p5": cuts[0], "p50": cuts[9], "p95": cuts[18]}
