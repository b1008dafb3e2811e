"""Ask an X11 window to close the way a window manager's close button does: a WM_DELETE_WINDOW
client message, which Qt turns into a normal close event on its own main thread.

Why the lab needs it: OBS 29's SIGINT handler calls ``main->close()`` from inside the signal
handler (UI/obs-app.cpp, ``ctrlc_handler``), i.e. runs the whole shutdown interrupting the
main thread wherever it is; measured here, a few in a hundred such stops crash (SIGSEGV in a
Qt widget) or hang. Only libX11 through ctypes: no extra package.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import shutil
import subprocess

CLIENT_MESSAGE = 33   # X.h


class _XClientMessageEvent(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong),
                ("send_event", ctypes.c_int), ("display", ctypes.c_void_p),
                ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
                ("format", ctypes.c_int), ("data", ctypes.c_long * 5)]


class _XEvent(ctypes.Union):
    _fields_ = [("xclient", _XClientMessageEvent), ("pad", ctypes.c_long * 24)]


def find_window(display: str, title_prefix: str, wm_class: str) -> int | None:
    """A top-level window whose WM_NAME starts with ``title_prefix`` and whose first WM_CLASS
    string is ``wm_class`` (``xwininfo`` from x11-utils)."""
    if not shutil.which("xwininfo"):
        return None
    try:
        r = subprocess.run(["xwininfo", "-display", display, "-root", "-children"],
                           capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    for line in r.stdout.splitlines():
        line = line.strip()
        if f'"{title_prefix}' in line and f'("{wm_class}" ' in line:
            return int(line.split()[0], 16)
    return None


def send_delete_window(display: str, window: int) -> bool:
    """Send WM_DELETE_WINDOW to ``window``; False when libX11 or the display is missing."""
    name = ctypes.util.find_library("X11")
    if not name:
        return False
    x = ctypes.CDLL(name)
    x.XOpenDisplay.restype = ctypes.c_void_p
    x.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x.XInternAtom.restype = ctypes.c_ulong
    x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long,
                             ctypes.POINTER(_XEvent)]
    x.XFlush.argtypes = [ctypes.c_void_p]
    x.XCloseDisplay.argtypes = [ctypes.c_void_p]
    dpy = x.XOpenDisplay(display.encode())
    if not dpy:
        return False
    try:
        ev = _XEvent()
        ev.xclient.type = CLIENT_MESSAGE
        ev.xclient.window = window
        ev.xclient.message_type = x.XInternAtom(dpy, b"WM_PROTOCOLS", 0)
        ev.xclient.format = 32
        ev.xclient.data[0] = x.XInternAtom(dpy, b"WM_DELETE_WINDOW", 0)
        ev.xclient.data[1] = 0  # CurrentTime
        ok = x.XSendEvent(dpy, window, 0, 0, ctypes.byref(ev)) != 0
        x.XFlush(dpy)
        return ok
    finally:
        x.XCloseDisplay(dpy)
