"""Benchmark: every shipped encoder profile streamed by the real OBS to the lab's nginx ingest,
and what arrived read back with ffprobe.

For each profile: OBS applies it (the script, as a user pressing Apply), a moving test pattern
fills the canvas, OBS streams for ``--seconds`` to nginx-rtmp, and the FLV nginx recorded is
measured: output size, frame rate, keyframe spacing, average video bitrate against the
profile's target, plus the frames OBS's encoder skipped (encoder lag), the frames its renderer
skipped (render lag; also measured for 5 s before each stream, with no encoder running) and
OBS's CPU use. Pass marks
follow the issue: size and fps exact, keyframe every 2 s ± 1 frame, bitrate within ±10 %.

Run it alone (it is heavy):
    PYTHONPATH=$PWD/controller:$PWD/obs_scripts flock /tmp/meetcast-heavy.lock \\
        python bench/encoder_profiles.py --seconds 20
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for sub in ("controller", "obs_scripts"):
    if str(ROOT / sub) not in sys.path:
        sys.path.insert(0, str(ROOT / sub))

from meetcast.lab import Lab, ObsConfig  # noqa: E402
from meetcast.lab.media import (  # noqa: E402
    make_noise_wav,
    make_test_pattern,
    probe_recording,
    process_cpu_seconds,
)
from meetcast.lab.obs import SHUTDOWN_CRASH  # noqa: E402
from meetcast.obslink import ObsLink  # noqa: E402
from meetcast_core.encoder_profiles import EncoderProfile, default_directory, load_all  # noqa: E402

PATTERN_NAME = "meetcast bench pattern"
IDLE_S = 5.0  # render-only window before each stream
SKIP_S = 2.0  # leave out the first seconds of each recording (rate control settles)


def add_pattern(link: ObsLink, pattern: Path, canvas: tuple[int, int]) -> None:
    """A looping test pattern stretched over the whole canvas of the lab's scene "Scene"."""
    made = link.call("CreateInput", {
        "sceneName": "Scene", "inputName": PATTERN_NAME, "inputKind": "ffmpeg_source",
        "inputSettings": {"local_file": str(pattern), "is_local_file": True, "looping": True,
                          "hw_decode": False, "restart_on_activate": False},
        "sceneItemEnabled": True})
    link.call("SetSceneItemTransform", {
        "sceneName": "Scene", "sceneItemId": made["sceneItemId"],
        "sceneItemTransform": {"positionX": 0, "positionY": 0,
                               "boundsType": "OBS_BOUNDS_STRETCH",
                               "boundsWidth": canvas[0], "boundsHeight": canvas[1]}})


@dataclass
class Row:
    profile: str
    encoder: str
    size: str
    fps: float
    key_gap_min: float
    key_gap_max: float
    video_kbps: float
    target_kbps: int
    audio_kbps: float
    audio_target: int
    skipped: int
    render_skipped: int
    idle_render_skipped: int
    idle_frames: int
    frames: int
    cpu: float
    ok_size: bool
    ok_fps: bool
    ok_key: bool
    ok_rate: bool

    @property
    def deviation(self) -> float:
        return (self.video_kbps - self.target_kbps) / self.target_kbps * 100


