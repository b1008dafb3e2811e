"""Benchmark: what a listener hears from meetcast's audio chains in the real OBS, from a cold
start, against no filter and OBS's own RNNoise filter alone.

Each run and configuration gets a fresh lab (a cold OBS with meetcast's script, which drives
the Leveller). Every scene (meetcast.lab.scenes) goes into one stream: the room alone, a first
speaker (the cold start), a second one 24 dB louder or quieter (the zoom chain: remote speakers
taking turns 18 dB apart), the room again; before each scene the Leveller starts afresh. The
stream is recorded at the lab's ingest (after OBS's AAC encoder), decoded, each scene found
again, and measured (bench/listen): STOI, wide-band PESQ, BS.1770 loudness, SNR gain,
preservation, peaks, and audio skipped or inserted inside speech.

    flock /tmp/meetcast-heavy.lock .venv/bin/python bench/audio_chain.py --runs 3
    flock /tmp/meetcast-heavy.lock .venv/bin/python bench/audio_chain.py --runs 3 \\
        --chain profiles/audio/zoom.yaml

Needs the bench extra (``pip install -e '.[bench]'``: pystoi, pesq, pyloudnorm, scipy).
``--keep DIR`` saves every take (recording and offsets); ``--from DIR`` measures saved takes
again without OBS. Exit code 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "controller"), str(ROOT / "obs_scripts")]

from listen import ideal, measure, report, run  # noqa: E402

from meetcast.lab import scenes  # noqa: E402
from meetcast_core import audio_chain as ac  # noqa: E402
from meetcast_core import leveller  # noqa: E402


def chain_target(chain: ac.Chain) -> float:
    """The chain's Leveller target, LUFS (the leveller's default when the chain names none)."""
    lev = next((s.leveller for s in chain.steps if s.leveller is not None), None)
    s = leveller.settings_from(lev)
    return s.target_rms_dbfs + s.lufs_offset_db  # target_lufs, or target_dbfs as LUFS


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--chain", type=Path, default=ROOT / "profiles" / "audio" / "voice.yaml")
    p.add_argument("--configs", nargs="+",
                   choices=["none", "rnnoise", "meetcast", "ns-only", "fixed-gain"],
                   help="default: none rnnoise meetcast (zoom chain: none meetcast)")
    p.add_argument("--scenes", nargs="+", help="scene names (default: all for the chain)")
    p.add_argument("--keep", type=Path, metavar="DIR", help="save each take here")
    p.add_argument("--from", dest="source", type=Path, metavar="DIR",
                   help="measure the takes saved here instead of running OBS")
    p.add_argument("--json", type=Path, help="also write every figure here")
    p.add_argument("--no-floor", action="store_true",
                   help="skip the 'ideal' rows (the baseline levelled perfectly through the "
                        "chain's limiter, computed from its takes: listen/ideal.py)")
    args = p.parse_args()
    t_start = time.monotonic()

    chain = ac.load(args.chain)
    zoom = chain.target == "desktop"
    pool = scenes.ZOOM_SCENES if zoom else scenes.VOICE_SCENES
    chosen = [s for s in pool if not args.scenes or s.name in args.scenes]
    base = "none" if zoom else "rnnoise"
    cfg_names = args.configs or (["none", "meetcast"] if zoom else ["none", "rnnoise",
                                                                      "meetcast"])
    target = chain_target(chain)
    rendered = [scenes.render(s) for s in chosen]
    specs = run.configs(args.chain)

    takes = []
    if args.source:
        for d in sorted(args.source.iterdir()):
            if (d / "take.json").is_file():
                t = run.load_take(d)
                if t.config in cfg_names and t.run < args.runs:
                    takes.append(t)
    else:
        keep = args.keep or Path("/tmp") / f"meetcast-audio-bench-{int(time.time())}"
        for r in range(args.runs):  # configurations interleaved: a slow spell hits them all
            for name in cfg_names:
                takes.append(run.take(name, specs[name], r, rendered, keep / f"{name}-{r}",
                                      desktop=zoom))
        print(f"takes kept in {keep}", file=sys.stderr)
    t_obs = time.monotonic() - t_start

    turns, scene_rows = [], []
    for t in takes:
        a, b = measure.measure_take(t, rendered, target)
        turns += a
        scene_rows += b
    shown = list(cfg_names)
    if not args.no_floor:  # the floor any chain with this ceiling pays
        limiter = chain.steps[-1].settings
        for t in takes:
            if t.config == base:
                turns += ideal.measure_take(t, rendered, target,
                                            float(limiter.get("threshold", 0.0)),
                                            float(limiter.get("release_time", 60)))
        shown.append(ideal.CONFIG)
    print(f"audio chain benchmark: chain {args.chain.name}, {args.runs} run(s) x "
          f"{len(cfg_names)} configurations, a fresh OBS each, {len(chosen)} scenes "
          f"({sum(r.seconds for r in rendered):.0f} s) per stream; target {target:.0f} LUFS; "
          f"mean [min..max] over runs")
    print(report.held_out(turns))
    print()
    print(report.turn_table(turns, shown))
    print()
    print(report.scene_table(scene_rows, cfg_names))
    print()
    ok_all = True
    for text, ok, value in report.goals(turns, scene_rows, target, base=base):
        ok_all &= ok
        print(f"{'PASS' if ok else 'FAIL'}  {text}: {value}")
    for line in report.against_floor(turns, base=base):
        print(f"NOTE  {line}")
    leaks = [t.leaks for t in takes]
    print(f"OBS leaks at exit: {', '.join(map(str, leaks))}")
    print(f"wall time: {time.monotonic() - t_start:.0f} s ({t_obs:.0f} s with OBS)")
    if args.json:
        args.json.write_text(json.dumps({
            "turns": [asdict(t) for t in turns],
            "scenes": [{**asdict(s), "jumps": [asdict(j) for j in s.jumps]}
                       for s in scene_rows]}, indent=1, default=float))
    return 0 if ok_all else 1


if __name__ == "__main__":
    sys.exit(main())
