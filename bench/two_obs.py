"""Issue 15's goal "two OBS watched at once: each OBS's samples at the same rate as with one".

One lab OBS (main) and a second beside it (backup, ``Lab.second``), both streaming x264 at
960x540 to the lab's ingest, as a meetup with a backup runs. Then, turn by turn in one run,
the real command as a user types it, each for ``--seconds``:

  one OBS   ``meetcast watch --json`` (the single [obs], here MEETCAST_HOST/PORT/PASSWORD)
  two OBS   ``meetcast watch --obs all --json`` with ``[obs.main]`` and ``[obs.backup]``

Counted from the lines it prints: connected samples per second of each OBS (over the
samples' own ``t``), the longest gap between two samples of one OBS, and the CPU the watch
process used (its rusage over the wall time).

    flock /tmp/meetcast-heavy.lock .venv/bin/python bench/two_obs.py [--seconds 60 --rounds 2]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from _common import SIZE, pct, start_stream, stop_stream, table

from meetcast.lab import Lab, ObsConfig
from meetcast.session import POLL_INTERVAL

SAME = 0.98  # "the same rate": each of the two at least this share of the one's rate


def watch(args: list[str], env: dict[str, str], seconds: float) -> tuple[list[dict], float]:
    """Run ``meetcast watch … --json --seconds N``; its lines and its CPU share of a core."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("MEETCAST_")}
    full.update(env)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "meetcast.cli", "watch", "--json", "--no-record",
                        "--seconds", str(seconds), *args], env=full, capture_output=True,
                       text=True, timeout=seconds + 60)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        raise SystemExit(f"watch failed ({r.returncode}): {r.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return [json.loads(x) for x in r.stdout.splitlines()], cpu / wall * 100


def rates(lines: list[dict]) -> dict[str, tuple[float, float, int]]:
    """Per OBS (``obs_name``, or "one" for the single OBS): (connected samples/s over their
    own clock, longest gap in s, samples)."""
    ts: dict[str, list[float]] = defaultdict(list)
    for x in lines:
        if x.get("type") == "sample" and x.get("connected"):
            ts[x.get("obs_name") or "one"].append(float(x["t"]))
    out = {}
    for name, t in ts.items():
        span = t[-1] - t[0]
        gaps = [b - a for a, b in itertools.pairwise(t)]
        out[name] = ((len(t) - 1) / span if span > 0 else 0.0, max(gaps) if gaps else 0.0,
                     len(t))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="each watch run")
    ap.add_argument("--rounds", type=int, default=2, help="one-then-two turns")
    a = ap.parse_args()
    cfg = ObsConfig(base_size=SIZE, output_size=SIZE)
    with Lab(cfg) as main_lab:
        backup = main_lab.second("backup")
        try:
            for lab in (main_lab, backup):
                start_stream(lab)
            tmp = Path(tempfile.mkdtemp(prefix="meetcast-two-obs-"))
            conf = tmp / "config.toml"
            conf.write_text("".join(
                f'[obs.{n}]\nurl = "obsws://127.0.0.1:{lab.ws_port}/{lab.ws_password}"\n'
                for n, lab in (("main", main_lab), ("backup", backup))))
            conf.chmod(0o600)
            one_env = {"MEETCAST_HOST": "127.0.0.1", "MEETCAST_PORT": str(main_lab.ws_port),
                       "MEETCAST_PASSWORD": main_lab.ws_password,
                       "MEETCAST_CONFIG": str(tmp / "none.toml")}
            (tmp / "none.toml").write_text("")
            two_env = {"MEETCAST_CONFIG": str(conf)}
            rows, ones, twos = [], [], defaultdict(list)
            for rnd in range(1, a.rounds + 1):
                lines, cpu = watch([], one_env, a.seconds)
                r = rates(lines)["one"]
                ones.append(r[0])
                rows.append([rnd, "one OBS: watch", "main", f"{r[0]:.3f}", f"{r[1]:.2f}",
                             r[2], f"{cpu:.2f} %"])
                lines, cpu = watch(["--obs", "all"], two_env, a.seconds)
                got = rates(lines)
                for name in ("main", "backup"):
                    r = got.get(name, (0.0, 0.0, 0))
                    twos[name].append(r[0])
                    rows.append([rnd, "two OBS: watch --obs all", name, f"{r[0]:.3f}",
                                 f"{r[1]:.2f}", r[2], f"{cpu:.2f} %" if name == "main" else
                                 "(same process)"])
        finally:
            for lab in (main_lab, backup):
                stop_stream(lab)
            backup.stop()
    print(f"two OBS watched at once: OBS {'.'.join(map(str, main_lab.obs_version))}, both "
          f"streaming x264 {SIZE[0]}x{SIZE[1]} to the lab ingest; poll interval "
          f"{POLL_INTERVAL} s; {a.seconds:g} s per run, one-then-two, {a.rounds} rounds")
    print(table(["round", "watch", "OBS", "samples/s", "longest gap s", "samples",
                 "watch CPU (one core)"], rows))
    one = min(ones)
    worst = min(min(v) for v in twos.values())
    verdict = "met" if worst >= SAME * one else "NOT met"
    print(f"\none OBS: {pct(ones, 50):.3f} samples/s (lowest {one:.3f}); two OBS: lowest of "
          f"either {worst:.3f} = {worst / one:.1%} of the one's lowest "
          f"(goal: each at the same rate, ≥ {SAME:.0%}): {verdict}")


if __name__ == "__main__":
    main()
