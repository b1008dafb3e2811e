"""OBS frontend and libobs calls that must not go through obspython, reached with ctypes.

Why not obspython:
- ``obs_frontend_create_profile`` and ``obs_frontend_get_current_profile_path`` are missing
  from obspython before 30, and ``config_get_string`` before 30.
- A profile switch or create runs ``obs_reset_video``, which waits for the graphics thread.
  That thread runs script timers, each taking Python's GIL first. obspython keeps the GIL
  through the whole call, so on OBS 30.2 and 32.2 the two threads wait for each other forever
  (seen here, with stacks). A ``ctypes.CDLL`` call releases the GIL for its duration, so the
  graphics thread can finish its timer and OBS goes on.
- To run something outside OBS's start-up and outside a script callback, it is queued on
  OBS's UI thread with ``obs_queue_task(OBS_TASK_UI, …)`` (see :func:`queue_ui`): it then
  runs from Qt's event loop, with nothing of OBS's own half-done around it. OBS's script log
  cannot tell which script such a task belongs to: its lines read ``[Unknown Script]``.

Everything here runs on OBS's UI thread (script load, frontend events, Properties buttons and
the UI tasks queued here), where OBS's frontend calls run directly.
"""

from __future__ import annotations

import ctypes
import sys
import threading
import traceback
from collections import deque
from collections.abc import Callable
from functools import cache
from typing import Any

OBS_TASK_UI = 0  # enum obs_task_type (libobs/obs.h)


@cache
def _frontend() -> ctypes.CDLL:
    if sys.platform == "win32":
        return ctypes.CDLL("obs-frontend-api.dll")  # already loaded by OBS: same module
    return ctypes.CDLL(None)  # the OBS process's own symbols (Linux, macOS)


@cache
def _libobs() -> ctypes.CDLL:
    if sys.platform == "win32":
        return ctypes.CDLL("obs.dll")
    return ctypes.CDLL(None)


def _owned_string(ptr: int | None) -> str | None:
    """A ``char *`` OBS allocated for us, decoded and freed."""
    if not ptr:
        return None
    bfree = _libobs().bfree
    bfree.argtypes = [ctypes.c_void_p]
    try:
        return ctypes.string_at(ptr).decode("utf-8", "replace")
    finally:
        bfree(ptr)


def current_profile_path() -> str | None:
    """The current profile's folder, or None if this OBS does not have the call."""
    try:
        fn = _frontend().obs_frontend_get_current_profile_path
    except (OSError, AttributeError):
        return None
    fn.restype = ctypes.c_void_p
    return _owned_string(fn())


def create_profile(name: str) -> bool:
    """Ask OBS to create a clean profile ``name`` and make it active (GIL released)."""
    try:
        fn = _frontend().obs_frontend_create_profile
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_char_p]
    fn.restype = None
    fn(name.encode("utf-8"))
    return True


def set_current_profile(name: str) -> None:
    """Switch OBS to profile ``name`` (GIL released: see the module's docstring)."""
    fn = _frontend().obs_frontend_set_current_profile
    fn.argtypes = [ctypes.c_char_p]
    fn.restype = None
    fn(name.encode("utf-8"))


def profile_config_string(section: str, key: str) -> str | None:
    """A value of the ACTIVE profile's in-memory ``basic.ini``: what OBS runs with now."""
    try:
        get_cfg = _frontend().obs_frontend_get_profile_config
        get = _libobs().config_get_string
    except (OSError, AttributeError):
        return None
    get_cfg.restype = ctypes.c_void_p
    get.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
    get.restype = ctypes.c_char_p
    cfg = get_cfg()
    if not cfg:
        return None
    value = get(cfg, section.encode(), key.encode())
    return value.decode("utf-8", "replace") if value is not None else None


# --- UI tasks ------------------------------------------------------------------------------

_TASK = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
_pending: deque[Callable[[], None]] = deque()
_on_error: list[Callable[[str], Any]] = []


def _run_one(_param: int | None) -> None:
    if not _pending:
        return  # cancelled (script unloaded) after it was queued
    fn = _pending.popleft()
    try:
        fn()
    except Exception:  # a ctypes callback must not raise into OBS
        text = traceback.format_exc()
        for report in _on_error:
            report(text)


_RUN_ONE = _TASK(_run_one)  # kept alive for as long as the module: OBS holds the pointer


def queue_ui(fn: Callable[[], None]) -> bool:
    """Run ``fn`` later on OBS's UI thread (with the GIL); False if this OBS cannot.

    OBS's UI task handler posts with Qt's AutoConnection, which from the UI thread itself
    calls at once (``ui_task_handler``, frontend/OBSApp.cpp): so the task is posted from a
    short-lived thread of our own, which makes it a queued event on Qt's loop.
    """
    try:
        queue = _libobs().obs_queue_task
    except (OSError, AttributeError):
        return False
    queue.argtypes = [ctypes.c_int, _TASK, ctypes.c_void_p, ctypes.c_bool]
    queue.restype = None
    _pending.append(fn)
    threading.Thread(target=queue, args=(OBS_TASK_UI, _RUN_ONE, None, False),
                     name="meetcast-ui-task", daemon=True).start()
    return True


def cancel_ui_tasks() -> None:
    """Drop what is queued and not yet run (the script is going away)."""
    _pending.clear()


def on_task_error(report: Callable[[str], Any]) -> None:
    """Where a queued task's traceback goes (OBS's log, through the script)."""
    _on_error[:] = [report]
