"""(a) Is meetcast's bitrate right? Compared with the ingest's own byte count.

meetcast computes kbps from Δ``outputBytes``/Δt (GetStreamStatus, 1 Hz, through the same
Session poller ``meetcast watch`` uses); nginx-rtmp's stat page counts the bytes it received
(``bytes_in``). Both are read at each poll; each 10 s window compares the two.
Goal: within 2 %.

    flock /tmp/meetcast-heavy.lock python bench/bitrate_accuracy.py [--windows 9] [--kbps 2500]
"""

from __future__ import annotations

import argparse
import time

from _common import SIZE, add_show_scenes, start_stream, stop_stream, table

from meetcast.lab import Lab, ObsConfig
from meetcast.session import Session


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--windows", type=int, default=9)
    ap.add_argument("--kbps", type=int, default=2500)
    args = ap.parse_args()
    with Lab(ObsConfig(video_kbps=args.kbps, base_size=SIZE, output_size=SIZE)) as lab:
        add_show_scenes(lab)
        start_stream(lab)
        time.sleep(5)  # past the stream's start-up
        session = Session(lab.connection, {}, interval=1.0).open()
        points = []  # (poller time, meetcast kbps of the interval, interval s, ingest bytes_in)
        next_t = time.monotonic()
        for _ in range(args.windows * 10 + 1):
            snap = session.poll()
            stats = lab.ingest.stats()
            ingest = sum(s.bytes_in for s in stats.values())
            dt = snap.sample.t - points[-1][0] if points else 0.0
            points.append((snap.sample.t, snap.health.kbps, dt, ingest))
            next_t += 1.0
            time.sleep(max(0.0, next_t - time.monotonic()))
        session.stop()
        stop_stream(lab)
    rows, errors = [], []
    for w in range(args.windows):
        chunk = points[w * 10: w * 10 + 11]
        span = chunk[-1][0] - chunk[0][0]
        # meetcast's number for the window: its per-second kbps, time-weighted
        ours = sum(k * dt for _, k, dt, _ in chunk[1:]) / sum(dt for *_, dt, _ in chunk[1:])
        theirs = (chunk[-1][3] - chunk[0][3]) * 8 / span / 1000
        err = (ours - theirs) / theirs * 100
        errors.append(abs(err))
        rows.append([w + 1, f"{span:.2f}", f"{ours:.1f}", f"{theirs:.1f}", f"{err:+.2f} %"])
    print(f"(a) bitrate accuracy: x264 CBR {args.kbps} kbps, {SIZE[0]}x{SIZE[1]}, "
          f"10 s windows, meetcast (ΔoutputBytes, 1 Hz) vs nginx-rtmp bytes_in")
    print(table(["window", "seconds", "meetcast kbps", "ingest kbps", "error"], rows))
    print(f"max |error| {max(errors):.2f} % (goal ≤ 2 %): "
          f"{'met' if max(errors) <= 2 else 'NOT met'}")


if __name__ == "__main__":
    main()
