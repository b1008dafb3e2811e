"""Issue 13's goals on a shaped laptop link: the watch behind a home line, measured.

The laptop's side runs in a network namespace of its own (the real ``Session`` that
``meetcast watch`` drives, started as a probe process in there); OBS runs in the lab on the
host, streaming to a local ingest (its own uplink is fine: every LOW seen here is false).
Between them: tc tbf at 1 Mbit/s each way, iptables random loss inside the namespace, and a
small relay on the host adding 75 ms each way (150 ms RTT). This kernel has no netem.

Phases, one after the other, on one cold lab:
  clean     no shaping, no delay: the baseline (samples/s, in-session switch, CPU, RSS)
  2 %       1 Mbit/s, 150 ms RTT, 2 % loss: samples/s, switch median
  10 %      the same at 10 % loss for ``--lossy-minutes``: false LOW, samples/s
  outage    2 % loss, then every packet dropped for 30 s: how soon STALE/OFFLINE shows
  restart   2 % loss; OBS stopped and started again: how soon the probe is back after OBS
            answers again (``--restarts`` times)
The guard is on in this OBS with Zoom on program, so its cost on OBS's graphics thread is
read from OBS's log at the end (the guard writes it when it stops).

    flock /tmp/meetcast-heavy.lock .venv/bin/python bench/watch_link.py [--lossy-minutes 10]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time

from _common import ROOT, SIZE, add_show_scenes, start_stream, table

from meetcast.lab import Lab, ObsConfig
from meetcast.lab.media import process_cpu_seconds as cpu_seconds
from meetcast.lab.netns import NetNs
from meetcast.lab.procs import rss_mb
from meetcast.lab.relay import DelayRelay
from meetcast_core import names

DELAY_S = 0.075  # each way: 150 ms RTT
KBIT = 1000


def probe() -> None:
    """Inside the namespace: a Session printing every record line with its arrival time,
    switching scenes when told on stdin."""
    from meetcast.connection import Connection
    from meetcast.session import Session

    conn = Connection(os.environ["MEETCAST_HOST"], int(os.environ["MEETCAST_PORT"]),
                      os.environ.get("MEETCAST_PASSWORD", ""), timeout=3.0)
    out_lock = threading.Lock()

    def emit(obj: dict) -> None:
        with out_lock:
            print(json.dumps({**obj, "mono": time.monotonic()}), flush=True)

    s = Session(conn, {}, record=None).open()
    s.on_line.append(emit)
    s.start()
    for raw in sys.stdin:
        cmd, _, arg = raw.strip().partition(" ")
        if cmd == "switch":
            t0 = time.perf_counter()
            try:
                emit({"type": "probe", "switch_ms": (s.switch(arg) - t0) * 1000})
            except Exception as exc:  # the link may be down: a measurement, not a crash
                emit({"type": "probe", "switch_error": type(exc).__name__})
        elif cmd == "quit":
            break
    s.stop()


class Probe:
    def __init__(self, ns: NetNs, relay: DelayRelay, lab: Lab) -> None:
        env = {**os.environ, "MEETCAST_HOST": ns.host_addr, "MEETCAST_PORT": str(relay.port),
               "MEETCAST_PASSWORD": lab.ws_password,
               "PYTHONPATH": f"{ROOT / 'controller'}:{ROOT / 'obs_scripts'}"}
        self.proc = subprocess.Popen(ns.argv([sys.executable, __file__, "--probe"]), env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        self.lines: list[dict] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for raw in self.proc.stdout:
            with contextlib.suppress(ValueError):
                self.lines.append(json.loads(raw))

    def tell(self, text: str) -> None:
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def between(self, t0: float, t1: float) -> list[dict]:
        return [x for x in list(self.lines) if t0 <= x["mono"] < t1]

    def switches(self, n: int, gap: float = 1.5) -> list[float]:
        """n switches Zoom <-> Starting Soon; their confirm times in ms."""
        before = len([x for x in self.lines if x.get("type") == "probe"])
        for i in range(n):
            self.tell(f"switch {names.SCENE_STARTING if i % 2 == 0 else names.SCENE_ZOOM}")
            time.sleep(gap)
        self.tell(f"switch {names.SCENE_ZOOM}")
        time.sleep(gap)
        got = [x for x in self.lines if x.get("type") == "probe"][before:]
        return [x["switch_ms"] for x in got if "switch_ms" in x][:n]

    def stop(self) -> None:
        self.tell("quit")
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def fresh_rate(lines: list[dict], seconds: float) -> float:
    """Readings per second that arrived fresh (a STALE line a second is not a reading)."""
    return sum(1 for x in lines if x.get("type") == "sample" and x.get("health") != "STALE"
               and x.get("connected")) / seconds


def gaps(lines: list[dict]) -> float:
    t = [x["mono"] for x in lines if x.get("type") == "sample" and x.get("health") != "STALE"]
    return max((b - a for a, b in itertools.pairwise(t)), default=float("nan"))


def low_spells(lines: list[dict]) -> int:
    """How many times the health turned LOW (OBS's own uplink is fine: each is false)."""
    spells, prev = 0, None
    for x in lines:
        if x.get("type") != "sample" or x.get("health") == "STALE":
            continue
        if x["health"] == "LOW" and prev != "LOW":
            spells += 1
        prev = x["health"]
    return spells


def port_back(port: int, t_start: float, timeout: float = 90.0) -> float:
    """When OBS's websocket port accepts connections again (monotonic)."""
    while time.monotonic() - t_start < timeout:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return time.monotonic()
        except OSError:
            time.sleep(0.02)
    raise RuntimeError("OBS's websocket did not come back")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lossy-minutes", type=float, default=10)
    ap.add_argument("--restarts", type=int, default=3)
    ap.add_argument("--probe", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.probe:
        probe()
        return
    rows: list[list[object]] = []
    ns = NetNs().start()
    cfg = ObsConfig(video_kbps=1500, base_size=SIZE, output_size=SIZE,
                    script_settings={names.GUARD_SETTING: True})
    lab = Lab(cfg).start()
    relay = DelayRelay((ns.host_addr, 0), ("127.0.0.1", lab.ws_port), 0.0).start()
    probe_ = None
    try:
        add_show_scenes(lab)
        start_stream(lab)
        probe_ = Probe(ns, relay, lab)
        time.sleep(5)  # connected, rate window filled
        # clean
        t0, c0 = time.monotonic(), cpu_seconds(probe_.proc.pid)
        time.sleep(20)
        t1, c1 = time.monotonic(), cpu_seconds(probe_.proc.pid)
        clean_rate = fresh_rate(probe_.between(t0, t1), t1 - t0)
        clean_cpu = (c1 - c0) / (t1 - t0) * 100
        rss0 = rss_mb(probe_.proc.pid)
        clean_sw = probe_.switches(6)
        # 2 %
        relay.delay_s = DELAY_S
        ns.shape_both(KBIT)
        ns.loss(0.02)
        time.sleep(3)
        t0 = time.monotonic()
        time.sleep(40)
        t1 = time.monotonic()
        lines2 = probe_.between(t0, t1)
        rate2, gap2 = fresh_rate(lines2, t1 - t0), gaps(lines2)
        sw2 = probe_.switches(10)
        # 10 %
        ns.loss(0.10)
        t0 = time.monotonic()
        time.sleep(args.lossy_minutes * 60)
        t1 = time.monotonic()
        lines10 = probe_.between(t0, t1)
        rate10, gap10, low10 = fresh_rate(lines10, t1 - t0), gaps(lines10), low_spells(lines10)
        kb10 = [x["kbps"] for x in lines10 if x.get("type") == "sample" and x.get("kbps")]
        sw10 = probe_.switches(6)
        rss1 = rss_mb(probe_.proc.pid)
        # outage
        ns.loss(0.02)
        time.sleep(8)
        t_out = time.monotonic()
        ns.outage(True)
        time.sleep(30)
        ns.outage(False, loss=0.02)
        t_end = time.monotonic()
        time.sleep(10)
        after = probe_.between(t_out, t_end + 10)
        shown = next((x["mono"] for x in after if (x.get("type") == "sample" and x.get(
            "health") in ("STALE", "OFFLINE")) or x.get("kind") in ("stale", "lost")), None)
        fresh_again = next((x["mono"] for x in after if x["mono"] > t_end and x.get(
            "type") == "sample" and x.get("health") not in ("STALE", "OFFLINE")), None)
        # restarts
        backs = []
        for _ in range(args.restarts):
            lab.stop_obs()
            time.sleep(3)
            started = time.monotonic()
            waiter: list[float] = []
            th = threading.Thread(target=lambda w=waiter, s=started: w.append(
                port_back(lab.ws_port, s)))
            th.start()
            lab.start_obs()
            th.join()
            t_port = waiter[0]
            deadline = time.monotonic() + 20
            back = None
            while back is None and time.monotonic() < deadline:
                back = next((x["mono"] for x in probe_.between(t_port - 5, time.monotonic())
                             if x.get("kind") == "back"), None)
                time.sleep(0.1)
            backs.append(None if back is None else max(0.0, back - t_port))
            time.sleep(3)
        cpu_total = cpu_seconds(probe_.proc.pid)
    finally:
        if probe_ is not None:
            probe_.stop()
        relay.stop()
        report = lab.stop()
        ns.stop()
    guard = re.findall(r"guard: (\d+) picture reads in (\d+) s, graphics context held "
                       r"([\d.]+) ms in all \(([\d.]+) ms per second, at most ([\d.]+) ms",
                       report.log)
    med = statistics.median
    rows.append(["samples per second, clean link", "", f"{clean_rate:.2f}"])
    rows.append(["samples per second at 2 % loss", "≥ 3", f"{rate2:.2f} (longest gap "
                                                          f"{gap2:.2f} s)"])
    rows.append(["samples per second at 10 % loss", "", f"{rate10:.2f} (longest gap "
                                                        f"{gap10:.2f} s)"])
    rows.append(["median switch, clean link", "", f"{med(clean_sw):.0f} ms (n={len(clean_sw)})"
                 if clean_sw else "—"])
    rows.append(["median switch at 150 ms RTT, 2 % loss", "≤ 0.6 s",
                 f"{med(sw2) / 1000:.2f} s (max {max(sw2) / 1000:.2f}, n={len(sw2)})"
                 if sw2 else "—"])
    rows.append(["median switch at 150 ms RTT, 10 % loss", "",
                 f"{med(sw10) / 1000:.2f} s (max {max(sw10) / 1000:.2f}, n={len(sw10)})"
                 if sw10 else "—"])
    rows.append([f"false LOW over {args.lossy_minutes:g} min at 10 % loss", "0",
                 f"{low10} (bitrate min {min(kb10):.0f} kbps, median {med(kb10):.0f})"
                 if kb10 else f"{low10}"])
    rows.append(["STALE or OFFLINE shown after the outage starts", "≤ 1.5 s",
                 "never" if shown is None else f"{shown - t_out:.2f} s"])
    rows.append(["fresh figures after the outage ends", "",
                 "never" if fresh_again is None else f"{fresh_again - t_end:.2f} s"])
    rows.append(["reconnect after OBS is back (its port answers)", "≤ 2 s",
                 ", ".join("never" if b is None else f"{b:.2f} s" for b in backs)])
    rows.append(["watch CPU, clean link", "< 2 % of a core", f"{clean_cpu:.2f} %"])
    rows.append(["watch RSS", "flat, < 100 MB", f"{rss0:.1f} MB → {rss1:.1f} MB"])
    if guard:
        # the longest-lived guard (the first OBS, before the restarts): its steady state
        reads, secs, _total, per_s, most = max(guard, key=lambda g: int(g[1]))
        rows.append(["guard: graphics context held inside OBS", "< 0.1 ms per second",
                     f"{float(per_s):.4f} ms/s ({reads} reads in {secs} s, at most "
                     f"{float(most):.3f} ms at once)"])
    print(table(["goal", "target", "measured"], rows))
    print(f"\n(the probe's CPU over the whole run: {cpu_total:.1f} s)")


if __name__ == "__main__":
    main()
