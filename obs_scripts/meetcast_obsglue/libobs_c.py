"""The libobs calls the slow leveller needs, through ctypes (signatures: libobs/obs.h,
obs-data.h and obs-audio-controls.h, OBS 29.0.2 to 31).

Why ctypes and not obspython:

- A volume meter's callback (``obs_volmeter_add_callback``) cannot be registered through
  obspython's SWIG wrapper: it has no way to turn a Python function into a C function pointer.
- Deadlocks. OBS calls a volume meter's callbacks on the source's audio thread while holding
  that source's ``filter_mutex``, ``audio_mutex`` and ``audio_cb_mutex``
  (libobs/obs-source.c: ``obs_source_output_audio`` -> ``source_output_audio_data`` ->
  ``source_signal_audio_data``); a Python callback then waits there for the GIL. obspython's
  functions keep the GIL while they run (``%nothread`` in obspython.i), so Python calling
  e.g. ``obs_source_get_filter_by_name`` on that source at that moment would wait for
  ``filter_mutex`` forever. ctypes releases the GIL for the length of every foreign call, so
  the calls below, made while a meter is attached, cannot deadlock that way.

Every function that returns a reference is paired with its release by the caller.
"""

from __future__ import annotations

import ctypes
import json
import math
import sys
from functools import cache
from typing import Any

from meetcast_core.obs_versions import Version, fact

MAX_AUDIO_CHANNELS = 8  # libobs/media-io/audio-io.h
OBS_FADER_LOG = 2  # enum obs_fader_type {CUBIC, IEC, LOG}; only the fader mapping, not the dB

_p = ctypes.c_void_p
_float_p = ctypes.POINTER(ctypes.c_float)
# typedef void (*obs_volmeter_updated_t)(void *param, const float magnitude[MAX_AUDIO_CHANNELS],
#     const float peak[MAX_AUDIO_CHANNELS], const float input_peak[MAX_AUDIO_CHANNELS]);
VOLMETER_UPDATED = ctypes.CFUNCTYPE(None, _p, _float_p, _float_p, _float_p)

_SIGNATURES: dict[str, tuple[Any, list[Any]]] = {
    "obs_get_source_by_name": (_p, [ctypes.c_char_p]),
    "obs_source_release": (None, [_p]),
    "obs_source_get_filter_by_name": (_p, [_p, ctypes.c_char_p]),
    "obs_source_get_id": (ctypes.c_char_p, [_p]),
    "obs_source_get_settings": (_p, [_p]),
    "obs_source_update": (None, [_p, _p]),
    "obs_source_get_volume": (ctypes.c_float, [_p]),
    "obs_source_muted": (ctypes.c_bool, [_p]),
    "obs_source_enabled": (ctypes.c_bool, [_p]),
    "obs_data_create": (_p, []),
    "obs_data_release": (None, [_p]),
    "obs_data_get_json": (ctypes.c_char_p, [_p]),
    "obs_data_get_double": (ctypes.c_double, [_p, ctypes.c_char_p]),
    "obs_data_set_double": (None, [_p, ctypes.c_char_p, ctypes.c_double]),
    "obs_volmeter_create": (_p, [ctypes.c_int]),
    "obs_volmeter_destroy": (None, [_p]),
    "obs_volmeter_attach_source": (ctypes.c_bool, [_p, _p]),
    "obs_volmeter_detach_source": (None, [_p]),
    "obs_volmeter_add_callback": (None, [_p, VOLMETER_UPDATED, _p]),
    "obs_volmeter_remove_callback": (None, [_p, VOLMETER_UPDATED, _p]),
}


