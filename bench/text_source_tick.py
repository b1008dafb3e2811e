"""What a new text source costs OBS's frame: the tick that runs its first set-up.

A text source's whole first set-up (font, glyphs, glyph texture) runs on OBS's graphics thread,
in the next frame's ``tick_sources`` (``meetcast_core.scene_plan.DEFERRED_UPDATE_KINDS`` says
where OBS does that). This bench shows what that does to a frame, and what pacing buys: each run
is a cold OBS (the lab, no script) that idles, then gets ``--count`` FreeType text sources like
meetcast's (Noto Sans CJK JP, 9 % of the canvas height, outlined) over the websocket, either

- ``none``: no text source (OBS's own figure),
- ``burst``: all at once, as one build in one callback makes them,
- ``paced``: one every ``--gap`` seconds, so each one's set-up gets a frame of its own,

then idles again and exits; ``tick_sources`` median, p99 and max come from OBS's profiler at
exit. Modes run interleaved, run by run. Takes /tmp/meetcast-heavy.lock per run.

    .venv/bin/python bench/text_source_tick.py --runs 3
"""

from __future__ import annotations

import argparse
import sys
import time

from _common import table
from script_cost import heavy_lock, parse_size, profiler

from meetcast.lab import Lab, ObsConfig

MODES = ("none", "burst", "paced")


def one_run(mode: str, count: int, gap: float, size: tuple[int, int]) -> list[str]:
    cfg = ObsConfig(base_size=size, output_size=size)
    with Lab(cfg, with_script=False) as lab:
        time.sleep(8)  # start-up's own stalls are over
        with lab.link() as link:
            for i in range(count if mode != "none" else 0):
                link.call("CreateInput", {
                    "sceneName": "Scene", "inputName": f"bench text {i}",
                    "inputKind": "text_ft2_source_v2", "inputSettings": {
                        "text": f"Meetup {i} 勉強会", "outline": True,
                        "font": {"face": "Noto Sans CJK JP", "size": int(size[1] * 0.09),
                                 "style": "Regular", "flags": 0}}})
                if mode == "paced":
                    time.sleep(gap)
        time.sleep(8)
        log = lab.stop().log
    tick, gfx = profiler(log, "tick_sources"), profiler(log, "obs_graphics_thread")
    if tick is None or gfx is None:
        raise RuntimeError(f"{mode}: no profiler summary in OBS's log")
    return [f"{tick.median:.3f}", f"{tick.p99:.3f}", f"{tick.max:.1f}", f"{gfx.max:.1f}"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--count", type=int, default=6, help="text sources (meetcast makes 6)")
    ap.add_argument("--gap", type=float, default=0.1, help="seconds between paced sources")
    ap.add_argument("--size", type=parse_size, default=(1280, 720), help="canvas, WxH")
    args = ap.parse_args()
    rows = []
    for n in range(1, args.runs + 1):
        for mode in MODES:
            with heavy_lock(True):
                rows.append([mode, n, *one_run(mode, args.count, args.gap, args.size)])
    print(f"{args.count} text sources into a cold OBS at {args.size[0]}x{args.size[1]}; times "
          "in ms from OBS's profiler at exit (whole process)")
    print(table(["mode", "run", "tick median", "tick p99", "tick max", "graphics max"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
