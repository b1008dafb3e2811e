"""Every figure of one take (a stream of scenes), per scene and per speaker's turn.

The recording is realigned across every jump of its lag against the clean speech
(``continuity.follow``) before STOI, PESQ, loudness and preservation are taken, so audio
skipped or inserted counts once — in the continuity figures — and not again as damaged
speech. Per turn:

- ``stoi``, ``pesq``: over the turn's speech (100 ms either side), against the clean turn.
- ``st_first``: short-term loudness (3 s) from the turn's first word; ``st_at2`` from 2 s after
  it. ``ref_first``/``ref_at2``: what the same windows read for the clean speech brought to the
  target (integrated over the turn): perfect levelling, pauses and all.
- ``lufs``: integrated loudness of the turn from 2 s after its first word (once levelled).
- ``snr_gain``: speech-to-noise after minus before, noise taken in the turn's pauses and the
  silence after it (where the gain is the turn's), so no gain change can fake it.
- ``preservation``: the envelope's rank correlation (audio_metrics) from 2 s into the turn.
Per scene: ``lead_noise`` (RMS dBFS before anyone speaks), ``peak`` (dBFS after AAC) and the
continuity ``jumps``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from meetcast.lab import audio_metrics as am
from meetcast.lab import scenes

from . import continuity, metrics
from .run import Take

RATE = scenes.RATE
SETTLED_S = 2.0  # "2 s after they start"
EDGE_S = 0.1


@dataclass
class TurnFigures:
    config: str
    run: int
    scene: str
    turn: int
    voice: str
    peak_in: float
    tuned: bool
    noise: str
    stoi: float
    pesq: float
    st_first: float
    ref_first: float
    st_at2: float
    ref_at2: float
    lufs: float
    snr_gain: float
    preservation: float


@dataclass
class SceneFigures:
    config: str
    run: int
    scene: str
    tuned: bool
    lead_noise: float
    peak: float
    jumps: list[continuity.Jump]


def measure_take(take: Take, rendered: list[scenes.Rendered], target_lufs: float
                 ) -> tuple[list[TurnFigures], list[SceneFigures]]:
    """All figures of one take."""
    turns: list[TurnFigures] = []
    out_scenes: list[SceneFigures] = []
    for r, placed in zip(rendered, take.placed, strict=True):
        x, jumps = continuity.follow(take.recording, r.clean, placed.offset)
        a, b = measure_scene(take.config, take.run, r, x, jumps, target_lufs)
        turns += a
        out_scenes.append(b)
    return turns, out_scenes


def measure_scene(config: str, run: int, r: scenes.Rendered, x: np.ndarray,
                  jumps: list[continuity.Jump], target_lufs: float
                  ) -> tuple[list[TurnFigures], SceneFigures]:
    """The figures of one scene, from its output ``x`` aligned with the clean speech."""
    kx = metrics.k_weighted(x)
    lead = x[int(0.3 * RATE): int((r.scene.lead_s - 0.2) * RATE)]
    scene = SceneFigures(config, run, r.scene.name, r.scene.tuned,
                         lead_noise=am.dbfs(am.rms(lead)), peak=am.dbfs(float(np.max(np.abs(x)))),
                         jumps=jumps)
    turns = []
    for i, (a, b) in enumerate(r.turns):
        end = r.turns[i + 1][0] if i + 1 < len(r.turns) else len(r.clean)
        turns.append(_turn(config, run, r, i, a, b, end, x, kx, target_lufs))
    return turns, scene


def _snr_parts(y: np.ndarray, clean: np.ndarray, a: int, end: int) -> tuple[float, float]:
    """(speech dBFS, noise-in-pauses dBFS) of ``y`` over one turn and the silence after it.
    Speech frames are the turn's own (within 30 dB of its loudest); pauses are taken from the
    whole scene, so the next speaker's first word is never counted as this one's noise."""
    speech, _ = am.signal_level(y[a:end], clean[a:end])
    _, pause = am.masks(clean)
    seg = y[a:end]
    return speech, am.dbfs(am.rms(seg[pause[a:end][: len(seg)]]))


def _turn(config: str, run: int, r: scenes.Rendered, i: int, a: int, b: int, end: int,
          x: np.ndarray, kx: np.ndarray, target: float) -> TurnFigures:
    turn = r.scene.turns[i]
    edge, settled = int(EDGE_S * RATE), a + int(SETTLED_S * RATE)
    lo, hi = max(0, a - edge), min(len(x), b + edge)
    clean = r.clean[lo:hi]
    # perfect levelling: the clean turn at the target, read through the same windows
    ref = r.clean * 10 ** ((target - metrics.integrated(r.clean[a:b])) / 20)
    kref = metrics.k_weighted(ref)
    s_in, n_in = _snr_parts(r.noisy, r.clean, a, end)
    s_out, n_out = _snr_parts(x, r.clean, a, end)
    return TurnFigures(
        config, run, r.scene.name, i, turn.voice, turn.peak_dbfs, r.scene.tuned,
        r.scene.noise,
        stoi=metrics.stoi(clean, x[lo:hi]), pesq=metrics.pesq_wb(clean, x[lo:hi]),
        st_first=metrics.short_term(kx, a), ref_first=metrics.short_term(kref, a),
        st_at2=metrics.short_term(kx, settled), ref_at2=metrics.short_term(kref, settled),
        lufs=metrics.integrated(x[settled:b]),
        snr_gain=(s_out - n_out) - (s_in - n_in),
        preservation=am.preservation(x[settled:b], r.clean[settled:b]))
