"""How to capture the Zoom meeting window on each OS: the source id and settings OBS needs.

The seed article's worst moment was Zoom's window captured black. On Windows that is OBS's
window capture in "Automatic" mode picking BitBlt for Zoom's GPU-drawn window; Windows
Graphics Capture (``method`` 2) captures it. Everything here is checked against OBS's own
source (obs-studio tags 29.0.2 / 30.2.3 / 31.0.0), file by file:

- Windows ``window_capture`` — plugins/win-capture/window-capture.c: keys ``window``,
  ``method`` (0 auto, 1 BitBlt, 2 WGC; ``choose_method`` picks BitBlt in auto mode for any
  class not in its short WGC list, and Zoom's is not there), ``priority``, ``cursor``,
  ``client_area``. The ``window`` string is ``title:class:exe`` with ``#`` written ``#22`` and
  ``:`` written ``#3A`` (libobs/util/windows/window-helpers.c, ``encode_dstr`` /
  ``ms_build_window_strings``). ``priority`` is ``enum window_priority`` (window-helpers.h):
  0 class, 1 title, 2 exe. ``window_rating`` with priority 0 considers ONLY windows of the
  same class, prefers the closest title among them and penalises a different exe — so a
  localised title (``Zoom ミーティング``) still finds the meeting window by its class.
- macOS ``screen_capture`` (ScreenCaptureKit) — plugins/mac-capture/mac-screen-capture.m
  (29), mac-sck-video-capture.m (30+): ``type`` 2 = ``ScreenCaptureApplicationStream``,
  ``application`` = bundle id, ``show_cursor``. On macOS 13+ it also captures the app's
  audio (``setCapturesAudio``), which is how Zoom's sound reaches OBS on a Mac.
- Linux ``xcomposite_input`` — plugins/linux-capture/xcomposite-input.c: ``capture_window``
  = ``"<xid>\\r\\n<name>\\r\\n<class>"``; ``xcomp_find_window`` tries the xid first, then
  a window whose name AND first WM_CLASS string both match exactly. xid 0 is never a
  top-level window, so ``0`` makes it match by name and class. ``xcomposite_load`` does not
  register the source at all without an EWMH window manager (e.g. bare Xvfb): then the
  fallback is XSHM screen capture (plugins/linux-capture/xshm-input.c: ``screen``,
  ``show_cursor``), the whole screen, which shows Zoom when Zoom is full-screen. Its id is
  ``xshm_input`` up to OBS 30 and ``xshm_input_v2`` from 31 (fact ``xshm_id``; the old id
  still loads, marked obsolete, and is not a version of the new one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .obs_versions import Version, fact

# What Zoom calls its meeting window (third-party tools agree; Zoom documents none of it).
ZOOM_TITLE = "Zoom Meeting"
ZOOM_CLASS = "ConfMultiTabContentWndClass"        # current Windows clients
ZOOM_CLASS_OLD = "ZPContentViewWndClass"          # older Windows clients
ZOOM_WINDOWS_CLASSES: tuple[str, ...] = (ZOOM_CLASS, ZOOM_CLASS_OLD)
ZOOM_EXE = "Zoom.exe"
ZOOM_BUNDLE_ID = "us.zoom.xos"                    # macOS
ZOOM_X11_CLASS = "zoom"                           # Linux WM_CLASS (first string)

# Source ids (unversioned; none of the capture sources is versioned).
WINDOW_CAPTURE = "window_capture"
SCREEN_CAPTURE_MAC = "screen_capture"
XCOMPOSITE = "xcomposite_input"
XSHM = "xshm_input"  # what every OBS 28+ loads (fact xshm_id: the id to create per version)

WGC_METHOD = 2                 # window-capture.c: METHOD_WGC
PRIORITY_CLASS = 0             # window-helpers.h: WINDOW_PRIORITY_CLASS
SCK_APPLICATION = 2            # ScreenCaptureApplicationStream


@dataclass(frozen=True)
class Capture:
    """One capture source: its id, the settings to create it with, the keys meetcast keeps
    set on every run (the fix itself), and a line saying which way it captures."""

    kind: str
    settings: dict[str, Any]
    managed: tuple[str, ...]
    how: str
    fallback: bool = False


def encode_window_part(text: str) -> str:
    """Escape one part of a ``window_capture`` ``window`` string (``#`` first, as OBS does)."""
    return text.replace("#", "#22").replace(":", "#3A")


def decode_window_part(text: str) -> str:
    return text.replace("#3A", ":").replace("#22", "#")


def windows_window(title: str, window_class: str = ZOOM_CLASS, exe: str = ZOOM_EXE) -> str:
    """``title:class:exe`` as OBS stores it."""
    return ":".join(encode_window_part(p) for p in (title, window_class, exe))


def x11_window(title: str, wm_class: str = ZOOM_X11_CLASS) -> str:
    """``capture_window`` for xcomposite_input: xid 0 (none) so that name + class decide."""
    return f"0\r\n{title}\r\n{wm_class}"


def xshm_kind(obs_version: Version | None) -> str:
    """The XSHM id to create in OBS ``obs_version``; None (not known): the one every OBS loads.
    """
    return XSHM if obs_version is None else fact("xshm_id", obs_version)


def zoom_capture(os_name: str, title: str = ZOOM_TITLE, *, window_class: str = ZOOM_CLASS,
                 xcomposite: bool = True, obs_version: Version | None = None) -> Capture:
    """The Zoom meeting capture for ``os_name`` ("windows", "macos", "linux").

    ``xcomposite`` says whether this OBS has ``xcomposite_input`` (Linux only): without it
    the capture falls back to XSHM, the whole screen, under the id ``obs_version`` creates.
    """
    title = title or ZOOM_TITLE
    if os_name == "windows":
        if window_class not in ZOOM_WINDOWS_CLASSES:
            raise ValueError(f"unknown Zoom window class {window_class!r}; "
                             f"known: {', '.join(ZOOM_WINDOWS_CLASSES)}")
        return Capture(
            WINDOW_CAPTURE,
            {"window": windows_window(title, window_class), "method": WGC_METHOD,
             "priority": PRIORITY_CLASS, "cursor": False, "client_area": True},
            managed=("window", "method", "priority"),
            how=f"window capture (Windows Graphics Capture) of class {window_class}, "
                f"exe {ZOOM_EXE}, title {title!r} preferred")
    if os_name == "macos":
        return Capture(
            SCREEN_CAPTURE_MAC,
            {"type": SCK_APPLICATION, "application": ZOOM_BUNDLE_ID, "show_cursor": False},
            managed=("type", "application"),
            how=f"ScreenCaptureKit application capture of {ZOOM_BUNDLE_ID}")
    if os_name == "linux":
        if xcomposite:
            return Capture(
                XCOMPOSITE,
                {"capture_window": x11_window(title), "show_cursor": False},
                managed=("capture_window",),
                how=f"XComposite window capture of {title!r} (class {ZOOM_X11_CLASS})")
        kind = xshm_kind(obs_version)
        return Capture(
            kind, {"screen": 0, "show_cursor": False}, managed=("screen",),
            how=f"whole-screen capture ({kind}): XComposite is unavailable in this OBS; "
                "keep the Zoom meeting full-screen",
            fallback=True)
    raise ValueError(f"unknown OS {os_name!r}; known: windows, macos, linux")
