"""Variants of the voice chain replayed offline on saved takes, each turn beside the `ideal` row.

Why: the listener bench's `ideal` row (RNNoise alone levelled perfectly through the chain's
limiter, ``listen/ideal.py``) is the ceiling's price; what the chain loses beyond it is its own.
This replays what OBS's noise suppression gave (an ``ns-only`` take: the chain's two RNNoise
passes, nothing after them) through variants of the rest of the chain — the Leveller (the core
leveller fed by a meter after the last stage, as in OBS: ``sim.simulate_chain``), OBS's
expander at another place or threshold, OBS's limiter — and prints each turn's STOI, PESQ and
preservation with its difference from the ideal row of an ``rnnoise`` take of the same
scenes, then per variant the worst and mean differences (tuned and held-out scenes apart) and
the figures the other goals read (cold start, new speaker, SNR gain, level).

Tuning only, like ``sim.py``: no AAC, no late ticks, 1024-frame meter blocks. The figures that
count are the real OBS's (``bench/audio_chain.py``).

    .venv/bin/python bench/listen/variants.py RNNOISE_TAKE NS_ONLY_TAKE [--variants ...]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "controller"), str(ROOT / "obs_scripts")]

import numpy as np  # noqa: E402

from listen import continuity, ideal, measure, run, sim  # noqa: E402
from meetcast.lab import scenes  # noqa: E402
from meetcast_core import leveller as core  # noqa: E402

TARGET = -16.0
CEILING = -2.5
ROOM = ("hum", "fan", "room")


def _expander(threshold: float) -> sim.Stage:
    return sim.Expander(6.0, threshold, release_ms=40.0)  # voice.yaml's ratio and release


def _limiter() -> sim.Stage:
    return sim.Limiter(CEILING, 60.0)


# name -> (stages before the Leveller's gain, stages after it), each made afresh per scene
VARIANTS: dict[str, tuple[Callable[[], list[sim.Stage]], Callable[[], list[sim.Stage]]]] = {
    "after-50": (lambda: [], lambda: [_expander(-50.0), _limiter()]),  # the chain until now
    "after-55": (lambda: [], lambda: [_expander(-55.0), _limiter()]),
    "before-70": (lambda: [_expander(-70.0)], lambda: [_limiter()]),  # voice.yaml now
    "before-75": (lambda: [_expander(-75.0)], lambda: [_limiter()]),
    "before-80": (lambda: [_expander(-80.0)], lambda: [_limiter()]),
    "no-expander": (lambda: [], lambda: [_limiter()]),
}


def _scenes(take_dir: Path) -> list[tuple[scenes.Rendered, np.ndarray]]:
    """Each scene of a saved take, on the clean speech's time line."""
    t = run.load_take(take_dir)
    names = json.loads((take_dir / "take.json").read_text())["scenes"]
    out = []
    for name, placed in zip(names, t.placed, strict=True):
        r = scenes.render(scenes.SCENES[name])
        out.append((r, continuity.follow(t.recording, r.clean, placed.offset)[0]))
    return out


def _replay(job: tuple[str, scenes.Rendered, np.ndarray]) -> list[measure.TurnFigures]:
    name, r, x = job
    if name == ideal.CONFIG:
        y = ideal.levelled(x, r, TARGET, CEILING, 60.0)
    else:
        pre, post = VARIANTS[name]
        y, _ = sim.simulate_chain(x, core.Settings(ceiling_dbfs=CEILING), pre(), post())
    return measure.measure_scene(name, 0, r, y, [], TARGET)[0]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("rnnoise", type=Path, help="a saved rnnoise take (for the ideal rows)")
    p.add_argument("ns_only", type=Path, help="a saved ns-only take of the same scenes")
    p.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    p.add_argument("--jobs", type=int, default=1, help="processes (the machine is shared)")
    args = p.parse_args()
    jobs = [(ideal.CONFIG, r, x) for r, x in _scenes(args.rnnoise)]
    ns = _scenes(args.ns_only)
    jobs += [(v, r, x) for v in args.variants for r, x in ns]
    with ProcessPoolExecutor(args.jobs) as ex:
        turns = [t for ts in ex.map(_replay, jobs) for t in ts]
    best = {(t.scene, t.turn): t for t in turns if t.config == ideal.CONFIG}
    print("variant | scene | turn | set | STOI (vs ideal) | PESQ (vs ideal) | "
          "preservation (vs ideal) | ST first 3 s | ST 2-5 s | SNR gain dB")
    print(" | ".join("---" for _ in range(10)))
    for v in args.variants:
        for t in (t for t in turns if t.config == v):
            i = best[(t.scene, t.turn)]
            print(f"{v} | {t.scene} | {t.turn + 1} | {'tuned' if t.tuned else 'held out'} | "
                  f"{t.stoi:.3f} ({t.stoi - i.stoi:+.3f}) | {t.pesq:.2f} ({t.pesq - i.pesq:+.2f})"
                  f" | {t.preservation:.3f} ({t.preservation - i.preservation:+.3f}) | "
                  f"{t.st_first if t.turn == 0 else float('nan'):.1f} | "
                  f"{t.st_at2 if t.turn > 0 else float('nan'):.1f} | {t.snr_gain:.1f}")
    print()
    for v in args.variants:
        for label, tuned in (("tuned", True), ("held out", False)):
            rs = [t for t in turns if t.config == v and t.tuned == tuned]
            if not rs:
                continue

            def diff(attr: str, rs: list = rs) -> np.ndarray:
                return np.array([getattr(t, attr) - getattr(best[(t.scene, t.turn)], attr)
                                 for t in rs])

            room = [t.snr_gain for t in rs if t.noise in ROOM] or [float("nan")]
            keys = [t.snr_gain for t in rs if t.noise == "keys"] or [float("nan")]
            print(f"{v} ({label}): vs ideal STOI worst {diff('stoi').min():+.3f} mean "
                  f"{diff('stoi').mean():+.3f}; PESQ worst {diff('pesq').min():+.2f} mean "
                  f"{diff('pesq').mean():+.2f}; preservation worst "
                  f"{diff('preservation').min():+.3f}; cold start ST max "
                  f"{max(t.st_first for t in rs if t.turn == 0):.1f} LUFS; new speaker ST 2-5 s "
                  f"worst {max(abs(t.st_at2 - TARGET) for t in rs if t.turn > 0):.1f} LU off; "
                  f"SNR gain room min {min(room):.1f}, keys min {min(keys):.1f} dB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
