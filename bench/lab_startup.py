"""How long the lab takes to come up (all services answering) and to go down, over N runs.

    python bench/lab_startup.py [--runs 5]

Prints a table; the figures go in closing notes instead of being asserted in timed tests.
"""

from __future__ import annotations

import argparse
import statistics
import time

from meetcast.lab import Lab


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    ups, downs, leaks = [], [], []
    for _ in range(args.runs):
        t0 = time.monotonic()
        lab = Lab().start()
        ups.append(time.monotonic() - t0)
        report = lab.stop()
        downs.append(report.seconds_to_stop)
        leaks.append(report.leaks)
    print(f"lab start/stop over {args.runs} runs (Xvfb + PulseAudio + nginx-rtmp + OBS 29 "
          f"with meetcast's script, until obs-websocket answers)")
    print(f"{'phase':<8}{'min s':>8}{'median s':>10}{'max s':>8}")
    for name, xs in (("up", ups), ("down", downs)):
        print(f"{name:<8}{min(xs):>8.2f}{statistics.median(xs):>10.2f}{max(xs):>8.2f}")
    print(f"leaks at exit: {leaks}")


if __name__ == "__main__":
    main()