def candidates(platform: str, version: Version) -> list[str | None]:
    """Where libobs is, already loaded by OBS: the same module is returned, not a new copy.

    The process's own symbols (None) come first: the OBS binary links libobs, so they are
    there on Linux and macOS whatever the file is called. Then the names libobs's CMake gives
    it (OUTPUT_NAME obs -> obs.dll; on Linux fact ``libobs_linux_sonames``: libobs.so.0 up to
    30.1, libobs.so.<major> from OBS's own 30.2+ builds, libobs.so.0 again on Debian's;
    libobs.1.dylib on macOS up to 29, libobs.framework from 30 — macOS checked against the
    source only, never run here).
    """
    if platform == "win32":
        return ["obs.dll"]
    if platform == "darwin":
        return [None, "libobs.1.dylib", "@rpath/libobs.framework/Versions/A/libobs"]
    return [None, *fact("libobs_linux_sonames", version)]


def load(signatures: dict[str, tuple[Any, list[Any]]]) -> ctypes.CDLL | None:
    """libobs as a CDLL object of the caller's own with ``signatures`` set (so two modules'
    argtypes never clash), or None when it cannot be reached."""
    from .obsutil import obs_version  # obspython: only inside OBS, where this is called

    for name in candidates(sys.platform, obs_version()):
        try:
            dll = ctypes.CDLL(name)
            for fn, (restype, argtypes) in signatures.items():
                f = getattr(dll, fn)
                f.restype, f.argtypes = restype, argtypes
        except (OSError, AttributeError):
            continue
        return dll
    return None


@cache
def lib() -> ctypes.CDLL | None:
    """libobs with the signatures above set, or None when it cannot be reached."""
    return load(_SIGNATURES)


def source_by_name(name: str) -> int | None:
    """A reference to the source (release it), or None."""
    return lib().obs_get_source_by_name(name.encode("utf-8"))


def release_source(source: int) -> None:
    lib().obs_source_release(source)


def filter_by_name(source: int, name: str) -> int | None:
    """A reference to the source's filter ``name`` (release it), or None."""
    return lib().obs_source_get_filter_by_name(source, name.encode("utf-8"))


def source_id(source: int) -> str:
    raw = lib().obs_source_get_id(source)
    return raw.decode("utf-8") if raw else ""


def settings(source: int) -> dict[str, Any]:
    """The source's settings as a plain dict (only what differs from its defaults)."""
    data = lib().obs_source_get_settings(source)
    if not data:
        return {}
    try:
        raw = lib().obs_data_get_json(data)
        return json.loads(raw.decode("utf-8")) if raw else {}
    finally:
        lib().obs_data_release(data)


def get_double(source: int, key: str) -> float:
    """One number of the source's settings (its default, or 0, when unset), with no JSON:
    what the Leveller reads every tick."""
    data = lib().obs_source_get_settings(source)
    if not data:
        return 0.0
    try:
        return float(lib().obs_data_get_double(data, key.encode("utf-8")))
    finally:
        lib().obs_data_release(data)


def set_double(source: int, key: str, value: float) -> None:
    """Overlay one number on the source's settings (``obs_source_update`` merges)."""
    data = lib().obs_data_create()
    try:
        lib().obs_data_set_double(data, key.encode("utf-8"), float(value))
        lib().obs_source_update(source, data)
    finally:
        lib().obs_data_release(data)


def fader_db(source: int) -> float:
    """The source's volume (its mixer fader) in dB; -inf at zero."""
    mul = float(lib().obs_source_get_volume(source))
    return 20.0 * math.log10(mul) if mul > 0 else -math.inf


def muted(source: int) -> bool:
    return bool(lib().obs_source_muted(source))


def enabled(source: int) -> bool:
    return bool(lib().obs_source_enabled(source))


def volmeter_create() -> int | None:
    return lib().obs_volmeter_create(OBS_FADER_LOG)


def volmeter_destroy(meter: int) -> None:
    """Detaches (waiting out a callback in flight) and frees the meter and its callbacks."""
    lib().obs_volmeter_destroy(meter)


def volmeter_attach(meter: int, source: int) -> bool:
    return bool(lib().obs_volmeter_attach_source(meter, source))


def volmeter_detach(meter: int) -> None:
    lib().obs_volmeter_detach_source(meter)


def volmeter_add_callback(meter: int, callback: Any, param: int) -> None:
    lib().obs_volmeter_add_callback(meter, callback, param)