def measure(lab: Lab, p: EncoderProfile, seconds: float, noise: Path | None) -> Row:
    with lab.link(timeout=10) as link:
        if link.call("GetProfileList")["currentProfileName"] != p.obs_profile:
            link.call("SetCurrentProfile", {"profileName": p.obs_profile})
            time.sleep(1.0)
        encoder = link.call("GetProfileParameter", {"parameterCategory": "AdvOut",
                                                    "parameterName": "Encoder"})["parameterValue"]
        # Render lag with no encoder running: tells the renderer's share from the encoder's.
        idle0 = link.call("GetStats")
        time.sleep(IDLE_S)
        idle1 = link.call("GetStats")
        before = set(lab.ingest.recordings())
        player = lab.pulse.play(noise) if noise else None
        link.call("StartStream")
        time.sleep(SKIP_S)  # measure CPU and lag once the output runs
        stats0 = link.call("GetStats")
        cpu0, t0 = process_cpu_seconds(lab.obs.proc.pid), time.monotonic()
        time.sleep(seconds - SKIP_S)
        stats1 = link.call("GetStats")
        cpu = (process_cpu_seconds(lab.obs.proc.pid) - cpu0) / (time.monotonic() - t0) * 100
        link.call("StopStream")
        if player is not None:
            player.terminate()
            player.wait(timeout=5)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and link.call("GetStreamStatus")["outputActive"]:
            time.sleep(0.2)
    time.sleep(1.0)  # nginx closes the FLV after the publisher leaves
    new = [r for r in lab.ingest.recordings() if r not in before]
    if not new:
        raise SystemExit(f"{p.name}: nothing recorded by the ingest")
    rec = probe_recording(new[-1], skip_seconds=SKIP_S)
    frame = 1 / p.fps
    gaps = rec.keyframe_gaps or [0.0]
    skipped = stats1["outputSkippedFrames"] - stats0["outputSkippedFrames"]
    render_skipped = stats1["renderSkippedFrames"] - stats0["renderSkippedFrames"]
    frames = stats1["outputTotalFrames"] - stats0["outputTotalFrames"]
    return Row(
        profile=p.name, encoder=encoder, size=f"{rec.width}x{rec.height}",
        fps=rec.fps_measured, key_gap_min=min(gaps), key_gap_max=max(gaps),
        video_kbps=rec.video_kbps, target_kbps=p.video_kbps, audio_kbps=rec.audio_kbps,
        audio_target=p.audio_kbps, skipped=skipped, render_skipped=render_skipped,
        idle_render_skipped=idle1["renderSkippedFrames"] - idle0["renderSkippedFrames"],
        idle_frames=idle1["renderTotalFrames"] - idle0["renderTotalFrames"],
        frames=frames, cpu=cpu,
        ok_size=(rec.width, rec.height) == (p.output.width, p.output.height),
        ok_fps=abs(rec.fps_measured - p.fps) <= 0.5,
        ok_key=bool(rec.keyframe_gaps) and all(
            abs(g - p.keyframe_sec) <= frame + 1e-3 for g in rec.keyframe_gaps),
        ok_rate=abs(rec.video_kbps - p.video_kbps) <= 0.10 * p.video_kbps)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--no-pattern", action="store_true",
                    help="stream the empty canvas (x264 CBR then pads with filler)")
    ap.add_argument("--silent", action="store_true",
                    help="no noise into the microphone (AAC then encodes silence: ~2 kbps)")
    ap.add_argument("--pattern-size", default="1280x720",
                    help="size of the looping test pattern (stretched over the canvas)")
    ap.add_argument("--only", nargs="*", help="profile names to measure (default: all)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    t_start = time.monotonic()
    profiles = [p for p in load_all(default_directory()) if not args.only or p.name in args.only]
    first = profiles[0].name
    cfg = ObsConfig(script_settings={"enc_profile": first, "enc_apply_at_start": True})
    rows: list[Row] = []
    with Lab(cfg) as lab:
        log = lab.log()
        noise = None if args.silent else make_noise_wav(lab.dir / "noise.wav",
                                                         int(args.seconds) + 10)
        if not args.no_pattern:
            w, h = (int(v) for v in args.pattern_size.split("x"))
            pattern = make_test_pattern(lab.dir / f"pattern-{w}x{h}.mp4", (w, h))
            with lab.link() as link:
                add_pattern(link, pattern, (profiles[0].canvas.width, profiles[0].canvas.height))
        for p in profiles:
            rows.append(measure(lab, p, args.seconds, noise))
        log = lab.log()
        report = lab.stop()
    why = [m.group(0) for m in re.finditer(r"meetcast: applying [^\n]*", log)]
    if args.json:
        print(json.dumps([r.__dict__ for r in rows], indent=2))
        return 0
    mark = {True: "ok", False: "FAIL"}
    print(f"encoder profiles on the real OBS → nginx-rtmp, {args.seconds:g} s each "
          f"({'empty canvas' if args.no_pattern else args.pattern_size + ' test pattern'}, "
          f"{'silence' if args.silent else 'pink noise into the mic'}), measured from the "
          f"recorded FLV after the first {SKIP_S:g} s; OBS cpu % of one core (100 = one of "
          f"the machine's cores), skipped frames over the same window")
    print(f"{'profile':<16} {'encoder':<9} {'size':<10} {'fps':>5} {'keyframe gap s':>15} "
          f"{'video kbps':>11} {'target':>6} {'dev %':>6} {'audio kbps':>11} "
          f"{'enc/render skipped':>19} {'idle render':>11} {'OBS cpu %':>9}  verdict")
    for r in rows:
        verdict = ", ".join(f"{k} {mark[v]}" for k, v in (
            ("size", r.ok_size), ("fps", r.ok_fps), ("keyint", r.ok_key),
            ("bitrate", r.ok_rate)))
        print(f"{r.profile:<16} {r.encoder:<9} {r.size:<10} {r.fps:5.2f} "
              f"{r.key_gap_min:6.3f}–{r.key_gap_max:<6.3f}  {r.video_kbps:11.0f} "
              f"{r.target_kbps:6d} {r.deviation:+6.1f} {r.audio_kbps:5.0f}/{r.audio_target:<5d} "
              f"{r.skipped:5d}/{r.render_skipped:<3d} of {r.frames:<5d} "
              f"{r.idle_render_skipped:4d}/{r.idle_frames:<4d} {r.cpu:9.0f}  {verdict}")
    print("OBS's log on the choice:", *why[:1], sep="\n  ")
    crash = f" ({SHUTDOWN_CRASH})" if report.crashed_in_shutdown else ""
    print(f"wall time {time.monotonic() - t_start:.0f} s; OBS exit: code {report.exit_code}"
          f"{crash}, leaks {report.leaks}, "
          f"script errors {len(report.python_errors)}")
    return 0 if all(r.ok_size and r.ok_fps and r.ok_key and r.ok_rate for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
