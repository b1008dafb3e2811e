"""Bitrate figures for people: smoothed now-value and percentiles over a window (numpy).

The health verdict itself lives in the pure core (meetcast_core.health, no numpy); this is
only what the dashboard and the report show beside it.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def clean(values: Iterable[float | None]) -> np.ndarray:
    """Known kbps values as an array (None = not streaming / unknown, left out)."""
    return np.array([v for v in values if v is not None], dtype=float)


def smooth(values: Iterable[float | None], span: int = 5) -> np.ndarray:
    """Exponential moving average (span in samples), None kept as NaN so gaps stay gaps."""
    x = np.array([np.nan if v is None else v for v in values], dtype=float)
    out = np.full_like(x, np.nan)
    alpha = 2.0 / (span + 1)
    acc = np.nan
    for i, v in enumerate(x):
        # a gap resets the average; the first value after it starts afresh
        acc = v if np.isnan(v) or np.isnan(acc) else alpha * v + (1 - alpha) * acc
        out[i] = acc
    return out


def summary(values: Iterable[float | None]) -> dict[str, float | None]:
    """mean, p5 (the bad moments), p50, p95 of the known values; None when there are none."""
    x = clean(values)
    if x.size == 0:
        return {"mean": None, "p5": None, "p50": None, "p95": None}
    p5, p50, p95 = np.percentile(x, [5, 50, 95])
    return {"mean": float(x.mean()), "p5": float(p5), "p50": float(p50), "p95": float(p95)}
