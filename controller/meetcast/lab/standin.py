"""A stand-in for the Zoom meeting window: a Tk window with Zoom's title and WM class that
draws a known test pattern, opened on the lab's X display.

Tk runs in Debian's ``/usr/bin/python3`` (python3-tk is in scripts/setup.sh) — the venv's
Python may lack tkinter — or in this Python when it has tkinter. The pattern is four flat
quadrants, so a capture scaled to any size can be checked by sampling the quadrant centres.
"""

from __future__ import annotations

import select
import shutil
import subprocess
import sys
from pathlib import Path

from .procs import LabError, stop_process

# Top-left, top-right, bottom-left, bottom-right (RGB).
PATTERN: tuple[tuple[int, int, int], ...] = ((230, 30, 40), (30, 200, 60), (40, 60, 230),
                                             (240, 220, 30))

_TK_PROGRAM = r"""
import sys, tkinter
title, wm_class, w, h = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
colours = sys.argv[5].split(",")
root = tkinter.Tk(className=wm_class)
root.title(title)
root.geometry(f"{w}x{h}+0+0")
canvas = tkinter.Canvas(root, width=w, height=h, highlightthickness=0, borderwidth=0)
canvas.pack()
for i, c in enumerate(colours):
    x, y = (i % 2) * w // 2, (i // 2) * h // 2
    canvas.create_rectangle(x, y, x + w // 2, y + h // 2, fill=c, outline=c)
root.update()
print(root.winfo_id(), flush=True)
root.mainloop()
"""


def tk_python() -> str:
    """A Python with tkinter: Debian's, else this one."""
    for candidate in ("/usr/bin/python3", sys.executable):
        if candidate and Path(candidate).exists() and subprocess.run(
                [candidate, "-c", "import tkinter"], capture_output=True).returncode == 0:
            return candidate
    raise LabError("no Python with tkinter (apt-get install python3-tk)")


class StandInWindow:
    """``with StandInWindow(display) as win:`` — the window is mapped when this returns."""

    def __init__(self, display: str, title: str = "Zoom Meeting", wm_class: str = "zoom",
                 size: tuple[int, int] = (1920, 1080),
                 pattern: tuple[tuple[int, int, int], ...] = PATTERN) -> None:
        self.display = display
        self.title = title
        self.wm_class = wm_class
        self.size = size
        self.pattern = pattern
        self.proc: subprocess.Popen | None = None
        self.window_id = 0

    def start(self, timeout: float = 15.0) -> StandInWindow:
        colours = ",".join("#{:02x}{:02x}{:02x}".format(*c) for c in self.pattern)
        env = {"DISPLAY": self.display, "PATH": "/usr/bin:/bin"}
        self.proc = subprocess.Popen(
            [tk_python(), "-c", _TK_PROGRAM, self.title, self.wm_class, str(self.size[0]),
             str(self.size[1]), colours],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        try:
            line = self.proc.stdout.readline() if ready and self.proc.stdout else ""
            self.window_id = int(line.strip())
        except ValueError:
            err = self.proc.stderr.read() if self.proc.stderr else ""
            self.stop()
            raise LabError(f"stand-in window did not open: {err.strip()[-300:]}") from None
        return self

    def stop(self) -> None:
        stop_process(self.proc)
        self.proc = None

    def __enter__(self) -> StandInWindow:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def find_x11_window(display: str, title: str, wm_class: str) -> int | None:
    """The id of a top-level window with this WM_NAME and first WM_CLASS string, as X
    itself reports them (``xwininfo`` from x11-utils) — the pair xcomposite_input matches."""
    if not shutil.which("xwininfo"):
        raise LabError("xwininfo is missing (apt-get install x11-utils)")
    r = subprocess.run(["xwininfo", "-display", display, "-root", "-tree"],
                       capture_output=True, text=True, timeout=10)
    needle = f'"{title}": ("{wm_class}" '
    for line in r.stdout.splitlines():
        if needle in line:
            return int(line.split()[0], 16)
    return None
