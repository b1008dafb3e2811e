"""``meetcast watch`` against the real OBS: the record, the report, the dashboard's keys (Textual
pilot, headless), a wrong password, and OBS restarted under a running watch."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from meetcast.connection import Connection
from meetcast.dashboard import WatchApp
from meetcast.lab import Lab
from meetcast.session import Session
from meetcast.settings import WatchSettings
from meetcast_core.names import MIC_SOURCE

pytestmark = pytest.mark.obs


def set_streaming(lab: Lab, want: bool, timeout: float = 10) -> None:
    with lab.link() as link:
        if bool(link.call("GetStreamStatus")["outputActive"]) != want:
            link.call("StartStream" if want else "StopStream")
        deadline = time.monotonic() + timeout
        while bool(link.call("GetStreamStatus")["outputActive"]) != want:
            assert time.monotonic() < deadline
            time.sleep(0.1)


def test_watch_json_records_samples_and_scene_changes_and_report_draws_them(
        lab: Lab, run_meetcast, tmp_path: Path) -> None:
    record = tmp_path / "session.jsonl"
    with lab.link() as link:
        link.call("CreateScene", {"sceneName": "ctl-watch Other"})
    set_streaming(lab, True)
    try:
        def flip() -> None:
            time.sleep(2.5)
            with lab.link() as link:
                link.call("SetCurrentProgramScene", {"sceneName": "ctl-watch Other"})
        t = threading.Thread(target=flip)
        t.start()
        r = run_meetcast("watch", "--json", "--seconds", "5", "--record", str(record),
                         env=lab.env())
        t.join()
    finally:
        with lab.link() as link:
            link.call("SetCurrentProgramScene", {"sceneName": "Scene"})
            link.call("RemoveScene", {"sceneName": "ctl-watch Other"})
        set_streaming(lab, False)
    assert r.returncode == 0, r.stderr
    printed = [json.loads(x) for x in r.stdout.splitlines()]
    samples = [x for x in printed if x["type"] == "sample"]
    polls = 5 / WatchSettings().interval  # watch's own poll rate, for 5 s
    assert 0.7 * polls <= len(samples) <= polls + 2, len(samples)
    # the lab's OBS encodes x264 CBR at ObsConfig.video_kbps; the ingest gets about that,
    # once the first second (the rate window, which begins as the stream starts) has passed
    rates = [s["kbps"] for s in samples if s["kbps"] is not None and s["t"] >= 1.5]
    assert rates and all(0.5 * lab.cfg.video_kbps < k < 1.5 * lab.cfg.video_kbps
                         for k in rates), [(s["t"], s["kbps"]) for s in samples]
    assert all(set(s["drops"]) == {"network", "encoder", "render"} for s in samples)
    rec = [json.loads(x) for x in record.read_text().splitlines()]
    assert rec[0]["type"] == "session" and lab.ws_password not in record.read_text()
    assert len([x for x in rec if x["type"] == "sample"]) == len(samples)
    assert r.stdout.splitlines() == record.read_text().splitlines()  # one format
    assert all(x["v"] == 1 for x in rec)
    changes = [x for x in rec if x["type"] == "event" and x["kind"] == "scene"]
    assert [c["scene"] for c in changes] == ["Scene", "ctl-watch Other"]
    assert changes[1]["by"] == "obs" and changes[1]["from"] == "Scene"

    png = tmp_path / "out.png"
    r = run_meetcast("report", str(record), "-o", str(png), "--json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["samples"] == len(samples)
    assert [c["scene"] for c in summary["scene_changes"]] == ["Scene", "ctl-watch Other"]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


def wrong_password_env(lab: Lab, how: str) -> dict[str, str]:
    env = lab.env()
    if how == "password":
        env["MEETCAST_PASSWORD"] = "wrong-" + lab.ws_password[::-1]
    else:
        env.pop("MEETCAST_PASSWORD")
        env.pop("MEETCAST_HOST")
        env.pop("MEETCAST_PORT")
        env["MEETCAST_URL"] = f"obsws://127.0.0.1:{lab.ws_port}/wrong-{lab.ws_password[::-1]}"
    return env


@pytest.mark.parametrize("how", ["password", "url"])
@pytest.mark.parametrize("argv", [["watch", "--seconds", "3", "--no-record"],
                                  ["watch", "--json", "--seconds", "3", "--no-record"],
                                  ["switch", "1"], ["stream", "stop", "--yes"]])
def test_wrong_password_is_one_line_nonzero_and_never_printed(lab: Lab, run_meetcast,
                                                              argv: list[str], how: str) -> None:
    env = wrong_password_env(lab, how)
    wrong = env.get("MEETCAST_PASSWORD") or env["MEETCAST_URL"].rsplit("/", 1)[1]
    r = run_meetcast(*argv, env=env)
    assert r.returncode != 0
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "refused the password" in lines[0], r.stderr
    for secret in (wrong, lab.ws_password, lab.stream_key):
        assert secret not in r.stderr and secret not in r.stdout


async def drive(app: WatchApp, steps) -> None:
    async with app.run_test(size=(110, 32)) as pilot:
        await steps(pilot)


def wait_for(pred, timeout: float = 8.0) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


async def await_for(pilot, pred, timeout: float = 8.0) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.1)


def test_dashboard_keys_switch_mute_and_confirm_stop(lab: Lab, tmp_path: Path) -> None:
    with lab.link() as link:
        link.call("CreateScene", {"sceneName": "ctl-dash Two"})
        order = [s["sceneName"] for s in sorted(link.call("GetSceneList")["scenes"],
                                                key=lambda s: -s["sceneIndex"])]
        was_muted = link.call("GetInputMute", {"inputName": MIC_SOURCE})["inputMuted"]
    set_streaming(lab, True)
    record = tmp_path / "dash.jsonl"
    session = Session(lab.connection, {}, record=record).open()
    app = WatchApp(session, WatchSettings(cost_per_hour=3.6), seconds=0)

    def current() -> str:
        with lab.link() as link:
            return link.call("GetCurrentProgramScene")["currentProgramSceneName"]

    def live() -> bool:
        with lab.link() as link:
            return bool(link.call("GetStreamStatus")["outputActive"])

    def screen_text() -> str:
        return " ".join(str(w.render()) for w in app.query("Static"))

    async def steps(pilot) -> None:
        await await_for(pilot, lambda: app.shown is not None and app.shown.health.kbps)
        assert "OK" in screen_text() and "kbps" in screen_text()
        n = order.index("ctl-dash Two") + 1
        await pilot.press(str(n))
        await await_for(pilot, lambda: current() == "ctl-dash Two")
        await pilot.press("m")
        await await_for(pilot, lambda: app.shown.mic_muted is (not was_muted), 5)
        # stop asks; "n" keeps the stream
        await pilot.press("s")
        await pilot.pause(0.3)
        assert "Stop the live stream" in " ".join(
            str(w.render()) for w in app.screen.query("Static"))
        await pilot.press("n")
        await pilot.pause(1.0)
        assert live()
        await pilot.press("s")
        await pilot.pause(0.3)
        await pilot.press("y")
        await await_for(pilot, lambda: not live())
        await pilot.press("q")

    try:
        asyncio.run(drive(app, steps))
    finally:
        session.stop()
        with lab.link() as link:
            link.call("SetCurrentProgramScene", {"sceneName": "Scene"})
            link.call("RemoveScene", {"sceneName": "ctl-dash Two"})
            link.call("SetInputMute", {"inputName": MIC_SOURCE, "inputMuted": was_muted})
        set_streaming(lab, False)
    assert app.switch_ms and app.switch_ms[0] < 1000
    rec = [json.loads(x) for x in record.read_text().splitlines()]
    hand = [x for x in rec if x.get("kind") == "scene" and x["by"] == "hand"]
    assert [x["scene"] for x in hand] == ["ctl-dash Two"]


def test_obs_restarted_mid_watch_controller_reconnects_and_carries_on(
        lab_factory, tmp_path: Path) -> None:
    """The same lab restarts OBS under two watchers: the JSON CLI in a subprocess and the
    Textual dashboard in this process. Neither dies; both say so and go on sampling."""
    lab = lab_factory()
    set_streaming(lab, True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEETCAST_")}
    env.update(lab.env())
    proc = subprocess.Popen([sys.executable, "-m", "meetcast.cli", "watch", "--json",
                             "--seconds", "16", "--no-record"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    session = Session(lab.connection, {}, record=None).open()
    app = WatchApp(session, WatchSettings(), seconds=0)
    log_lines: list[str] = []

    async def steps(pilot) -> None:
        await await_for(pilot, lambda: app.shown is not None and app.shown.connected)
        await pilot.pause(2.5)
        # restart OBS (about 2-3 s away) while both watchers run
        await asyncio.get_running_loop().run_in_executor(None, lab.restart_obs)
        await asyncio.get_running_loop().run_in_executor(None, set_streaming, lab, True)
        await await_for(pilot, lambda: app.shown.connected and app.shown.sample.active, 20)
        await await_for(pilot, lambda: app.shown.health.kbps is not None, 10)
        log_lines.extend(str(line.text) for line in app.query_one("#log").lines)
        await pilot.press("q")

    try:
        asyncio.run(drive(app, steps))
    finally:
        session.stop()
    out, err = proc.communicate(timeout=30)
    set_streaming(lab, False)
    joined = "\n".join(log_lines)
    assert "lost OBS" in joined and "reconnected to OBS" in joined, joined
    assert proc.returncode == 0, err
    events = [json.loads(x) for x in out.splitlines()]
    kinds = [e.get("kind") for e in events if e["type"] == "event"]
    assert "lost" in kinds and "back" in kinds, kinds
    after = events[[e.get("kind") for e in events].index("back"):]
    samples_after = [e for e in after if e["type"] == "sample"]
    assert samples_after and all(s["connected"] for s in samples_after)
    assert any(s["kbps"] for s in samples_after), "no bitrate after the restart"
    offline = [e for e in events if e["type"] == "sample" and not e["connected"]]
    assert offline and all(s["health"] == "OFFLINE" for s in offline)
    assert "Traceback" not in err and lab.ws_password not in out + err


class BlipProxy:
    """A TCP relay in front of obs-websocket whose "network" can be cut: :meth:`cut` drops
    every open connection and refuses new ones until :meth:`restore`."""

    def __init__(self, target_port: int) -> None:
        import socket

        self.target = target_port
        self.srv = socket.create_server(("127.0.0.1", 0))
        self.port = self.srv.getsockname()[1]
        self.up = True
        self.conns: list = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import socket

        while True:
            try:
                client, _ = self.srv.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target))
            with self.lock:
                self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a, b) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.close()

    def cut(self) -> None:
        import socket

        self.up = False
        with self.lock:
            for s in self.conns:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
            self.conns.clear()

    def restore(self) -> None:
        self.up = True

    def close(self) -> None:
        self.cut()
        self.srv.close()


def test_network_blip_reconnects_and_carries_on(lab: Lab) -> None:
    proxy = BlipProxy(lab.ws_port)
    c = lab.connection
    conn = Connection(c.host, proxy.port, c.password, 2.0, "test")
    session = Session(conn, {}, interval=0.5).open()
    events: list = []
    session.on_event.append(events.append)
    session.start()
    try:
        wait_for(lambda: session.last is not None and session.last.connected)
        proxy.cut()
        wait_for(lambda: any(e.kind == "lost" for e in events))
        time.sleep(2)
        assert not session.last.connected and session.last.health.state == "OFFLINE"
        proxy.restore()
        wait_for(lambda: any(e.kind == "back" for e in events), 15)
        wait_for(lambda: session.last.connected and session.last.scene == "Scene")
        assert not session.stopped and session.fatal is None
    finally:
        session.stop()
        proxy.close()
    assert [e.kind for e in events if e.kind in ("lost", "back")] == ["lost", "back"]
