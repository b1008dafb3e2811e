"""Tune the Leveller without OBS: replay what OBS's noise suppression gave (a take of the
``ns-only`` configuration) through the core leveller, OBS's expander and limiter (their
algorithms from plugins/obs-filters, 29.0) and a meter, as the script would drive them.

Tuning only: the figures that count are the real OBS's (bench/audio_chain.py). Here there is no
AAC encoder and the timer never runs late; the meter reads 1024-frame blocks and the gain set
at a tick applies from the next block, as in OBS.

    .venv/bin/python bench/listen/sim.py /tmp/takes/ns-only-0 [--set key=value ...]
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy.signal import lfilter

from meetcast_core import leveller as core

RATE = 48000
BLOCK = int(__import__("os").environ.get("SIM_BLOCK", "1024"))
TICK_S = 0.1


def _coef(seconds: float) -> float:
    return math.exp(-1.0 / (RATE * seconds)) if seconds > 0 else 0.0


class Expander:
    """OBS's expander (expander-filter.c): RMS detector (~14 ms), gain ballistics in dB."""

    def __init__(self, ratio: float = 6.0, threshold: float = -60.0, attack_ms: float = 5,
                 release_ms: float = 100) -> None:
        self.slope, self.threshold = 1.0 - ratio, threshold
        self.att, self.rel = _coef(attack_ms / 1000), _coef(release_ms / 1000)
        self.rms_coef = 2.0 ** (-100.0 / RATE)
        self.runave, self.gain = 0.0, 0.0

    def __call__(self, x: np.ndarray) -> np.ndarray:
        a = self.rms_coef
        run, _ = lfilter([1 - a], [1, -a], x * x, zi=[a * self.runave])
        self.runave = float(run[-1])
        env_db = 10 * np.log10(np.maximum(run, 1e-30))
        diff = self.threshold - env_db
        target = np.where(diff > 0, np.maximum(self.slope * diff, -60.0), 0.0)
        out = np.empty_like(x)
        g, att, rel = self.gain, self.att, self.rel
        for i in range(len(x)):
            t = target[i]
            g = att * g + (1 - att) * t if t > g else rel * g + (1 - rel) * t
            out[i] = 1.0 if env_db[i] >= self.threshold else 10 ** (g / 20)
        self.gain = g
        return x * out


class Limiter:
    """OBS's limiter (limiter-filter.c): instant attack, release, gain = threshold - envelope."""

    def __init__(self, threshold: float = -2.5, release_ms: float = 60) -> None:
        self.threshold, self.rel, self.env = threshold, _coef(release_ms / 1000), 0.0

    def __call__(self, x: np.ndarray) -> np.ndarray:
        env, rel = self.env, self.rel
        ax = np.abs(x)
        e = np.empty_like(x)
        for i in range(len(x)):
            v = ax[i]
            env = v if env < v else v + rel * (env - v)
            e[i] = env
        self.env = env
        env_db = 20 * np.log10(np.maximum(e, 1e-30))
        return x * 10 ** (np.minimum(0.0, self.threshold - env_db) / 20)


def simulate(x: np.ndarray, settings: core.Settings, expander: bool = True,
             ceiling: float = -2.5, exp_threshold: float = -60.0,
             exp_ratio: float = 6.0, release_ms: float = 60,
             exp_release_ms: float = 100) -> tuple[np.ndarray, np.ndarray]:
    """``x`` (noise suppression's output) through Leveller -> Expander -> Limiter; the output
    and the gain in effect per block."""
    post = [Expander(exp_ratio, exp_threshold, release_ms=exp_release_ms)] if expander else []
    return simulate_chain(x, settings, pre=[], post=[*post, Limiter(ceiling, release_ms)])


Stage = Callable[[np.ndarray], np.ndarray]


