"""(d) What ``meetcast watch`` costs the laptop over a long stream: CPU share of one core and
resident memory, sampled from /proc every 10 s while the real dashboard (Textual, in a
pseudo-terminal of 110×32) watches a streaming lab OBS.
Goals: under 2 % of a core; memory flat and under 100 MB.

    flock /tmp/meetcast-heavy.lock python bench/watch_load.py [--minutes 10]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
import threading
import time

from _common import ROOT, SIZE, add_show_scenes, start_stream, stop_stream, table

from meetcast.lab import Lab, ObsConfig
from meetcast.lab.media import process_cpu_seconds as cpu_seconds
from meetcast.lab.procs import rss_mb


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=10)
    args = ap.parse_args()
    seconds = args.minutes * 60
    with Lab(ObsConfig(video_kbps=2500, base_size=SIZE, output_size=SIZE)) as lab:
        add_show_scenes(lab)
        start_stream(lab)
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 32, 110, 0, 0))
        env = {**os.environ, **lab.env(), "TERM": "xterm-256color",
               "PYTHONPATH": f"{ROOT / 'controller'}:{ROOT / 'obs_scripts'}"}
        proc = subprocess.Popen([sys.executable, "-m", "meetcast.cli", "watch", "--seconds",
                                 str(seconds + 15), "--no-record", "--cost-per-hour", "1.2"],
                                stdin=slave, stdout=slave, stderr=slave, env=env,
                                start_new_session=True)
        os.close(slave)
        drained = [0]

        def drain() -> None:  # a terminal that never reads would block the app
            while True:
                try:
                    data = os.read(master, 65536)
                except OSError:
                    return
                if not data:
                    return
                drained[0] += len(data)

        threading.Thread(target=drain, daemon=True).start()
        time.sleep(10)  # start-up (imports, first paint) is not the steady state
        t_start, c_start = time.monotonic(), cpu_seconds(proc.pid)
        points = [(0.0, c_start, rss_mb(proc.pid))]
        obs_gone = None  # when OBS was found gone: then watch measured its reconnecting
        while time.monotonic() - t_start < seconds:
            time.sleep(10)
            points.append((time.monotonic() - t_start, cpu_seconds(proc.pid), rss_mb(proc.pid)))
            if obs_gone is None and not lab.obs.alive():
                obs_gone = points[-1][0]
        proc.terminate()
        proc.wait(timeout=20)
        os.close(master)
        if obs_gone is None:
            stop_stream(lab)
    rows = []
    step = 6 if seconds >= 120 else 1  # one row a minute (every 10 s for short runs)
    for i in range(step, len(points), step):
        (t0, c0, _), (t1, c1, m1) = points[i - step], points[i]
        rows.append([f"{t0 / 60:.1f}–{t1 / 60:.1f}", f"{(c1 - c0) / (t1 - t0) * 100:.2f} %",
                     f"{m1:.1f}"])
    total = (points[-1][1] - points[0][1]) / points[-1][0] * 100
    mems = [m for *_, m in points]
    print(f"(d) meetcast watch (Textual dashboard in a 110×32 pty) over {args.minutes:g} min of "
          f"a streaming lab OBS; CPU = utime+stime of the watch process / wall time")
    print(table(["minutes", "CPU (share of one core)", "RSS MB at end"], rows))
    print(f"overall CPU {total:.2f} % of a core (goal < 2 %): {'met' if total < 2 else 'NOT met'};"
          f" RSS {mems[0]:.1f} → {mems[-1]:.1f} MB (min {min(mems):.1f}, max {max(mems):.1f}; "
          f"goal flat, < 100 MB): {'met' if max(mems) < 100 else 'NOT met'}; "
          f"{drained[0] / 1024:.0f} KiB of terminal output")
    if obs_gone is not None:
        print(f"NOT VALID: the lab's OBS was gone by {obs_gone:.0f} s (crashed or killed from "
              f"outside); from then on watch was reconnecting, not watching a stream")
        sys.exit(1)


if __name__ == "__main__":
    main()
