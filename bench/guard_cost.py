"""What the guard costs OBS's graphics thread (issue 13: < 0.1 ms per second), from a cold OBS.

Each run is a fresh lab OBS with meetcast's script and the guard on, streaming to the lab's
ingest, with meetcast's Zoom scene on program. Its Zoom capture looks at a "meeting display"
of its own where the stand-in Zoom window is open (as in tests/test_guard_obs.py), so the
guard reads a real capture's picture the whole time. At the end the guard logs what it held
OBS's graphics context for (obs_readings.Picture.cost), split by phase; this prints it.

The lab's OBS renders with Mesa's llvmpipe (no GPU here): staging a texture is a synchronous
software readback there, and making the GL context current on the guard's thread is a Mesa
call; on the cloud desktop (Direct3D 11, NVIDIA) entering the graphics context is a mutex
and the copy is asynchronous. The figures here are therefore what this machine costs, an
upper bound for the target, not the target's own.

    flock /tmp/meetcast-heavy.lock .venv/bin/python bench/guard_cost.py --runs 3 --minutes 3
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path

from _common import start_stream

from meetcast.lab import Lab, ObsConfig
from meetcast.lab.standin import StandInWindow
from meetcast.lab.xvfb import Xvfb
from meetcast_core import names

COST_RE = re.compile(
    r"guard: (\d+) picture reads in (\d+) s, graphics context held ([\d.]+) ms in all "
    r"\(([\d.]+) ms per second, at most ([\d.]+) ms at once; ms by phase: draw ([\d.]+), "
    r"map ([\d.]+), leave ([\d.]+), entering ([\d.]+), stage ([\d.]+)\)")


def one_run(minutes: float, work: Path) -> dict[str, float]:
    """One cold OBS, guarded, Zoom on program for ``minutes``: the guard's cost line, parsed."""
    for d in ("meeting", "lab"):
        (work / d).mkdir(parents=True, exist_ok=True)
    meeting = Xvfb(work / "meeting", black_root=True)
    meeting.start()
    win = StandInWindow(meeting.display).start()
    lab = Lab(ObsConfig(collection="meetcast-guard-bench",
                        script_settings={names.GUARD_SETTING: True}),
              workdir=work / "lab").start()
    try:
        deadline = time.monotonic() + 20
        with lab.link() as link:
            while not set(names.SHOW_SCENES) <= {
                    s["sceneName"] for s in link.call("GetSceneList")["scenes"]}:
                if time.monotonic() > deadline:
                    raise RuntimeError("the script built no show scenes")
                time.sleep(0.1)
            link.call("SetInputSettings", {"inputName": names.SOURCE_ZOOM_CAPTURE,
                                           "inputSettings": {"advanced": True,
                                                             "server": meeting.display}})
            link.call("SetCurrentProgramScene", {"sceneName": names.SCENE_ZOOM})
        start_stream(lab)
        time.sleep(minutes * 60)
        with lab.link() as link:
            scene = link.call("GetCurrentProgramScene")["currentProgramSceneName"]
        if scene != names.SCENE_ZOOM:
            raise RuntimeError(f"the program left Zoom ({scene}): the guard saw no picture")
    finally:
        report = lab.stop()
        win.stop()
        meeting.stop()
    m = COST_RE.search(report.log)
    if not m:
        raise RuntimeError("no guard cost line in OBS's log")
    reads, secs, total, per_s, most, draw, mapped, leave, entering, stage = map(
        float, m.groups())
    return {"reads": reads, "seconds": secs, "held_ms": total, "per_s": per_s, "max": most,
            "draw": draw / reads, "stage": stage / reads, "map": mapped / reads,
            "leave": leave / reads, "entering": entering / reads}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--minutes", type=float, default=3.0)
    args = ap.parse_args()
    runs = []
    with tempfile.TemporaryDirectory(prefix="meetcast-guard-cost-") as tmp:
        for n in range(args.runs):
            runs.append(one_run(args.minutes, Path(tmp) / f"run{n}"))
    print(f"guard cost inside OBS: {args.runs} cold run(s) of {args.minutes:g} min, guard on, "
          f"Zoom (a window capture) on program, streaming")
    print("run | picture reads/s | held ms per s | held max ms | per read ms: draw | of it "
          "staging | map | leave | entering (wait + make current)")
    print("--- | --- | --- | --- | --- | --- | --- | --- | ---")
    for i, r in enumerate(runs, 1):
        print(f"{i} | {r['reads'] / r['seconds']:.2f} | {r['per_s']:.4f} | {r['max']:.3f} | "
              f"{r['draw']:.3f} | {r['stage']:.3f} | {r['map']:.3f} | {r['leave']:.3f} | "
              f"{r['entering']:.3f}")
    worst = max(r["per_s"] for r in runs)
    print(f"worst held per second: {worst:.4f} ms (goal < 0.1); median "
          f"{statistics.median(r['per_s'] for r in runs):.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
