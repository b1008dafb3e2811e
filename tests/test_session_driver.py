"""The laptop's driver of the stream engine, against an obs-websocket stand-in and a clock
the test moves: one round trip a poll, reconnect within a second of OBS, STALE while a
reply hangs, auto-BRB never on stale data, a hand switch recorded once, the guard's sign,
the Zoom picture, and one record format for the file and ``watch --json``.

(What a real OBS does with all this: tests/test_watch.py and tests/test_guard_obs.py.)"""

from __future__ import annotations

import base64
import itertools
import json
import struct
from pathlib import Path

import pytest

from meetcast import session as sess
from meetcast.commands.watch import run_lines
from meetcast.connection import Connection
from meetcast.obslink import AuthFailed, NotConnected, Slow
from meetcast.screenshot import bmp_luma_span
from meetcast_core.names import MIC_SOURCE, SCENE_BRB, SCENE_STARTING, SCENE_ZOOM
from meetcast_core.stream import record
from meetcast_core.stream.backoff import MAX_DELAY

CONN = Connection("127.0.0.1", 1, "pw-never-shown")


def bmp(rgb: list[list[tuple[int, int, int]]]) -> bytes:
    """A 24-bit bottom-up BMP, as Qt writes them."""
    h, w = len(rgb), len(rgb[0])
    stride = (w * 3 + 3) & ~3
    rows = b"".join(bytes(c for px in row for c in (px[2], px[1], px[0])).ljust(stride, b"\0")
                    for row in reversed(rgb))
    head = struct.pack("<2sIHHI", b"BM", 54 + len(rows), 0, 0, 54)
    dib = struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, len(rows), 2835, 2835, 0, 0)
    return head + dib + rows


