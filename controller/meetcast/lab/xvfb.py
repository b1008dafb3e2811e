"""A private X display for the lab's OBS (and for stand-in windows such as a fake Zoom)."""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

from .procs import LabError, spawn, stop_process, wait_until


class Xvfb:
    """Xvfb on a display number nobody else uses, so parallel labs never clash.

    (``-displayfd`` was tried first: with another Xvfb on :0 it was seen to fail with
    "Cannot write display number to fd", so the lab picks a random free number and retries.)
    """

    def __init__(self, workdir: Path, size: str = "1920x1080x24",
                 black_root: bool = False) -> None:
        self.workdir = workdir
        self.size = size
        # Xvfb's root is a stipple by default; a "meeting display" with nothing on it must
        # read as no picture, like a closed Zoom window does to a window capture.
        self.black_root = black_root
        self.proc: subprocess.Popen | None = None
        self.display = ""

    def start(self, timeout: float = 15.0) -> None:
        if not shutil.which("Xvfb"):
            raise LabError("Xvfb is not installed (apt-get install xvfb)")
        for _attempt in range(10):
            number = random.randint(100, 2000)
            if Path(f"/tmp/.X{number}-lock").exists():
                continue
            sock = Path(f"/tmp/.X11-unix/X{number}")
            self.proc = spawn(["Xvfb", f":{number}", "-screen", "0", self.size,
                               "-nolisten", "tcp", "-noreset",
                               *(["-br"] if self.black_root else [])],
                              self.workdir / "xvfb.log")
            try:
                wait_until("Xvfb", sock.exists, timeout, self.proc)
            except LabError:
                stop_process(self.proc)
                continue  # lost a race for that number: try another
            self.display = f":{number}"
            return
        raise LabError("Xvfb: no free display found; see " + str(self.workdir / "xvfb.log"))

    def stop(self) -> None:
        stop_process(self.proc)
        self.proc = None
