"""How reliably the lab's OBS 29 exits cleanly, by the way it is told to stop.

OBS 29's SIGINT handler runs the whole shutdown inside the signal handler; the lab now closes
the main window with WM_DELETE_WINDOW instead (controller/meetcast/lab/xclose.py). This starts
a lab with meetcast's script N times per method, stops it as soon as obs-websocket answers (the
worst case) and counts clean exits (exit 0 and OBS's leak count printed), crashes and hangs.

    flock /tmp/meetcast-heavy.lock python bench/obs_stop.py [N]
"""

from __future__ import annotations

import signal
import statistics
import sys
import time

from meetcast.lab import Lab, ObsConfig, leak_count
from meetcast.lab.procs import stop_process


def one(method: str) -> tuple[str, float]:
    lab = Lab(ObsConfig()).start()
    t0 = time.monotonic()
    try:
        assert lab.obs is not None
        if method == "SIGINT":
            code = stop_process(lab.obs.proc, signal.SIGINT, timeout=20)
            lab.obs.proc = None
        else:
            code = lab.obs.stop(timeout=20)
        seconds = time.monotonic() - t0
        leaks = leak_count(lab.obs.log_text())
    finally:
        lab.stop()
    if code == 0 and leaks is not None:
        return "clean", seconds
    return ("hung" if code == -signal.SIGKILL else f"exit {code}"), seconds


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    rows = {}
    for _ in range(n):  # alternate, so both see the same machine load
        for method in ("SIGINT", "WM_DELETE_WINDOW"):
            outcome, seconds = one(method)
            rows.setdefault(method, []).append((outcome, seconds))
    print(f"{'stop method':<18} {'runs':>4} {'clean':>5} {'unclean':>7} {'median s':>8}  outcomes")
    for method, results in rows.items():
        clean = sum(1 for o, _ in results if o == "clean")
        kinds = sorted({o for o, _ in results if o != "clean"})
        detail = ", ".join(f"{k}: {sum(1 for o, _ in results if o == k)}" for k in kinds)
        print(f"{method:<18} {len(results):>4} {clean:>5} {len(results) - clean:>7} "
              f"{statistics.median(s for _, s in results):>8.2f}  {detail}")


if __name__ == "__main__":
    main()
