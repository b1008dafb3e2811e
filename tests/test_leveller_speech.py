"""The leveller on real speech (espeak-ng), speaker after speaker, as OBS would feed it.

test_leveller.py uses made-up block levels; real speech dips between syllables, so its short
average runs a few dB under the speech level. The new-speaker detector once reset on every
such dip, and a speaker 12 dB louder than the last was levelled only after 9 s of speech (in
OBS: speech 3.6 dB too loud, the limiter working, preservation 0.968). Here each pair of
speakers is replayed through the leveller, a gain and a limiter in numpy, no OBS.
"""

from __future__ import annotations

import numpy as np
import pytest

from meetcast.lab import signals
from meetcast_core.leveller import Leveller, Settings

BLOCK = 1024  # OBS's meter measures one audio tick at a time
TICK_S = 0.1  # the script feeds the leveller ten times a second
CEILING_DBFS = -2.5  # the voice chain's limiter
SETTLED_WITHIN_S = 4.5  # of the new speaker's audio (speech starts 0.5 s in)
BAND_DB = 1.5


@pytest.fixture(scope="module")
def clean() -> np.ndarray:
    return signals.speech()  # the five test phrases, about 16 s


def replay(clean: np.ndarray, peaks_dbfs: list[float]) -> tuple[np.ndarray, int]:
    """The gain in effect at each block, for speakers one after another; blocks per speaker."""
    lev, gain = Leveller(Settings(ceiling_dbfs=CEILING_DBFS)), 0.0
    x = np.concatenate([clean * 10 ** (p / 20) for p in peaks_dbfs])
    per_tick = TICK_S * signals.RATE / BLOCK
    levels: list[float] = []
    peaks: list[float] = []
    due, out = per_tick, []
    for b in range(len(x) // BLOCK):
        y = x[b * BLOCK:(b + 1) * BLOCK] * 10 ** (gain / 20)
        top = float(np.max(np.abs(y))) + 1e-12
        y = y * min(1.0, 10 ** (CEILING_DBFS / 20) / top)  # the limiter, before the meter
        levels.append(20 * np.log10(float(np.sqrt(np.mean(y**2))) + 1e-12))
        peaks.append(20 * np.log10(float(np.max(np.abs(y))) + 1e-12))
        if b + 1 >= due:
            gain = lev.feed(levels, TICK_S, gain, peaks_dbfs=peaks)
            levels, peaks, due = [], [], due + per_tick
        out.append(gain)
    return np.array(out), len(clean) // BLOCK


@pytest.mark.parametrize(("before", "after"), [(-30, -18), (-18, -6), (-30, -6),
                                               (-6, -18), (-6, -30)])
def test_the_next_speaker_is_levelled_within_seconds_and_stays(
        clean: np.ndarray, before: float, after: float) -> None:
    alone, n = replay(clean, [after, after])
    steady = float(alone[-1])  # what this speaker's level settles at, with nobody before
    gains, n = replay(clean, [before, after])
    second = gains[n:]
    t = np.arange(len(second)) * BLOCK / signals.RATE
    late = second[t >= SETTLED_WITHIN_S]
    assert np.abs(late - steady).max() <= BAND_DB, (
        f"{before}->{after} dBFS: gain {late.min():.1f}..{late.max():.1f} dB after "
        f"{SETTLED_WITHIN_S} s, settles at {steady:.1f}")
