"""The best any chain with this ceiling can do at the target: the baseline (OBS's RNNoise
alone for the voice chain, no filter for the zoom chain), levelled perfectly, through the
chain's limiter — computed from the baseline's takes, no OBS.

Why: the goals compare the chain with RNNoise alone at the speaker's own level, unlimited. At
-16 LUFS espeak-ng's peaks stand 15-22 dB above the loudness, so a ceiling at -2.5 dBFS takes
up to 6.5 dB off them whatever levels the speech, and STOI and PESQ count that (PESQ of clean
klatt speech limited by 3 dB: 3.25 from 4.64). This row says how much of the chain's loss is
that ceiling (every chain pays it) and how much is the chain's own doing.

Each turn gets one gain, from halfway through the gap before it to halfway through the gap
after it, chosen (three passes) so that the turn's loudness AFTER the limiter is the target,
as the Leveller's meter, which sits after the limiter, aims it.
"""

from __future__ import annotations

import numpy as np

from meetcast.lab import scenes

from . import continuity, measure, metrics, sim
from .run import Take

CONFIG = "ideal"


def levelled(x: np.ndarray, r: scenes.Rendered, target: float, ceiling: float,
             release_ms: float) -> np.ndarray:
    """``x`` (RNNoise's output, on the clean speech's time line) levelled per turn to
    ``target`` LUFS after OBS's limiter at ``ceiling``."""
    gains = np.zeros(len(x))
    bounds = []
    for i, (a, b) in enumerate(r.turns):
        lo = 0 if i == 0 else (r.turns[i - 1][1] + a) // 2
        hi = len(x) if i + 1 == len(r.turns) else (b + r.turns[i + 1][0]) // 2
        bounds.append((lo, hi, a, b))
        gains[lo:hi] = target - metrics.integrated(x[a:b])
    out = x
    for _ in range(3):
        out = sim.Limiter(ceiling, release_ms)(x * 10 ** (gains / 20))
        for lo, hi, a, b in bounds:
            gains[lo:hi] += target - metrics.integrated(out[a:b])
    return sim.Limiter(ceiling, release_ms)(x * 10 ** (gains / 20))


def measure_take(take: Take, rendered: list[scenes.Rendered], target: float, ceiling: float,
                 release_ms: float) -> list[measure.TurnFigures]:
    """The turn figures of a baseline take levelled perfectly through the ceiling."""
    turns: list[measure.TurnFigures] = []
    for r, placed in zip(rendered, take.placed, strict=True):
        x, _ = continuity.follow(take.recording, r.clean, placed.offset)
        y = levelled(x, r, target, ceiling, release_ms)
        a, _ = measure.measure_scene(CONFIG, take.run, r, y, [], target)
        turns += a
    return turns
