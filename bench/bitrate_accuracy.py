"""(a) Is meetcast's bitrate right? Compared with the ingest's own byte count.

meetcast computes kbps from Δ``outputBytes``/Δt over the last second (GetStreamStatus, at
``meetcast watch``'s poll rate, through the same Session poller); nginx-rtmp's stat page counts
the bytes it received (``bytes_in``). Both are read at each poll. For each 10 s window,
meetcast's figure is the mean of the kbps it showed during the window — what the organiser
saw — and the ingest's is its byte count over the same stretch, shifted back by half of
meetcast's 1 s rate window (where the mean of trailing 1 s windows is centred).
Goal: within 2 %.

    flock /tmp/meetcast-heavy.lock python bench/bitrate_accuracy.py [--windows 9] [--kbps 2500]
"""

from __future__ import annotations

import argparse
import time

from _common import SIZE, add_show_scenes, start_stream, stop_stream, table

from meetcast.lab import Lab, ObsConfig
from meetcast.session import Session
from meetcast.settings import WatchSettings
from meetcast_core.stream.config import HealthConfig


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--windows", type=int, default=9)
    ap.add_argument("--kbps", type=int, default=2500)
    args = ap.parse_args()
    with Lab(ObsConfig(video_kbps=args.kbps, base_size=SIZE, output_size=SIZE)) as lab:
        add_show_scenes(lab)
        start_stream(lab)
        time.sleep(5)  # past the stream's start-up
        interval = WatchSettings().interval
        per_window = round(10 / interval)  # polls in a 10 s window
        shift = round(0.5 * HealthConfig().rate_window / interval)
        session = Session(lab.connection, {}, interval=interval).open()
        points = []  # (poller time, meetcast kbps, ingest bytes_in)
        next_t = time.monotonic()
        for _ in range(args.windows * per_window + shift + 1):
            snap = session.poll()
            stats = lab.ingest.stats()
            points.append((snap.sample.t, snap.health.kbps,
                           sum(s.bytes_in for s in stats.values())))
            next_t += interval
            time.sleep(max(0.0, next_t - time.monotonic()))
        session.stop()
        stop_stream(lab)
    rows, errors = [], []
    for w in range(args.windows):
        a = shift + w * per_window  # the window is (points[a], points[a + per_window]]
        shown = [k for _, k, _ in points[a + 1: a + per_window + 1]]
        ours = sum(shown) / len(shown)
        lo, hi = points[a - shift], points[a + per_window - shift]
        span = hi[0] - lo[0]
        theirs = (hi[2] - lo[2]) * 8 / span / 1000
        err = (ours - theirs) / theirs * 100
        errors.append(abs(err))
        rows.append([w + 1, f"{span:.2f}", f"{ours:.1f}", f"{theirs:.1f}", f"{err:+.2f} %"])
    print(f"(a) bitrate accuracy: x264 CBR {args.kbps} kbps, {SIZE[0]}x{SIZE[1]}, "
          f"10 s windows, meetcast (ΔoutputBytes over 1 s, polled every {interval:g} s) vs "
          f"nginx-rtmp bytes_in")
    print(table(["window", "seconds", "meetcast kbps", "ingest kbps", "error"], rows))
    print(f"max |error| {max(errors):.2f} % (goal ≤ 2 %): "
          f"{'met' if max(errors) <= 2 else 'NOT met'}")


if __name__ == "__main__":
    main()
