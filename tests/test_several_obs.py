"""Several OBS at once (issue 15, part 3) against two real lab OBS, main and backup: ``watch
--obs all --json`` reads both at the same rate, ``switch --obs all`` switches both, and
``stream stop --obs all`` asks once for the two."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_watch import set_streaming  # tests/ is on sys.path (conftest's folder)

from meetcast.lab import Lab
from meetcast.lab.checks import assert_clean_exit
from meetcast.session import POLL_INTERVAL

pytestmark = pytest.mark.obs


@pytest.fixture(scope="module")
def backup(lab: Lab, baseline_leaks: int) -> Iterator[Lab]:
    """A second OBS beside the shared lab: its own config dir, port, password, display."""
    other = lab.second("backup")
    try:
        yield other
    finally:
        report = other.stop()
    assert_clean_exit(report, baseline_leaks)


def obs_url(lab: Lab) -> str:
    return f"obsws://127.0.0.1:{lab.ws_port}/{lab.ws_password}"


@pytest.fixture
def two_obs_env(lab: Lab, backup: Lab, tmp_path: Path) -> dict[str, str]:
    """A config file naming the two, and nothing else: no MEETCAST_HOST/PORT/PASSWORD."""
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[obs.main]\nurl = "{obs_url(lab)}"\n\n'
                   f'[obs.backup]\nurl = "{obs_url(backup)}"\n')
    cfg.chmod(0o600)
    return {"MEETCAST_CONFIG": str(cfg), "XDG_STATE_HOME": str(tmp_path / "state")}


def program(lab: Lab) -> str:
    with lab.link() as link:
        return link.call("GetCurrentProgramScene")["currentProgramSceneName"]


def test_watch_obs_all_json_reads_both_at_the_same_rate(lab: Lab, backup: Lab, run_meetcast,
                                                        two_obs_env) -> None:
    seconds = 6.0
    r = run_meetcast("watch", "--obs", "all", "--json", "--no-record", "--seconds",
                     str(seconds), env=two_obs_env, timeout=60)
    assert r.returncode == 0, r.stderr
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert lab.ws_password not in r.stdout + r.stderr
    assert backup.ws_password not in r.stdout + r.stderr
    heads = {x["obs_name"]: x for x in lines if x["type"] == "session"}
    assert set(heads) == {"main", "backup"}
    assert heads["main"]["obs"] == f"127.0.0.1:{lab.ws_port}"
    assert heads["backup"]["obs"] == f"127.0.0.1:{backup.ws_port}"
    assert all(x["v"] == 2 and x["obs_name"] in heads for x in lines)
    samples = Counter(x["obs_name"] for x in lines if x["type"] == "sample")
    connected = Counter(x["obs_name"] for x in lines if x["type"] == "sample"
                        and x["connected"])
    expected = seconds / POLL_INTERVAL
    for name in ("main", "backup"):
        # each at the rate one OBS alone is polled (4 a second), within a poll or two
        assert samples[name] >= expected - 2, (name, samples)
        assert connected[name] == samples[name], (name, connected, samples)
    assert abs(samples["main"] - samples["backup"]) <= 2, samples


def test_switch_obs_all_switches_both(lab: Lab, backup: Lab, run_meetcast,
                                      two_obs_env) -> None:
    before = program(lab), program(backup)
    target = "BRB" if "BRB" not in before else "Ending"
    try:
        r = run_meetcast("switch", "--obs", "all", target, "--json", env=two_obs_env)
        assert r.returncode == 0, r.stderr
        out = json.loads(r.stdout)
        assert set(out) == {"main", "backup"}
        assert all(out[n]["scene"] == target and out[n]["changed"] for n in out), out
        assert program(lab) == target and program(backup) == target
        # one of them only
        r = run_meetcast("switch", "--obs", "backup", before[1], env=two_obs_env)
        assert r.returncode == 0, r.stderr
        assert r.stdout.startswith("backup: switched to "), r.stdout
        assert program(backup) == before[1] and program(lab) == target
        # a scene one OBS lacks: its line on stderr, exit 2, the other still done
        r = run_meetcast("switch", "--obs", "all", "No Such Scene", env=two_obs_env)
        assert r.returncode == 2 and r.stdout == "", (r.stdout, r.stderr)
        assert sorted(x.split(":")[1] for x in r.stderr.splitlines()) == \
            [" backup", " main"], r.stderr
    finally:
        for the_lab, scene in zip((lab, backup), before, strict=True):
            with the_lab.link() as link:
                link.call("SetCurrentProgramScene", {"sceneName": scene})


def run_on_a_terminal(args: list[str], env: dict[str, str], answer: str,
                      timeout: float = 60) -> tuple[int, str, str]:
    """Run meetcast with a terminal on stdin (so it may ask), answer once when asked, and
    return (exit code, stdout, stderr)."""
    master, slave = os.openpty()
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("MEETCAST_")}
    full_env.update(env)
    proc = subprocess.Popen([sys.executable, "-m", "meetcast.cli", *args], stdin=slave,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full_env)
    os.close(slave)
    out = b""
    deadline = time.monotonic() + timeout
    try:
        while b"[y/N]" not in out and proc.poll() is None:
            assert time.monotonic() < deadline, out
            ready, _, _ = select.select([proc.stdout], [], [], 0.2)
            if ready:
                out += os.read(proc.stdout.fileno(), 4096)
        os.write(master, answer.encode() + b"\n")
        rest, err = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, (out + rest).decode(), err.decode()


def test_stream_stop_obs_all_asks_once(lab: Lab, backup: Lab, two_obs_env) -> None:
    set_streaming(lab, True)
    set_streaming(backup, True)
    try:
        code, out, err = run_on_a_terminal(["stream", "stop", "--obs", "all"], two_obs_env,
                                           "y")
        assert code == 0, (out, err)
        assert out.count("[y/N]") == 1, out
        question = out.split("[y/N]")[0]
        assert "main at 127.0.0.1:" in question and "backup at 127.0.0.1:" in question
        assert "main: stream stopped" in out and "backup: stream stopped" in out, out
        with lab.link() as a, backup.link() as b:
            assert not a.call("GetStreamStatus")["outputActive"]
            assert not b.call("GetStreamStatus")["outputActive"]
    finally:
        set_streaming(lab, False)
        set_streaming(backup, False)


def test_watch_obs_all_plain_says_which_is_on_air(lab: Lab, backup: Lab, run_meetcast,
                                                  two_obs_env) -> None:
    set_streaming(lab, True)
    try:
        r = run_meetcast("watch", "--obs", "all", "--plain", "--no-record", "--seconds", "4",
                         env=two_obs_env, timeout=60)
    finally:
        set_streaming(lab, False)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    mains = [x for x in lines if x.startswith("main ")]
    backups = [x for x in lines if x.startswith("backup ")]
    assert len(mains) >= 3 and len(backups) >= 3, lines
    assert all(x.startswith("main (on air)  ") for x in mains[1:]), mains  # live after 1st
    assert all(x.startswith("backup  ") and "OFFLINE (not streaming)" in x for x in backups)


def test_web_obs_all_shows_both_and_a_scene_button_switches_both(lab: Lab, backup: Lab,
                                                                 two_obs_env) -> None:
    import asyncio

    from websockets.asyncio.client import connect

    from meetcast.lab.browser import WebProcess, tcp_established

    before = program(lab), program(backup)
    target = "BRB" if "BRB" not in before else "Ending"

    async def page(url: str) -> tuple[list[dict], dict]:
        got: list[dict] = []
        async with connect(url) as ws:
            # until the page shows both OBS read (as a person sees before pressing a button)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not any(
                    m["type"] == "fleet" and all(r["connected"] for r in m["obs"])
                    for m in got):
                got.append(json.loads(await asyncio.wait_for(ws.recv(), 5)))
            await ws.send(json.dumps({"id": 1, "do": "switch", "scene": target}))
            while True:
                m = json.loads(await asyncio.wait_for(ws.recv(), 10))
                got.append(m)
                if m["type"] == "done":
                    return got, m

    try:
        with WebProcess(two_obs_env, "--port", "0", "--obs", "all") as web:
            got, done = asyncio.run(page(web.url.replace("http://", "ws://") + "ws"))
            assert tcp_established(web.pid, lab.ws_port) == 1
            assert tcp_established(web.pid, backup.ws_port) == 1
            text = "".join(web.stdout) + "".join(web.stderr) + json.dumps(got)
        fleet = next(m for m in got if m["type"] == "fleet" and all(
            r["connected"] for r in m["obs"]))
        assert [r["name"] for r in fleet["obs"]] == ["main", "backup"]
        assert all(r["on_air"] is False for r in fleet["obs"])
        assert done["ok"], done
        assert done["text"] == f"main: “{target}” on program; backup: “{target}” on program"
        assert program(lab) == target and program(backup) == target
        assert lab.ws_password not in text and backup.ws_password not in text
    finally:
        for the_lab, scene in zip((lab, backup), before, strict=True):
            with the_lab.link() as link:
                link.call("SetCurrentProgramScene", {"sceneName": scene})


def test_dashboard_shows_both_side_by_side_and_a_key_switches_both(lab: Lab,
                                                                   backup: Lab) -> None:
    import asyncio
    from dataclasses import replace

    from test_watch import await_for, drive

    from meetcast.dashboard import WatchApp
    from meetcast.session import Session
    from meetcast.settings import WatchSettings

    before = program(lab), program(backup)
    target = "BRB" if "BRB" not in before else "Ending"
    set_streaming(lab, True)
    main = Session(replace(lab.connection, name="main"), {}).open()
    spare = Session(replace(backup.connection, name="backup"), {}).open()
    app = WatchApp(main, WatchSettings(), seconds=0, others=[spare])

    def strip() -> str:
        return str(app.query_one("#fleet").render())

    async def steps(pilot) -> None:
        await await_for(pilot, lambda: app.shown is not None and spare.last is not None
                        and "ON AIR" in strip())
        text = strip()
        assert text.index("main") < text.index("ON AIR") < text.index("backup"), text
        assert text.count("ON AIR") == 1  # main streams, backup does not
        n = app.shown.scenes.index(target) + 1
        await pilot.press(str(n))
        await await_for(pilot, lambda: program(lab) == target and program(backup) == target)
        await pilot.press("q")

    try:
        asyncio.run(drive(app, steps))
    finally:
        main.stop()
        spare.stop()
        set_streaming(lab, False)
        for the_lab, scene in zip((lab, backup), before, strict=True):
            with the_lab.link() as link:
                link.call("SetCurrentProgramScene", {"sceneName": scene})
