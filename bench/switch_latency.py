"""(c) How long a scene switch takes: ``meetcast switch`` from a cold start, a number key in
``meetcast watch`` (its poller running), and the same request through a bare obsws-python
``ReqClient`` on the same OBS. Goal: in-session switch within 1.2× the bare call.

"cold" is measured twice: the whole command as a user runs it (interpreter start, import,
connect, switch, exit) and the switch request inside it (the ``seconds`` in ``--json``).
The watch figure runs from the key's action to OBS confirming the request; bare, watch and
Session calls are interleaved turn by turn so that they see the same load.

    flock /tmp/meetcast-heavy.lock python bench/switch_latency.py [--n 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import time

from _common import ROOT, SIZE, add_show_scenes, med, pct, start_stream, stop_stream, table

import meetcast.obslink  # noqa: F401  (silences obsws-python's logger: it logs the password)
from meetcast.dashboard import WatchApp
from meetcast.lab import Lab, ObsConfig
from meetcast.session import Session
from meetcast.settings import WatchSettings
from meetcast_core.names import SCENE_BRB, SCENE_ZOOM
from meetcast_core.scene_list import dock_order


def bare_client(lab: Lab):
    import obsws_python as obsws

    return obsws.ReqClient(host="127.0.0.1", port=lab.ws_port, password=lab.ws_password,
                           timeout=5)


def bare_alone(lab: Lab, n: int) -> list[float]:
    client = bare_client(lab)
    out = []
    for i in range(n):
        out.append(timed_bare(client, SCENE_BRB if i % 2 == 0 else SCENE_ZOOM))
        time.sleep(random.uniform(0.2, 0.6))
    client.disconnect()
    return out


def timed_bare(client, scene: str) -> float:
    t0 = time.perf_counter()
    client.set_current_program_scene(scene)
    return (time.perf_counter() - t0) * 1000


def cold(lab: Lab, n: int) -> tuple[list[float], list[float]]:
    env = {**os.environ, **lab.env(),
           "PYTHONPATH": f"{ROOT / 'controller'}:{ROOT / 'obs_scripts'}"}
    wall, inner = [], []
    for i in range(n):
        scene = SCENE_BRB if i % 2 == 0 else SCENE_ZOOM
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "meetcast.cli", "switch", scene, "--json"],
                           env=env, capture_output=True, text=True, check=True)
        wall.append((time.perf_counter() - t0) * 1000)
        inner.append(json.loads(r.stdout)["seconds"] * 1000)
        time.sleep(random.uniform(0.2, 0.6))
    return wall, inner


def in_watch_beside_bare(lab: Lab, n: int) -> tuple[list[float], list[float], list[float]]:
    """One loop, turn by turn on the same OBS at the same time: a bare obsws-python call, a
    number key in the running dashboard, and Session.switch on the dashboard's own session
    (the poller running, no UI). Interleaving keeps the machine's load the same for all."""
    with lab.link() as link:
        order = dock_order(link.call("GetSceneList"))
    keys = {SCENE_BRB: str(order.index(SCENE_BRB) + 1),
            SCENE_ZOOM: str(order.index(SCENE_ZOOM) + 1)}
    session = Session(lab.connection, {}, interval=WatchSettings().interval).open()
    app = WatchApp(session, WatchSettings(), seconds=0)
    client = bare_client(lab)
    bare: list[float] = []
    plain: list[float] = []
    scenes = [SCENE_BRB, SCENE_ZOOM]

    async def go() -> None:
        async with app.run_test(size=(110, 32)) as pilot:
            while app.shown is None:
                await pilot.pause(0.1)
            k = 0
            for _ in range(n):
                bare.append(timed_bare(client, scenes[k % 2]))
                k += 1
                await pilot.pause(random.uniform(0.2, 0.6))
                before = len(app.switch_ms)
                await pilot.press(keys[scenes[k % 2]])
                k += 1
                while len(app.switch_ms) == before:
                    await pilot.pause(0.01)
                await pilot.pause(random.uniform(0.2, 0.6))
                t0 = time.perf_counter()
                confirmed = session.switch(scenes[k % 2])
                plain.append((confirmed - t0) * 1000)
                k += 1
                await pilot.pause(random.uniform(0.2, 0.6))
            await pilot.press("q")

    asyncio.run(go())
    session.stop()
    client.disconnect()
    return bare, list(app.switch_ms), plain


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=30)
    args = ap.parse_args()
    with Lab(ObsConfig(video_kbps=2500, base_size=SIZE, output_size=SIZE)) as lab:
        add_show_scenes(lab)
        start_stream(lab)
        alone = bare_alone(lab, args.n)
        bare, watch, plain = in_watch_beside_bare(lab, args.n)
        wall, inner = cold(lab, args.n)
        alone_after = bare_alone(lab, args.n)  # same block again: how much time alone moves it
        results = {"bare obsws-python call, alone (no watch running), first": alone,
                   "bare obsws-python call, alone, again at the end": alone_after,
                   "bare obsws-python call, beside the running watch": bare}
        results["meetcast switch, cold: whole command"] = wall
        results["meetcast switch, cold: the request inside it"] = inner
        results["Session.switch, poller running (no UI)"] = plain
        results["meetcast watch: number key → OBS confirmed"] = watch
        stop_stream(lab)
    # the strictest (fastest) bare median is the yardstick
    base = min(med(alone), med(alone_after), med(bare))
    rows = [[name, len(v), f"{med(v):.2f}", f"{pct(v, 90):.2f}", f"{max(v):.2f}",
             f"{med(v) / base:.2f}×"] for name, v in results.items()]
    print(f"(c) scene switch latency, ms (OBS streaming x264 {SIZE[0]}x{SIZE[1]}, loopback, "
          f"Cut transition; n per row)")
    print(table(["how", "n", "median", "p90", "max", "× best bare median"], rows))
    ratio = med(results["meetcast watch: number key → OBS confirmed"]) / base
    side = med(results["meetcast watch: number key → OBS confirmed"]) / med(bare)
    print(f"in-watch / fastest bare = {ratio:.2f}× (goal ≤ 1.2×): "
          f"{'met' if ratio <= 1.2 else 'NOT met'}; in-watch / the bare call interleaved with "
          f"it = {side:.2f}×")


if __name__ == "__main__":
    main()
