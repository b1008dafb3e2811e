"""(b) Reaction to a failing uplink: the ingest behind a shaped link (network namespace + veth
+ tc tbf, made here), the link dropped from 6 to 1 Mbit/s for 30 s, then restored.

Four runs on a fresh lab each: OBS alone; OBS with its dynamic bitrate on; OBS with
meetcast's automatic BRB switch; both. meetcast's health monitor watches all three (the same
Session poller as ``meetcast watch``), so "seconds until LOW" is measured in each; only the
auto-BRB runs let it switch scenes. Frames dropped by the NETWORK (GetStreamStatus
.outputSkippedFrames) are counted over exactly the 30 s of the narrow link.
Goal: LOW within 3 s.

The same samples are also replayed through the pure health monitor with other settings (a
slower poll, OBS's congestion threshold of session 1), so the second table compares ways of
deciding on identical data rather than on runs that differ by chance.

    flock /tmp/meetcast-heavy.lock python bench/reaction.py [--runs 1] [--kbps 2500]
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path

from _common import SIZE, add_show_scenes, start_stream, stop_stream, table

from meetcast.lab import Lab, ObsConfig
from meetcast.lab.netns import NetNs, NetnsIngest
from meetcast.session import Session
from meetcast.settings import WatchSettings
from meetcast_core.names import SCENE_BRB, SCENE_ZOOM
from meetcast_core.stream.config import HealthConfig
from meetcast_core.stream.engine import Event, View
from meetcast_core.stream.health import LOW, HealthMonitor

WIDE, NARROW = 6000, 1000  # kbit/s
SCENARIOS = ("OBS alone", "OBS + dynamic bitrate", "OBS + meetcast auto-BRB",
             "OBS + dynamic bitrate + auto-BRB")


def enable_dynamic_bitrate(lab: Lab) -> None:
    """OBS must be stopped to edit its profile (it saves its own copy over ours at exit)."""
    lab.stop_obs()
    ini = lab.obs.profiles_dir / lab.cfg.profile / "basic.ini"
    text = ini.read_text()
    text = re.sub(r"\[Output\]\n", "[Output]\nDynamicBitrate=true\n", text, count=1)
    ini.write_text(text)
    lab.start_obs()


def net_skipped(lab: Lab) -> tuple[int, int]:
    with lab.link() as link:
        s = link.call("GetStreamStatus")
    return int(s["outputSkippedFrames"]), int(s["outputTotalFrames"])


# Replays: (name, poll every n-th sample at 1 Hz instead of the live rate?, [health] changes)
DETECTORS = (
    ("live poll rate, defaults", False, {}),
    ("live poll rate, congestion 0.5", False, {"congestion": 0.5}),
    ("live poll rate, at OBS's first sign (congestion 0.2, bitrate < 0.75)", False,
     {"congestion": 0.2, "low_fraction": 0.75}),
    ("1 Hz, defaults", True, {}),
    ("1 Hz, congestion 0.5 (session 1)", True, {"congestion": 0.5}),
)


def replay(snaps: list[tuple[float, View]], t0: float, interval: float, one_hz: bool,
           changes: dict) -> tuple[float | None, int]:
    """(seconds from the cut to LOW, how many LOW spells in the whole run) for one detector
    fed the recorded samples; a spell before the cut is a false alarm."""
    step = max(1, round(1.0 / interval)) if one_hz else 1
    mon = HealthMonitor(HealthConfig(**changes))
    low_at, spells, was = None, 0, None
    for _, snap in snaps[::step]:
        state = mon.update(snap.sample).state
        if state == LOW and was != LOW:
            spells += 1
        if state == LOW and low_at is None and snap.sample.t >= t0:
            low_at = snap.sample.t - t0
        was = state
    return low_at, spells


def run(scenario: str, kbps: int, narrow_s: float, interval: float) -> dict:
    ns = NetNs().start()
    try:
        lab = Lab(ObsConfig(video_kbps=kbps, base_size=SIZE, output_size=SIZE))
        lab.ingest = NetnsIngest(lab.dir, ns)
        lab.start()
        try:
            if "dynamic" in scenario:
                enable_dynamic_bitrate(lab)
            add_show_scenes(lab)
            ns.shape(WIDE)
            start_stream(lab)
            time.sleep(3)
            cfg = {"auto_brb": {"enabled": "auto-BRB" in scenario}}
            # kept per run (the session record, 4 samples a second) for a look afterwards
            record = Path(tempfile.gettempdir()) / (
                "meetcast-reaction-" + re.sub(r"\W+", "-", scenario.lower())
                + time.strftime("-%H%M%S.jsonl"))
            session = Session(lab.connection, cfg, interval=interval, record=record).open()
            snaps: list[tuple[float, View]] = []
            events: list[tuple[float, Event]] = []
            session.on_view.append(lambda s: snaps.append((time.monotonic(), s)))
            session.on_event.append(lambda e: events.append((time.monotonic(), e)))
            session.start()
            time.sleep(15)  # healthy baseline: the monitor learns the stream's normal bitrate
            d0, f0 = net_skipped(lab)
            t0 = time.monotonic()
            ns.shape(NARROW)
            time.sleep(narrow_s)
            d1, f1 = net_skipped(lab)
            t1 = time.monotonic()
            ns.shape(WIDE)
            time.sleep(25)
            session.stop()
            stop_stream(lab)
            dyn_lines = len(re.findall(r"bitrate decreased|Congestion detected|dynamic bitrate",
                                       lab.log(), re.I))
        finally:
            ns.unshape()
            lab.stop()
    finally:
        ns.stop()
    low = next((t - t0 for t, s in snaps if t >= t0 and s.health.state == "LOW"), None)
    ok_again = next((t - t1 for t, s in snaps if t >= t1 and s.health.state == "OK"
                     and any(tt > t0 and ss.health.state == "LOW" for tt, ss in snaps)), None)
    brb = next((t - t0 for t, e in events if e.kind == "auto" and e.data.get("scene")
                == SCENE_BRB), None)
    back = next((t - t1 for t, e in events if e.kind == "auto" and e.data.get("scene")
                 == SCENE_ZOOM), None)
    during = [s.health.kbps for t, s in snaps if t0 < t <= t1 and s.health.kbps is not None]
    before = [s.health.kbps for t, s in snaps if t < t0 and s.health.kbps is not None]
    # Until the socket's send buffer is full OBS hands it data at the full rate and reports
    # nothing; the first sample with any backlog, drop or a 10 % lower bitrate is the first
    # moment anything watching OBS could know. What the buffer took beyond what the narrow
    # link carried by then shows why that moment comes late.
    normal = statistics.median(before)
    at_cut = next((s for t, s in snaps if t >= t0), None)
    sign = next(((t, s) for t, s in snaps if t >= t0 and (
        s.sample.congestion > 0 or s.health.drops.network
        or (s.health.kbps is not None and s.health.kbps < 0.9 * normal))), None)
    first_sign = absorbed_kb = None
    if sign and at_cut:
        first_sign = sign[0] - t0
        carried = NARROW * 1000 / 8 * (sign[1].sample.t - at_cut.sample.t)
        absorbed_kb = (sign[1].sample.output_bytes - at_cut.sample.output_bytes - carried) / 1000
    return {"scenario": scenario, "first_sign": first_sign, "absorbed_kb": absorbed_kb,
            "low": low, "brb": brb, "back": back, "ok_again": ok_again,
            "dropped": d1 - d0, "frames": f1 - f0, "kbps_before": statistics.median(before),
            "kbps_during": statistics.median(during) if during else 0.0,
            "dyn_log_lines": dyn_lines, "record": str(record),
            "replays": [replay(snaps, t0, interval, one_hz, ch) for _, one_hz, ch in DETECTORS]}


def fmt(v: float | None) -> str:
    return "—" if v is None else f"{v:.1f}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--kbps", type=int, default=2500)
    ap.add_argument("--narrow-seconds", type=float, default=30)
    ap.add_argument("--interval", type=float, default=WatchSettings().interval,
                    help="seconds between polls (default: meetcast watch's)")
    args = ap.parse_args()
    rows, replay_rows = [], []
    lows, lags = [], []
    for _ in range(args.runs):
        for sc in SCENARIOS:
            r = run(sc, args.kbps, args.narrow_seconds, args.interval)
            replay_rows.append([sc] + [f"{fmt(low)} ({spells})" for low, spells in r["replays"]])
            if r["low"] is not None:
                lows.append(r["low"])
                if r["first_sign"] is not None:
                    lags.append(r["low"] - r["first_sign"])
            share = r["dropped"] / max(1, r["frames"]) * 100  # total frames include dropped
            rows.append([sc, fmt(r["first_sign"]),
                         "—" if r["absorbed_kb"] is None else f"{r['absorbed_kb']:.0f}",
                         fmt(r["low"]), fmt(r["brb"]), f"{r['dropped']} ({share:.0f} %)",
                         f"{r['kbps_before']:.0f} → {r['kbps_during']:.0f}",
                         fmt(r["ok_again"]), fmt(r["back"])])
            print("  done:", r, flush=True)
    print(f"(b) reaction: x264 CBR {args.kbps} kbps {SIZE[0]}x{SIZE[1]}, uplink {WIDE // 1000}"
          f" → {NARROW // 1000} Mbit/s for {args.narrow_seconds:.0f} s (tc tbf on a veth into a "
          f"netns with nginx-rtmp), meetcast polling every {args.interval:g} s with default "
          f"[health] settings")
    print(table(["run", "s until OBS shows it", "KB the socket took meanwhile", "s to LOW",
                 "s to BRB", "network drops in the 30 s",
                 "median kbps before → during", "s to OK after restore",
                 "s to switch back"], rows))
    print(f"\nthe same samples replayed: seconds to LOW (LOW spells in the whole run; more than "
          f"1 = a false alarm) — live rate = every {args.interval:g} s")
    print(table(["run"] + [name for name, _, _ in DETECTORS], replay_rows))
    if lows:
        print(f"worst seconds to LOW {max(lows):.1f} (goal ≤ 3 s): "
              f"{'met' if max(lows) <= 3 else 'NOT met'}; LOW within 3 s in "
              f"{sum(x <= 3 for x in lows)} of {len(lows)} runs")
    if lags:
        print(f"from OBS's first sign to LOW: median {statistics.median(lags):.2f} s, "
              f"worst {max(lags):.2f} s")


if __name__ == "__main__":
    main()
