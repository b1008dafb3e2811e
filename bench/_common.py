"""Shared by the controller benchmarks: a lab whose "Zoom" scene shows moving video (so the
encoder has real work, as with a Zoom call) and whose "BRB" scene is a still card.

Run every benchmark under ``flock /tmp/meetcast-heavy.lock`` (2 cores, four engineers)."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "controller"), str(ROOT / "obs_scripts")]

from meetcast.lab import Lab  # noqa: E402
from meetcast_core.names import SCENE_BRB, SCENE_ZOOM  # noqa: E402

SIZE = (960, 540)  # 2 shared cores: 720p x264 + a test pattern already lags in rendering


def add_show_scenes(lab: Lab) -> None:
    """A "Zoom" scene with a moving test pattern (ffmpeg's lavfi testsrc2 through OBS's media
    source) and a "BRB" card, then Zoom on program."""
    w, h = lab.cfg.output_size
    with lab.link() as link:
        # meetcast's script has usually built these scenes already: add to them, or make them.
        have = {s["sceneName"] for s in link.call("GetSceneList")["scenes"]}
        for scene in (SCENE_ZOOM, SCENE_BRB):
            if scene not in have:
                link.call("CreateScene", {"sceneName": scene})
        link.call("CreateInput", {
            "sceneName": SCENE_ZOOM, "inputName": "bench pattern", "inputKind": "ffmpeg_source",
            "inputSettings": {"is_local_file": False, "input_format": "lavfi",
                              "input": f"testsrc2=size={w}x{h}:rate={lab.cfg.fps}",
                              "looping": True}})
        link.call("CreateInput", {
            "sceneName": SCENE_BRB, "inputName": "bench brb", "inputKind": "text_ft2_source_v2",
            "inputSettings": {"text": "Be right back", "font": {"size": 72}}})
        link.call("SetCurrentProgramScene", {"sceneName": SCENE_ZOOM})


def start_stream(lab: Lab, timeout: float = 15) -> None:
    with lab.link() as link:
        link.call("StartStream")
        deadline = time.monotonic() + timeout
        while not link.call("GetStreamStatus")["outputActive"]:
            if time.monotonic() > deadline:
                raise RuntimeError("OBS did not start streaming")
            time.sleep(0.1)


def stop_stream(lab: Lab) -> None:
    with lab.link() as link:
        if link.call("GetStreamStatus")["outputActive"]:
            link.call("StopStream")


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q / 100 * (len(s) - 1)))]


def med(values: list[float]) -> float:
    return statistics.median(values)


def table(header: list[str], rows: list[list[object]]) -> str:
    """A markdown table (pasted as is into reports)."""
    cells = [[str(c) for c in header]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]

    def line(r: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"

    return "\n".join([line(cells[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|",
                      *map(line, cells[1:])])
