"""Session, settings and report logic that needs no OBS: reconnect with backoff, a refused
password ends the session, auto-BRB inside the poller, bad records and bad settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from meetcast import session as sess
from meetcast.commands.watch import run_lines
from meetcast.connection import ConfigError, Connection
from meetcast.obslink import AuthFailed, NotConnected
from meetcast.settings import watch_settings
from meetcast_core.names import SCENE_BRB, SCENE_ZOOM

CONN = Connection("127.0.0.1", 1, "pw-never-shown")


class FakeObs:
    """Just enough of obs-websocket for the poller: a stream whose bytes grow per call."""

    def __init__(self) -> None:
        self.bytes = 0
        self.kbps = 2500
        self.scene = SCENE_ZOOM
        self.up = True
        self.requests: list[str] = []

    def link(self, conn: Connection) -> FakeLink:
        if not self.up:
            raise NotConnected("nothing is listening")
        return FakeLink(self)


class FakeLink:
    def __init__(self, obs: FakeObs) -> None:
        self.obs = obs

    def call(self, request: str, data: dict | None = None) -> dict:
        o = self.obs
        if not o.up:
            raise NotConnected("lost the connection (ConnectionResetError)")
        o.requests.append(request)
        if request == "GetStreamStatus":
            o.bytes += o.kbps * 1000 // 8 // 10  # 0.1 s of stream per poll (interval 0.1)
            return {"outputActive": True, "outputBytes": o.bytes, "outputSkippedFrames": 0,
                    "outputCongestion": 0.0}
        if request == "GetStats":
            return {"cpuUsage": 5.0, "activeFps": 30.0}
        if request == "GetSceneList":
            return {"currentProgramSceneName": o.scene,
                    "scenes": [{"sceneName": SCENE_BRB, "sceneIndex": 0},
                               {"sceneName": SCENE_ZOOM, "sceneIndex": 1}]}
        if request == "SetCurrentProgramScene":
            o.scene = data["sceneName"]
        return {}

    def close(self) -> None:
        pass


def make(obs: FakeObs, tmp_path: Path, config: dict | None = None) -> sess.Session:
    s = sess.Session(CONN, config or {}, interval=0.1, record=tmp_path / "r.jsonl",
                     connect=obs.link)
    return s.open()


def test_reconnects_with_backoff_and_says_so(tmp_path: Path, monkeypatch) -> None:
    obs = FakeObs()
    s = make(obs, tmp_path)
    events: list[sess.Event] = []
    s.on_event.append(events.append)
    clock = [1000.0]
    monkeypatch.setattr(sess.time, "monotonic", lambda: clock[0])
    assert s.poll().connected
    obs.up = False
    snap = s.poll()
    assert not snap.connected and snap.health.state == "OFFLINE"
    assert [e.kind for e in events][-1] == "lost"
    attempts: list[float] = []
    real_link = obs.link

    def counting(conn: Connection):
        attempts.append(clock[0])
        return real_link(conn)

    s._connect = counting
    lost_at = clock[0]
    for _ in range(16):  # 16 polls 0.5 s apart while OBS is down
        clock[0] += 0.5
        s.poll()
    # backoff: 0.5 s, then 1, 2, 4 s between tries, not one try per poll
    assert [a - lost_at for a in attempts] == [0.5, 1.5, 3.5, 7.5]
    obs.up = True
    for _ in range(20):
        clock[0] += 0.5
        if s.poll().connected:
            break
    assert s.connected and [e.kind for e in events][-1] == "back"
    assert "reconnected" in events[-1].text
    s.stop()
    rec = (tmp_path / "r.jsonl").read_text()
    assert "pw-never-shown" not in rec and '"kind":"lost"' in rec


def test_refused_password_on_reconnect_ends_the_session(tmp_path: Path) -> None:
    obs = FakeObs()
    s = make(obs, tmp_path)
    s.poll()
    obs.up = False
    s.poll()

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


def test_auto_brb_in_the_poller_switches_and_records_it(tmp_path: Path, monkeypatch) -> None:
    obs = FakeObs()
    cfg = {"health": {"low_after": 1, "ok_after": 1, "warmup": 0},
           "auto_brb": {"enabled": True}}
    s = make(obs, tmp_path, cfg)
    clock = [0.0]
    monkeypatch.setattr(sess.time, "monotonic", lambda: clock[0])

    def tick(n: int) -> None:
        for _ in range(n):
            clock[0] += 0.1
            s.poll()

    tick(20)
    assert obs.scene == SCENE_ZOOM
    obs.kbps = 500
    tick(15)
    assert obs.scene == SCENE_BRB
    obs.kbps = 2500
    tick(20)
    assert obs.scene == SCENE_ZOOM
    s.stop()
    rec = [json.loads(x) for x in (tmp_path / "r.jsonl").read_text().splitlines()]
    scenes = [(x["scene"], x["by"]) for x in rec if x["type"] == "scene"]
    assert scenes == [(SCENE_ZOOM, "obs"), (SCENE_BRB, "auto"), (SCENE_ZOOM, "auto")]


def test_a_listener_that_raises_does_not_stop_the_poller(tmp_path: Path) -> None:
    s = make(FakeObs(), tmp_path)

    def boom(ev: sess.Event) -> None:
        raise RuntimeError("listener bug")

    s.on_event.append(boom)
    s.start(seconds=0.35)
    s._thread.join(5)
    assert s.last is not None and s.last.connected
    s.stop()


@pytest.mark.parametrize("as_json", [False, True])
def test_plain_watch_prints_a_line_a_second_json_every_sample(tmp_path: Path, capsys,
                                                              as_json: bool) -> None:
    obs = FakeObs()
    s = make(obs, tmp_path)
    s.on_snapshot.append(lambda snap: setattr(obs, "scene", SCENE_BRB) if snap.t > 0.5
                         else None)
    assert run_lines(s, 2.0, as_json) == 0
    out = capsys.readouterr().out.splitlines()
    polled = len([r for r in obs.requests if r == "GetStreamStatus"])
    # the scene list is asked for once a second, not at every poll (10 a second here)
    assert len([r for r in obs.requests if r == "GetSceneList"]) <= 3
    if as_json:
        assert len(out) == polled + 2  # every sample, plus the two scene events (first, BRB)
    else:
        # 20 polls in 2 s: a line a second (the scene change, asked for once a second,
        # may come with one of them or on a line of its own)
        assert polled >= 15 and 2 <= len(out) <= 4, out
        assert any("“BRB”" in x for x in out)


@pytest.mark.parametrize("cfg,match", [
    ({"watch": {"cost_per_hour": -1}}, "cost_per_hour"),
    ({"watch": {"costs": 1}}, "unknown key"),
    ({"health": {"low_after": "soon"}}, r"\[health\] low_after"),
    ({"auto_brb": {"enabled": 1}}, "true or false"),
])
def test_bad_settings_are_one_line_config_errors(cfg: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match) as exc:
        watch_settings(cfg)
    assert "\n" not in str(exc.value)


def test_settings_values() -> None:
    s = watch_settings({"watch": {"cost_per_hour": 1.25, "currency": "€"}})
    assert (s.cost_per_hour, s.currency, s.interval) == (1.25, "€", 0.25)
    assert watch_settings({"watch": {"interval": 1}}).interval == 1.0


def test_report_rejects_what_is_not_a_record(tmp_path: Path, run_meetcast) -> None:
    bad = tmp_path / "notes.jsonl"
    bad.write_text("hello\nworld\n")
    r = run_meetcast("report", str(bad))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.stderr
    r = run_meetcast("report", str(tmp_path / "missing.jsonl"))
    assert r.returncode == 2 and "cannot read" in r.stderr


def test_report_of_a_torn_record_skips_the_last_line(tmp_path: Path, run_meetcast) -> None:
    lines = [{"type": "session", "t": 0}]
    for i in range(30):
        state = "LOW" if 10 <= i < 15 else "OK"
        lines.append({"type": "sample", "t": float(i), "kbps": 900.0 if state == "LOW" else 2500,
                      "state": state, "drops": {"network": 3 if state == "LOW" else 0,
                                                "encoder": 0, "render": 0},
                      "totals": {"network": 15, "encoder": 0, "render": 0},
                      "congestion": 0.6 if state == "LOW" else 0.0})
    lines.insert(12, {"type": "scene", "t": 11.0, "scene": "BRB", "by": "auto"})
    rec = tmp_path / "s.jsonl"
    rec.write_text("\n".join(json.dumps(x) for x in lines) + '\n{"type": "sam')
    r = run_meetcast("report", str(rec), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["samples"] == 30 and out["dropped"]["network"] == 15
    assert out["seconds_by_state"] == {"LOW": 5.0, "OK": 25.0}
    assert out["kbps"]["p50"] == 2500.0
    assert Path(out["png"]).read_bytes()[:4] == b"\x89PNG"


class _Tty:
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("answer,expected", [("y", True), ("YES", True), ("", False),
                                             ("n", False), (EOFError, False)])
def test_stop_confirmation_on_a_terminal(monkeypatch, answer, expected) -> None:
    from meetcast.commands import stream

    def fake_input(prompt: str) -> str:
        assert "[y/N]" in prompt
        if answer is EOFError:
            raise EOFError
        return answer

    monkeypatch.setattr(stream.sys, "stdin", _Tty())
    monkeypatch.setattr("builtins.input", fake_input)
    assert stream.confirm("Stop?") is expected


def test_no_terminal_means_no_answer(monkeypatch) -> None:
    import io

    from meetcast.commands import stream

    monkeypatch.setattr(stream.sys, "stdin", io.StringIO("y\n"))
    assert stream.confirm("Stop?") is None
