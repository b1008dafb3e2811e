"""``meetcast lab``: a real headless OBS with meetcast's script and a local RTMP ingest.

For trying meetcast without a cloud desktop, and for demos. The lab's password is random and
written only to a 0600 env file, never printed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from meetcast_core.names import SCENE_STARTING

if TYPE_CHECKING:
    from ..lab import Lab


def register(sub: argparse._SubParsersAction, conn: argparse.ArgumentParser) -> None:
    p = sub.add_parser("lab", help="run a headless OBS + RTMP ingest on this Linux machine")
    p.add_argument("--demo", action="store_true",
                   help="start streaming to the local ingest and show the live view")
    p.add_argument("--seconds", type=float, default=0,
                   help="stop by itself after this many seconds (default: until Ctrl-C)")
    p.add_argument("--keep", action="store_true", help="keep the lab's directory (logs) after")
    p.set_defaults(func=run)


def write_env_file(lab: Lab) -> Path:
    """The lab's connection settings, readable by this user only, for ``source``."""
    path = lab.dir / "lab.env"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        for key, value in lab.env().items():
            fh.write(f"export {key}='{value}'\n")
    return path


def run(args: argparse.Namespace) -> int:
    from ..lab import Lab, LabError, ObsConfig  # the lab's modules load only for the lab

    print("starting the lab: Xvfb, PulseAudio, nginx-rtmp, OBS …", flush=True)
    try:
        # Lab.start fails (LabError) when OBS did not load meetcast's script: a lab without
        # it would look up and prove nothing.
        lab = Lab(ObsConfig(), keep=args.keep).start()
    except LabError as exc:
        print(f"meetcast: lab: {exc}", file=sys.stderr)
        return 1
    try:
        code = _serve(lab, args)
    finally:
        report = lab.stop()
        print(f"lab down in {report.seconds_to_stop:.1f} s; OBS memory leaks at exit: "
              f"{report.leaks}; script errors: {len(report.python_errors)}")
    if report.python_errors:  # loud: the run was not clean even if the view looked fine
        print(f"meetcast: lab: OBS logged {len(report.python_errors)} Python error(s) from "
              f"the script, the first: {report.python_errors[0].strip()}", file=sys.stderr)
        return 1
    return code


def _serve(lab: Lab, args: argparse.Namespace) -> int:
    """The lab's life between start and stop: the env file, then the demo or a wait."""
    from ..obslink import ObsError

    try:
        env_file = write_env_file(lab)
        print(f"lab up in {lab.seconds_to_start:.1f} s: OBS on display {lab.xvfb.display}, "
              f"obs-websocket 127.0.0.1:{lab.ws_port}, ingest {lab.ingest.server_url}")
        print(f"in another terminal: source {env_file} && meetcast status")
        if args.demo:
            with lab.link() as link:
                # Show the meetup as an audience would: meetcast's own opening scene, which
                # the script has built by now (the lab's collection opens on "Scene").
                scenes = {s["sceneName"] for s in link.call("GetSceneList")["scenes"]}
                if SCENE_STARTING in scenes:
                    link.call("SetCurrentProgramScene", {"sceneName": SCENE_STARTING})
                link.call("StartStream")
            return live_view(lab, args.seconds)
        deadline = time.monotonic() + args.seconds if args.seconds else None
        while deadline is None or time.monotonic() < deadline:
            time.sleep(0.5)
        return 0
    except KeyboardInterrupt:
        return 0
    except ObsError as exc:
        print(f"meetcast: lab: {exc}", file=sys.stderr)
        return 1


def live_view(lab: Lab, seconds: float) -> int:
    """The controller's view of the lab's stream, in this terminal."""
    os.environ.update(lab.env())
    from .. import cli

    argv = ["watch"] + (["--seconds", str(seconds)] if seconds else [])
    names = {name for c in cli.COMMANDS for name in [c.__name__.rsplit(".", 1)[-1]]}
    if "watch" not in names:  # before the live dashboard existed: a status line a second
        argv = ["status"]
        deadline = time.monotonic() + seconds if seconds else None
        while deadline is None or time.monotonic() < deadline:
            cli.main(argv)
            time.sleep(1)
        return 0
    return cli.main(argv)
