"""The few OBS frontend calls obspython 29 lacks, reached through ctypes.

``obs_frontend_create_profile`` (OBS 28+) and ``obs_frontend_get_current_profile_path`` are in
the C frontend API but not in obspython before 30. They are called only from OBS's UI thread
(script load, frontend events, Properties buttons): there ``create_profile`` runs at once
(Qt invokes the slot directly), seen here on OBS 29.
"""

from __future__ import annotations

import ctypes
import sys
from functools import cache


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


def current_profile_path() -> str | None:
    """The current profile's folder, or None if this OBS does not have the call."""
    try:
        fn = _frontend().obs_frontend_get_current_profile_path
        bfree = _libobs().bfree
    except (OSError, AttributeError):
        return None
    fn.restype = ctypes.c_void_p
    bfree.argtypes = [ctypes.c_void_p]
    ptr = fn()
    if not ptr:
        return None
    try:
        return ctypes.string_at(ptr).decode("utf-8")
    finally:
        bfree(ptr)


def create_profile(name: str) -> bool:
    """Ask OBS to create a clean profile ``name`` and switch to it; False if unavailable."""
    try:
        fn = _frontend().obs_frontend_create_profile
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_char_p]
    fn.restype = None
    fn(name.encode("utf-8"))
    return True
