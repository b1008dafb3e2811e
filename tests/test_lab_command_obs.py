"""``meetcast lab`` as a first-time user runs it (issue 14): the settings at the fixed place
the README names while it runs, and gone (said so) when it ends; meetcast's four scenes and
no OBS default "Scene", so BRB is 3 as docs/scenes.md shows; the Zoom scene showing the
stand-in meeting window, not OBS filming itself; and an OBS that dies noticed at once, in one
clear line, instead of a lab that waits forever."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import LAB_ENV

from meetcast.connection import Connection
from meetcast.lab.picture import close, screenshot
from meetcast.lab.standin import PATTERN
from meetcast.obslink import ObsLink
from meetcast_core.names import SCENE_BRB, SCENE_ZOOM, SHOW_SCENES

pytestmark = pytest.mark.obs


def env_file_values(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        key, _, value = line.removeprefix("export ").partition("=")
        out[key] = value.strip("'")
    return out


def descendants(pid: int) -> list[int]:
    """Every process started (directly or not) by ``pid``: only what this test started."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def obs_pid(lab_pid: int) -> int | None:
    for pid in descendants(lab_pid):
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == "obs":
                return pid
        except OSError:
            continue
    return None


def test_lab_command_first_day(tmp_path: Path) -> None:
    state = tmp_path / "state"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEETCAST_") or k in LAB_ENV}
    env.update({"XDG_STATE_HOME": str(state), "XDG_CONFIG_HOME": str(tmp_path / "cfg")})
    lab = subprocess.Popen([sys.executable, "-m", "meetcast.cli", "lab", "--seconds", "120"],
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stable = state / "meetcast" / "lab.env"
    try:
        deadline = time.monotonic() + 90
        while not stable.exists():
            assert lab.poll() is None, lab.communicate()
            assert time.monotonic() < deadline, "no lab.env at the documented place"
            time.sleep(0.2)
        assert stable.stat().st_mode & 0o077 == 0
        values = env_file_values(stable)
        run_env = {**env, **values}
        r = subprocess.run([sys.executable, "-m", "meetcast.cli", "scenes", "--json"],
                           env=run_env, capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        listed = json.loads(r.stdout)
        assert [s["name"] for s in listed] == list(SHOW_SCENES)  # no "Scene" at 1
        assert next(s["number"] for s in listed if s["name"] == SCENE_BRB) == 3

        conn = Connection("127.0.0.1", int(values["MEETCAST_PORT"]),
                          values["MEETCAST_PASSWORD"], 5.0)
        spots = ((0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75))
        with ObsLink(conn) as link:
            link.call("SetCurrentProgramScene", {"sceneName": SCENE_ZOOM})
            deadline = time.monotonic() + 10
            while True:  # a capture updates only while shown: give it a moment
                pic = screenshot(link, SCENE_ZOOM, 640, 360)
                seen = [pic.rgb_at(x, y) for x, y in spots]
                if all(close(a, b) for a, b in zip(seen, PATTERN, strict=True)):
                    break
                assert time.monotonic() < deadline, f"the Zoom scene shows {seen}"
                time.sleep(0.3)

        pid = obs_pid(lab.pid)
        assert pid is not None, "the lab's OBS is not a child of meetcast lab"
        killed = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        out, err = lab.communicate(timeout=60)
        noticed = time.monotonic() - killed
    finally:
        if lab.poll() is None:
            lab.send_signal(signal.SIGINT)
            lab.communicate(timeout=60)
    assert lab.returncode == 1, (out, err)
    assert "meetcast: lab: the lab's OBS stopped on its own (killed by signal 9)" in err
    assert "Traceback" not in err
    assert noticed < 30, noticed
    assert not stable.exists() and f"{stable} removed" in out
    assert f"in another terminal: source {stable} && meetcast status" in out


def test_lab_demo_streams_and_shows_the_live_view(tmp_path: Path) -> None:
    """`meetcast lab --demo` (what scripts/demo.sh runs), its output not a terminal: no
    prompt, the live view's plain lines from meetcast's opening scene, the hint at the top."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEETCAST_") or k in LAB_ENV}
    env.update({"XDG_STATE_HOME": str(tmp_path / "state"),
                "XDG_CONFIG_HOME": str(tmp_path / "cfg")})
    r = subprocess.run([sys.executable, "-m", "meetcast.cli", "lab", "--demo", "--seconds", "8"],
                       env=env, capture_output=True, text=True, timeout=120,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout.splitlines()
    hint = next(i for i, x in enumerate(out) if x.startswith("in another terminal: source "))
    live = [x for x in out[hint:] if " OK " in x and "kbps" in x]
    assert live and all("scene “Starting Soon”" in x for x in live), out
    assert "press Enter" not in r.stdout
    # The record it wrote, as the organiser would use it afterwards.
    records = sorted((tmp_path / "state" / "meetcast" / "sessions").glob("*.jsonl"))
    assert len(records) == 1
    r = subprocess.run([sys.executable, "-m", "meetcast.cli", "report", str(records[0]),
                        "--chapters"], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout == "0:00 Starting Soon\n", r.stdout + r.stderr
    assert "at least 3" in r.stderr
