"""``meetcast lab``: a real headless OBS with meetcast's script and a local RTMP ingest.

For trying meetcast without a cloud desktop, and for demos. The lab's password is random and
written only to a 0600 env file, never printed.

What a first-time user sees, and why (issue 14):
- OBS opens meetcast's own four scenes and nothing else, so the dock's numbers are the ones
  docs/scenes.md shows (BRB is 3), not OBS's default "Scene" at 1.
- A stand-in for the Zoom meeting window covers the lab's screen (the capture there is the
  whole screen: Xvfb has no XComposite), so the Zoom scene shows a meeting, not OBS filming
  its own window.
- The env file is also at a fixed place, ``~/.local/state/meetcast/lab.env``, which the
  README names: the hint printed before the dashboard is hidden by it. On a terminal the demo
  waits for Enter before it opens the dashboard. When the lab ends the file goes with it (it
  would point at an OBS that is gone), and the last line says so.
- If the lab's OBS dies, the lab says so at once (exit code or signal, the log kept), instead
  of a live view that reconnects forever.
"""

from __future__ import annotations

import _thread
import argparse
import os
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from meetcast_core.names import SCENE_STARTING, SHOW_SCENES

if TYPE_CHECKING:
    from ..lab import Lab

DEATH_POLL_S = 0.5


def register(sub: argparse._SubParsersAction, conn: argparse.ArgumentParser) -> None:
    p = sub.add_parser("lab", help="run a headless OBS + RTMP ingest on this Linux machine")
    p.add_argument("--demo", action="store_true",
                   help="start streaming to the local ingest and show the live view")
    p.add_argument("--seconds", type=float, default=0,
                   help="stop by itself after this many seconds (default: until Ctrl-C)")
    p.add_argument("--keep", action="store_true", help="keep the lab's directory (logs) after")
    p.set_defaults(func=run)


def stable_env_path() -> Path:
    """Where the running lab's settings also are, whatever its temporary directory."""
    from ..settings import state_dir

    return state_dir() / "lab.env"


def write_env_file(lab: Lab, path: Path | None = None) -> Path:
    """The lab's connection settings, readable by this user only, for ``source``."""
    path = path or lab.dir / "lab.env"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        for key, value in lab.env().items():
            fh.write(f"export {key}='{value}'\n")
    return path


def remove_if_ours(path: Path, lab: Lab) -> bool:
    """Remove the stable env file if it still describes this lab (another lab may have
    started since and written its own)."""
    try:
        if f"MEETCAST_PORT='{lab.ws_port}'" in path.read_text():
            path.unlink()
            return True
    except OSError:
        pass
    return False


class ObsWatchdog:
    """Notices the lab's OBS exiting on its own: records how, and interrupts the main thread
    (the live view, or the wait) so the lab can say so instead of reconnecting forever."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.died: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lab-obs-watchdog", daemon=True)

    def start(self) -> ObsWatchdog:
        self._thread.start()
        return self

    def _run(self) -> None:
        obs = self.lab.obs
        while not self._stop.wait(DEATH_POLL_S):
            if obs is None or obs.proc is None or obs.proc.poll() is None:
                continue
            code = obs.proc.returncode
            how = f"killed by signal {-code}" if code < 0 else f"exit code {code}"
            self.died = f"the lab's OBS stopped on its own ({how})"
            _thread.interrupt_main()
            return

    def stop(self) -> None:
        self._stop.set()


def run(args: argparse.Namespace) -> int:
    from ..lab import Lab, LabError, ObsConfig  # the lab's modules load only for the lab
    from ..lab.standin import StandInWindow

    print("starting the lab: Xvfb, PulseAudio, nginx-rtmp, OBS …", flush=True)
    try:
        # Lab.start fails (LabError) when OBS did not load meetcast's script: a lab without
        # it would look up and prove nothing.
        lab = Lab(ObsConfig(scenes=SHOW_SCENES), keep=args.keep).start()
    except LabError as exc:
        print(f"meetcast: lab: {exc}", file=sys.stderr)
        return 1
    meeting = None
    watchdog = ObsWatchdog(lab)
    stable = stable_env_path()
    try:
        try:
            meeting = StandInWindow(lab.xvfb.display).start()
        except LabError as exc:  # the lab still works; the Zoom scene shows the bare screen
            print(f"meetcast: lab: warning: {exc}", file=sys.stderr)
        watchdog.start()
        code = _serve(lab, args, stable)
    except KeyboardInterrupt:
        code = 0
    finally:
        watchdog.stop()
        if meeting is not None:
            meeting.stop()
        if watchdog.died:
            lab.keep = True  # the log says why: keep it
        report = lab.stop()
        gone = remove_if_ours(stable, lab)
        print(f"lab down in {report.seconds_to_stop:.1f} s; OBS memory leaks at exit: "
              f"{report.leaks}; script errors: {len(report.python_errors)}"
              + (f"; {stable} removed (the lab's OBS is gone)" if gone else ""))
    if watchdog.died:
        print(f"meetcast: lab: {watchdog.died}; its log: {lab.dir / 'obs.out'} and "
              f"{lab.obs.home if lab.obs else lab.dir}/.config/obs-studio/logs/",
              file=sys.stderr)
        return 1
    if report.python_errors:  # loud: the run was not clean even if the view looked fine
        print(f"meetcast: lab: OBS logged {len(report.python_errors)} Python error(s) from "
              f"the script, the first: {report.python_errors[0].strip()}", file=sys.stderr)
        return 1
    return code


def _serve(lab: Lab, args: argparse.Namespace, stable: Path) -> int:
    """The lab's life between start and stop: the env files, then the demo or a wait."""
    from ..obslink import ObsError

    try:
        write_env_file(lab)
        write_env_file(lab, stable)
        print(f"lab up in {lab.seconds_to_start:.1f} s: OBS on display {lab.xvfb.display}, "
              f"obs-websocket 127.0.0.1:{lab.ws_port}, ingest {lab.ingest.server_url}")
        print(f"in another terminal: source {stable} && meetcast status", flush=True)
        with lab.link() as link:
            # Show the meetup as an audience would: meetcast's own opening scene, which
            # the script has built by now.
            scenes = {s["sceneName"] for s in link.call("GetSceneList")["scenes"]}
            if SCENE_STARTING in scenes:
                link.call("SetCurrentProgramScene", {"sceneName": SCENE_STARTING})
            if args.demo:
                link.call("StartStream")
        if args.demo:
            if sys.stdin.isatty() and sys.stdout.isatty() and not args.seconds:
                input("press Enter for the live view (keys 1-4 switch scenes, q quits it "
                      "and ends the lab) ")
            return live_view(lab, args.seconds)
        deadline = time.monotonic() + args.seconds if args.seconds else None
        while deadline is None or time.monotonic() < deadline:
            time.sleep(0.5)
        return 0
    except (KeyboardInterrupt, EOFError):
        return 0
    except ObsError as exc:
        print(f"meetcast: lab: {exc}", file=sys.stderr)
        return 1


def live_view(lab: Lab, seconds: float) -> int:
    """The controller's view of the lab's stream, in this terminal."""
    os.environ.update(lab.env())
    from .. import cli

    return cli.main(["watch"] + (["--seconds", str(seconds)] if seconds else []))