BLACK = bmp([[(0, 0, 0)] * 32 for _ in range(18)])
MEETING = bmp([[((x * 8) % 256, (y * 14) % 256, 90) for x in range(32)] for y in range(18)])


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeObs:
    """Just enough of obs-websocket: a stream whose bytes grow with OBS's own clock."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.kbps = 2500
        self.bytes = 0
        self.obs_ms = 0.0
        self._last = clock.now
        self.scene = SCENE_ZOOM
        self.up = True
        self.hang = False  # replies do not come back in time
        self.picture = MEETING
        self.hotkeys: list[str] = ["OBSBasic.StartStreaming"]
        self.marker: dict | None = None
        self.batches: list[list[str]] = []
        self.calls: list[str] = []
        self.during_switch = None  # called inside SetCurrentProgramScene (a racing poll)
        self.muted = False

    def link(self, conn: Connection) -> FakeLink:
        if not self.up:
            raise NotConnected("nothing is listening")
        return FakeLink(self)

    def advance(self) -> None:
        dt = self.clock.now - self._last
        self._last = self.clock.now
        self.obs_ms += dt * 1000
        self.bytes += int(self.kbps * 1000 / 8 * dt)

    def answer(self, request: str, data: dict | None) -> dict:
        if request == "GetStreamStatus":
            return {"outputActive": True, "outputBytes": self.bytes,
                    "outputDuration": self.obs_ms, "outputSkippedFrames": 0,
                    "outputCongestion": 0.0}
        if request == "GetStats":
            return {"cpuUsage": 5.0, "activeFps": 30.0}
        if request == "GetSceneList":
            return {"currentProgramSceneName": self.scene,
                    "scenes": [{"sceneName": n, "sceneIndex": i} for i, n in
                               enumerate([SCENE_BRB, SCENE_ZOOM, SCENE_STARTING])]}
        if request == "GetInputMute":
            return {"inputMuted": self.muted}
        if request == "GetSourceScreenshot":
            assert (data["imageWidth"], data["imageHeight"], data["imageFormat"]) == (32, 18,
                                                                                      "bmp")
            return {"imageData": "data:image/bmp;base64," +
                    base64.b64encode(self.picture).decode()}
        if request == "GetInputSettings":
            return {"inputSettings": {"text": "BRB", **({"meetcast_guard": self.marker}
                                                        if self.marker else {})}}
        if request == "GetHotkeyList":
            return {"hotkeys": self.hotkeys}
        raise AssertionError(request)


class FakeLink:
    def __init__(self, obs: FakeObs) -> None:
        self.obs = obs

    def batch(self, requests: list, timeout: float) -> list[dict]:
        o = self.obs
        if not o.up:
            raise NotConnected("lost the connection (ConnectionResetError)")
        if o.hang:
            o.clock.now += timeout
            raise Slow("no answer")
        o.advance()
        o.batches.append([r for r, _ in requests])
        return [{"requestType": r, "requestStatus": {"result": True, "code": 100},
                 "responseData": o.answer(r, d)} for r, d in requests]

    def call(self, request: str, data: dict | None = None) -> dict:
        o = self.obs
        if not o.up:
            raise NotConnected("lost the connection (ConnectionResetError)")
        o.calls.append(request)
        if request == "SetCurrentProgramScene":
            o.scene = data["sceneName"]
            if o.during_switch:
                o.during_switch()
        elif request == "SetInputMute":
            assert data["inputName"] == MIC_SOURCE
            o.muted = data["inputMuted"]
        return {}

    def close(self) -> None:
        pass


def make(tmp_path: Path, config: dict | None = None) -> tuple[sess.Session, FakeObs, Clock]:
    clock = Clock()
    obs = FakeObs(clock)
    s = sess.Session(CONN, config or {}, interval=0.25, record=tmp_path / "r.jsonl",
                     connect=obs.link, clock=clock, wall=lambda: 1.7e9 + clock.now)
    return s.open(), obs, clock


def run(s: sess.Session, clock: Clock, seconds: float, dt: float = 0.25) -> None:
    for _ in range(round(seconds / dt)):
        clock.now += dt
        s.poll()
        s.tick()


def lines(tmp_path: Path) -> list[dict]:
    return list(record.read((tmp_path / "r.jsonl").read_text().splitlines()))


def scene_events(tmp_path: Path) -> list[tuple[str, str]]:
    return [(x["scene"], x["by"]) for x in lines(tmp_path)
            if x["type"] == "event" and x["kind"] == "scene"]


def test_a_poll_is_one_round_trip_and_the_slow_items_come_once_a_second(tmp_path: Path
                                                                        ) -> None:
    s, obs, clock = make(tmp_path)
    run(s, clock, 4.0)
    assert len(obs.batches) == 16 and obs.calls == []  # one batch a poll, nothing else
    with_scenes = [b for b in obs.batches if "GetSceneList" in b]
    assert 4 <= len(with_scenes) <= 5
    assert all(b[:2] == ["GetStreamStatus", "GetStats"] for b in obs.batches)
    assert {"GetInputMute", "GetSourceScreenshot", "GetInputSettings"} <= set(with_scenes[0])
    assert sum("GetHotkeyList" in b for b in obs.batches) == 1  # every 5 s


def test_bitrate_is_over_obss_clock_not_the_laptops_arrival_times(tmp_path: Path) -> None:
    s, obs, clock = make(tmp_path)
    rates = []
    # Readings arrive 0.1-0.6 s apart (a jittery link) while OBS streams a steady 2500 kbps.
    for i in range(60):
        obs.advance()  # OBS's clock and bytes move on the real timeline...
        clock.now += 0.1 + 0.5 * ((i * 7) % 5) / 4
        # ...but the reading is answered as of an earlier moment: its figures lag.
        view = s.poll()
        if view.health.kbps is not None:
            rates.append(view.health.kbps)
    assert rates and min(rates) > 2400 and max(rates) < 2600, (min(rates), max(rates))


def test_stale_within_the_limit_while_a_reply_hangs_and_no_auto_brb_on_it(tmp_path: Path
                                                                          ) -> None:
    cfg = {"health": {"low_after": 0.5, "warmup": 0, "low_kbps": 1000},
           "auto_brb": {"enabled": True}}
    s, obs, clock = make(tmp_path, cfg)
    views = []
    s.on_view.append(views.append)
    run(s, clock, 3.0)
    assert s.last.state == "OK"
    obs.hang, hang_at = True, clock.now
    obs.kbps = 100  # what OBS would say now, if it could answer: LOW
    for _ in range(8):
        clock.now += 0.25
        s.tick()
    stale = [v for v in views if v.state == "STALE"]
    assert stale and stale[0].t + stale[0].age - (hang_at - s._t0) <= 1.5 + 0.25
    events = [x for x in lines(tmp_path) if x["type"] == "event"]
    assert "stale" in [e["kind"] for e in events]
    assert any(x["type"] == "sample" and x["health"] == "STALE" for x in lines(tmp_path))
    assert obs.scene == SCENE_ZOOM and obs.calls == []  # nothing acted on what is not known
    # A reply that finally comes back late is STALE on arrival: no switch either.
    obs.hang = False
    view = s._read(sess.Reading(sess.Sample.from_obs(clock.now - 2.0, {
        "outputActive": True, "outputBytes": obs.bytes, "outputDuration": obs.obs_ms},
        {}), scene=SCENE_ZOOM))
    assert view.state == "STALE" and obs.calls == []


def test_reconnects_within_a_second_of_obs_and_says_so(tmp_path: Path) -> None:
    s, obs, clock = make(tmp_path)
    events: list = []
    s.on_event.append(events.append)
    run(s, clock, 1.0)
    obs.up = False
    run(s, clock, 0.25)
    assert not s.connected and events[-1].kind == "lost"
    attempts: list[float] = []
    real = obs.link

    def counting(conn: Connection):
        attempts.append(clock.now)
        return real(conn)

    s._connect = counting
    run(s, clock, 20.0, dt=0.05)
    gaps = [b - a for a, b in itertools.pairwise(attempts)]
    assert max(gaps) <= MAX_DELAY + 0.06 and len(attempts) < 30  # no try on every poll
    obs.up, back_at = True, clock.now
    run(s, clock, 2.0, dt=0.05)
    back = [e for e in events if e.kind == "back"]
    assert s.connected and back and "reconnected" in back[-1].text
    assert attempts[-1] - back_at <= MAX_DELAY + 0.06
    rec = (tmp_path / "r.jsonl").read_text()
    assert "pw-never-shown" not in rec and '"kind":"lost"' in rec


def test_refused_password_on_reconnect_ends_the_session(tmp_path: Path) -> None:
    s, obs, clock = make(tmp_path)
    run(s, clock, 0.5)
    obs.up = False
    run(s, clock, 0.25)

    def refuse(conn: Connection):
        raise AuthFailed("OBS at 127.0.0.1:1 refused the password: check MEETCAST_PASSWORD")

    s._connect = refuse
    for _ in range(2):  # an OBS shutting down can drop a handshake: not fatal at once
        s._next_attempt = 0
        s.poll()
        assert not s.fatal and not s.stopped
    s._next_attempt = 0
    s.poll()
    assert s.fatal and "refused the password" in s.fatal and s.stopped


def test_auto_brb_switches_and_back_and_the_record_says_who(tmp_path: Path) -> None:
    cfg = {"health": {"low_after": 1, "ok_after": 1, "warmup": 0},
           "auto_brb": {"enabled": True}}
    s, obs, clock = make(tmp_path, cfg)
    run(s, clock, 5)
    assert obs.scene == SCENE_ZOOM
    obs.kbps = 500
    run(s, clock, 4)
    assert obs.scene == SCENE_BRB
    obs.kbps = 2500
    run(s, clock, 5)
    assert obs.scene == SCENE_ZOOM
    s.stop()
    assert scene_events(tmp_path) == [(SCENE_ZOOM, "obs"), (SCENE_BRB, "auto"),
                                      (SCENE_ZOOM, "auto")]


def test_a_hand_switch_racing_a_reading_is_recorded_once_as_hand(tmp_path: Path) -> None:
    s, obs, clock = make(tmp_path)
    run(s, clock, 1.5)
    # The poller reads the new scene after OBS switched but before the switch call returns.
    obs.during_switch = lambda: (setattr(s, "_slow_at", float("-inf")), s.poll())
    s.switch(SCENE_STARTING)
    obs.during_switch = None
    run(s, clock, 2)
    assert scene_events(tmp_path) == [(SCENE_ZOOM, "obs"), (SCENE_STARTING, "hand")]


def test_a_switch_in_obs_is_recorded_as_obs(tmp_path: Path) -> None:
    s, obs, clock = make(tmp_path)
    run(s, clock, 1.5)
    obs.scene = SCENE_STARTING
    run(s, clock, 1.5)
    assert scene_events(tmp_path)[-1] == (SCENE_STARTING, "obs")


def test_with_the_guard_on_auto_brb_stands_down_and_guard_switches_are_named(tmp_path: Path
                                                                              ) -> None:
    cfg = {"health": {"low_after": 1, "warmup": 0}, "auto_brb": {"enabled": True}}
    s, obs, clock = make(tmp_path, cfg)
    obs.hotkeys.append(sess.GUARD_HOTKEY)
    obs.marker = {"switches": 3, "scene": SCENE_ZOOM}
    run(s, clock, 5)
    assert s.last.guard_on
    obs.kbps = 400
    run(s, clock, 3)
    assert obs.scene == SCENE_ZOOM and obs.calls == []  # the laptop did not switch
    # The guard switches (inside OBS): counter up, then the scene.
    obs.marker = {"switches": 4, "scene": SCENE_BRB}
    obs.scene = SCENE_BRB
    run(s, clock, 1.5)
    kinds = [(x["kind"], x.get("on")) for x in lines(tmp_path) if x["type"] == "event"]
    assert ("guard", True) in kinds and ("auto", None) in kinds
    assert scene_events(tmp_path)[-1] == (SCENE_BRB, "guard")


def test_the_zoom_picture_lost_and_back_moves_brb_only_from_zoom(tmp_path: Path) -> None:
    s, obs, clock = make(tmp_path, {"auto_brb": {"enabled": True}})
    run(s, clock, 3)
    obs.picture, lost_at = BLACK, clock.now
    run(s, clock, 4)
    assert obs.scene == SCENE_BRB
    pics = [x for x in lines(tmp_path) if x["type"] == "event" and x["kind"] == "picture"]
    assert pics and pics[0]["lost"] is True
    assert "no picture" in s.last.picture.text(clock.now - s._t0)
    first_switch = next(x["t"] for x in lines(tmp_path) if x.get("kind") == "scene"
                        and x.get("scene") == SCENE_BRB)
    assert first_switch - (lost_at - s._t0) <= 3.25
    obs.picture = MEETING
    run(s, clock, 4)
    assert obs.scene == SCENE_ZOOM
    # From a scene that does not show Zoom, a black capture moves nothing.
    s.switch(SCENE_STARTING)
    obs.picture = BLACK
    run(s, clock, 5)
    assert obs.scene == SCENE_STARTING


def test_mute_is_in_the_record(tmp_path: Path) -> None:
    s, _obs, clock = make(tmp_path)
    run(s, clock, 1)
    s.set_mute(True)
    run(s, clock, 1.25)
    s.set_mute(False)
    mutes = [(x["muted"], x["by"]) for x in lines(tmp_path) if x.get("kind") == "mute"]
    assert mutes == [(True, "hand"), (False, "hand")]
    assert any(x["type"] == "sample" and x["mic_muted"] is True for x in lines(tmp_path))


def test_a_listener_that_raises_does_not_stop_the_poller(tmp_path: Path) -> None:
    s, obs, clock = make(tmp_path)

    def boom(ev: object) -> None:
        raise RuntimeError("listener bug")

    s.on_event.append(boom)
    s.on_view.append(boom)
    run(s, clock, 2)
    assert s.last is not None and s.last.connected and len(obs.batches) == 8


@pytest.mark.parametrize("as_json", [False, True])
def test_watch_lines_and_json_is_the_record(tmp_path: Path, capsys, as_json: bool) -> None:
    import time

    obs_clock = Clock()
    obs = FakeObs(obs_clock)
    s = sess.Session(CONN, {}, interval=0.1, record=tmp_path / "r.jsonl", connect=obs.link)
    obs_clock.now = time.monotonic()
    s.open()
    s.on_view.append(lambda v: setattr(obs, "scene", SCENE_BRB) if v.t > 0.5 else None)
    s.on_view.append(lambda v: setattr(obs_clock, "now", time.monotonic()))
    assert run_lines(s, 2.0, as_json) == 0
    out = capsys.readouterr().out.splitlines()
    if as_json:
        assert out == (tmp_path / "r.jsonl").read_text().splitlines()
        got = [json.loads(x) for x in out]
        assert got[0]["type"] == "session" and all(x["v"] == record.PLAIN for x in got)
        assert sum(x["type"] == "sample" for x in got) == len(obs.batches)
    else:
        assert len(obs.batches) >= 12 and 2 <= len(out) <= 4, out
        assert any("“BRB”" in x for x in out)


def test_bmp_reader_tells_flat_from_a_picture() -> None:
    assert bmp_luma_span(BLACK) == 0
    assert bmp_luma_span(MEETING) > 100
    with pytest.raises(ValueError):
        bmp_luma_span(b"\x89PNG....")
