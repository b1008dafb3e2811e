"""The voice chain step by step, offline, on saved takes: where STOI and PESQ are lost.

From an ``rnnoise`` take (OBS's RNNoise alone) and an ``ns-only`` take (the chain's two noise
suppression passes, no Leveller), both kept by ``bench/audio_chain.py --keep``, each turn is
measured as it is after:

- ``rnnoise``: OBS's RNNoise alone (the goals' baseline);
- ``ns2``: the chain's two noise-suppression passes;
- ``ns2+g``: those, levelled perfectly (one gain per turn to the target: PESQ and STOI do
  not care about level, so this equals ``ns2`` unless something is wrong);
- ``+lim``: and OBS's limiter at the chain's ceiling (the -2.5 dBFS that keeps peaks after AAC
  at or below -1);
- ``+exp+lim``: the expander before it, as in the chain;
- ``sim``: the chain with the real Leveller (``sim.simulate``: the core leveller fed by a meter
  after the limiter, as in OBS).

    .venv/bin/python bench/listen/steps.py RNNOISE_TAKE NS_ONLY_TAKE [--scenes ...]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "controller"), str(ROOT / "obs_scripts")]

import numpy as np  # noqa: E402

from listen import continuity, measure, metrics, run, sim  # noqa: E402
from meetcast.lab import scenes  # noqa: E402
from meetcast_core import leveller as core  # noqa: E402

TARGET = -16.0
CEILING = -2.5
EXPANDER = {"ratio": 6.0, "threshold": -50.0, "release_ms": 40.0}  # voice.yaml's


def per_turn_gain(x: np.ndarray, r: scenes.Rendered, target: float) -> np.ndarray:
    """One gain per turn (from halfway through the gap before to halfway after) bringing the
    turn to ``target`` LUFS: levelling as perfect as a slow leveller can be."""
    g = np.ones(len(x))
    for i, (a, b) in enumerate(r.turns):
        lo = 0 if i == 0 else (r.turns[i - 1][1] + a) // 2
        hi = len(x) if i + 1 == len(r.turns) else (b + r.turns[i + 1][0]) // 2
        g[lo:hi] = 10 ** ((target - metrics.integrated(x[a:b])) / 20)
    return g


def variants(xb: np.ndarray, xn: np.ndarray, r: scenes.Rendered) -> dict[str, np.ndarray]:
    """Each step's output for one scene (``xb``: RNNoise alone, ``xn``: the two passes)."""
    g = per_turn_gain(xn, r, TARGET)

    def expander() -> sim.Expander:
        return sim.Expander(EXPANDER["ratio"], EXPANDER["threshold"],
                            release_ms=EXPANDER["release_ms"])

    out, _ = sim.simulate(xn, core.Settings(ceiling_dbfs=CEILING), ceiling=CEILING,
                          exp_threshold=EXPANDER["threshold"], exp_ratio=EXPANDER["ratio"],
                          exp_release_ms=EXPANDER["release_ms"])
    return {"rnnoise": xb, "ns2": xn, "ns2+g": xn * g,
            "+lim": sim.Limiter(CEILING)(xn * g),
            "+exp+lim": sim.Limiter(CEILING)(expander()(xn * g)),
            "sim": out}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("rnnoise", type=Path, help="a saved rnnoise take")
    p.add_argument("ns_only", type=Path, help="a saved ns-only take")
    p.add_argument("--scenes", nargs="+")
    args = p.parse_args()
    base, ns = run.load_take(args.rnnoise), run.load_take(args.ns_only)
    names = json.loads((args.ns_only / "take.json").read_text())["scenes"]
    head = None
    for name, pb, pn in zip(names, base.placed, ns.placed, strict=True):
        if args.scenes and name not in args.scenes:
            continue
        r = scenes.render(scenes.SCENES[name])
        xb, _ = continuity.follow(base.recording, r.clean, pb.offset)
        xn, _ = continuity.follow(ns.recording, r.clean, pn.offset)
        rows: dict[int, list[str]] = {}
        vs = variants(xb, xn, r)
        if head is None:
            head = ["scene", "turn", "voice", *(f"{k} STOI/PESQ" for k in vs)]
            print(" | ".join(head))
            print(" | ".join("---" for _ in head))
        for k, x in vs.items():
            turns, _ = measure.measure_scene(k, 0, r, x, [], TARGET)
            for t in turns:
                rows.setdefault(t.turn, [name, str(t.turn + 1), t.voice]).append(
                    f"{t.stoi:.3f}/{t.pesq:.2f}")
        for cells in rows.values():
            print(" | ".join(cells), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
