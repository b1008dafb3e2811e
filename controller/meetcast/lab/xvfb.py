"""A private X display for the lab's OBS (and for stand-in windows such as a fake Zoom)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from .procs import LabError, stop_process


class Xvfb:
    """Xvfb on a display number it picks itself (``-displayfd``), so parallel labs never clash."""

    def __init__(self, workdir: Path, size: str = "1920x1080x24") -> None:
        self.workdir = workdir
        self.size = size
        self.proc: subprocess.Popen | None = None
        self.display = ""

    def start(self, timeout: float = 15.0) -> None:
        if not shutil.which("Xvfb"):
            raise LabError("Xvfb is not installed (apt-get install xvfb)")
        read_fd, write_fd = os.pipe()
        log = open(self.workdir / "xvfb.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", self.size,
             "-nolisten", "tcp", "-noreset"],
            pass_fds=(write_fd,), stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        os.close(write_fd)
        try:
            import select

            ready, _, _ = select.select([read_fd], [], [], timeout)
            if not ready:
                raise LabError(f"Xvfb: no display number after {timeout:.0f} s")
            number = os.read(read_fd, 64).decode().strip()
        finally:
            os.close(read_fd)
        if not number:
            raise LabError("Xvfb exited before choosing a display")
        self.display = f":{number}"

    def stop(self) -> None:
        stop_process(self.proc)
        self.proc = None