def simulate_chain(x: np.ndarray, settings: core.Settings, pre: list[Stage],
                   post: list[Stage], tick_s: float = TICK_S
                   ) -> tuple[np.ndarray, np.ndarray]:
    """``x`` through the ``pre`` stages, the Leveller's gain, then the ``post`` stages (each a
    stateful callable on one block, as OBS's filters are), the meter after the last one, as in
    OBS; the gain set at a tick (every ``tick_s``) applies from the next block. Returns the
    output and the gain in effect per block. Lets a variant of the chain (another order, a
    stage left out) be replayed like the chain itself."""
    lev = core.Leveller(settings)
    out = np.zeros_like(x)
    gains = []
    levels: list[float] = []
    peaks: list[float] = []
    per_tick = tick_s * RATE / BLOCK
    due, gain = per_tick, lev.gain_db
    for b in range(len(x) // BLOCK):
        y = x[b * BLOCK:(b + 1) * BLOCK]
        for stage in pre:
            y = stage(y)
        y = y * 10 ** (gain / 20)
        for stage in post:
            y = stage(y)
        out[b * BLOCK:(b + 1) * BLOCK] = y
        gains.append(gain)
        levels.append(20 * math.log10(math.sqrt(float(np.mean(y * y))) + 1e-30))
        peaks.append(20 * math.log10(float(np.max(np.abs(y))) + 1e-30))
        if b + 1 >= due:
            gain = lev.feed(levels, tick_s, gain, peaks_dbfs=peaks)
            levels, peaks, due = [], [], due + per_tick
    return out, np.array(gains)


def main() -> int:
    """Replay ns-only takes with leveller settings given as key=value; print the goals."""
    import argparse
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    sys.path[:0] = [str(root / "bench"), str(root / "controller"), str(root / "obs_scripts")]
    from listen import continuity, measure, report, run
    from meetcast.lab import scenes

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("take", type=Path, help="a saved ns-only take")
    p.add_argument("--base", type=Path, help="a saved rnnoise take, for the baseline")
    p.add_argument("--set", nargs="*", default=[], help="leveller settings, key=value")
    p.add_argument("--scenes", nargs="+")
    p.add_argument("--table", action="store_true")
    p.add_argument("--expander", type=float, default=-60.0, help="expander threshold")
    p.add_argument("--ratio", type=float, default=6.0, help="expander ratio")
    p.add_argument("--ceiling", type=float, default=-2.5, help="limiter threshold")
    p.add_argument("--release", type=float, default=60, help="limiter release, ms")
    p.add_argument("--exp-release", type=float, default=100, help="expander release, ms")
    args = p.parse_args()
    settings = core.settings_from({k: float(v) for k, v in (kv.split("=") for kv in args.set)})
    settings = core.Settings(**{**settings.__dict__, "ceiling_dbfs": args.ceiling})
    take = run.load_take(args.take)
    pool = [s for s in scenes.VOICE_SCENES + scenes.ZOOM_SCENES]
    names = [s for s in pool if s.name in json_names(args.take)]
    rendered = [scenes.render(s) for s in names]
    turns, rows = [], []
    for r, placed in zip(rendered, take.placed, strict=True):
        if args.scenes and r.scene.name not in args.scenes:
            continue
        # on the clean speech's time line: OBS's ticks in the ns-only take are not the sim's
        x, _ = continuity.follow(take.recording, r.clean, placed.offset)
        out, _ = simulate(x, settings, ceiling=args.ceiling, exp_threshold=args.expander,
                          exp_ratio=args.ratio, release_ms=args.release,
                          exp_release_ms=args.exp_release)
        a, b = measure.measure_scene("sim", 0, r, out, [], settings.target_lufs)
        turns += a
        rows.append(b)
    if args.base:
        bt = run.load_take(args.base)
        bt.config = "rnnoise"
        a, b = measure.measure_take(bt, rendered, settings.target_lufs)
        turns += a
        rows += b
    if args.table:
        print(report.turn_table(turns, ["rnnoise", "sim"]))
    for text, ok, value in report.goals(turns, rows, settings.target_lufs, chain="sim"):
        print(f"{'PASS' if ok else 'FAIL'}  {text}: {value}")
    return 0


def json_names(take_dir) -> list[str]:
    """The scene names a take played (saved beside it)."""
    import json

    return json.loads((take_dir / "take.json").read_text()).get("scenes", [])


if __name__ == "__main__":
    raise SystemExit(main())
