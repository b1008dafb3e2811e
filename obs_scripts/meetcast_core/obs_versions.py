"""What differs between OBS versions, as data: one table of facts, each with the obs-studio
source file (``TAG:path``) that shows it.

Why a table: meetcast runs on whatever OBS the organiser's cloud desktop has (31 or 32 on
Windows today, 29 on Debian 12, 30.2 on trixie). Scattered ``if version >= …`` branches drift
apart and hide why; a fact here is read by name, so the script, the controller, the lab and
the tests agree, and a reader can check each one against OBS's own source.

A fact holds from the version in its row up to the next row. Versions are (major, minor).
A row's source tag lies inside that span (tests/test_obs_versions.py checks it), so reading
``git show TAG:path`` in obs-studio shows the fact as the row states it. A path under
``plugins/obs-websocket/`` is in that submodule, at the commit the tag pins. Every row was
read at the release tags 28.0.0 to 32.2.2; docs/obs-versions.md says it in a user's words.
Encoder ids and keys have their own, finer table in :mod:`meetcast_core.encoders`.

Why this module avoids newer syntax (no ``from __future__ import annotations``, ``typing``
generics, a NamedTuple rather than a dataclass): ``meetcast_obs.py`` imports it FIRST to decide
whether the Python OBS handed it can run meetcast at all, and OBS for Windows and macOS loads
any python.org Python down to 3.6 (``python_problem``). It must import, and answer, there.
"""

import re
from typing import Any, Dict, NamedTuple, Optional, Tuple

Version = Tuple[int, int]


class Row(NamedTuple):
    """From OBS ``since`` on, the fact has ``value``, as ``source`` shows."""

    since: Version
    value: Any
    source: str  # "TAG:path" in obs-studio


# The newest OBS release every row was checked against. Past it a fact keeps its last value,
# which may be stale: python_problem() trusts OBS itself there.
NEWEST_KNOWN: Version = (32, 2)

# name -> rows, oldest first. Every name is explained in DESCRIPTIONS.
FACTS: Dict[str, Tuple[Row, ...]] = {
    # The newest python.org minor OBS for Windows/macOS tries to load (PY_MINOR_VERSION_MAX;
    # it walks down to 3.6); a newer Python is silently not loaded. Linux builds link the
    # system Python instead. 3.12 arrived in 30.1.0 (not 30.2); the file moved to shared/ in 31.
    "python_max_minor": (
        Row((28, 0), 10, "29.0.2:deps/obs-scripting/obs-scripting-python-import.c"),
        Row((29, 1), 11, "29.1.0:deps/obs-scripting/obs-scripting-python-import.c"),
        Row((30, 1), 12, "30.1.0:deps/obs-scripting/obs-scripting-python-import.c"),
        Row((31, 0), 12, "32.2.2:shared/obs-scripting/obs-scripting-python-import.c"),
    ),
    # Switching profile saves the ACTIVE profile's in-memory basic.ini over its file first,
    # so nothing may be written into the active profile's folder (ActivateProfile ->
    # activeConfiguration.SaveSafe). Before 31 ChangeProfile saved nothing of the old one.
    # 31.1 moved the file to frontend/widgets/.
    "profile_saved_on_switch": (
        Row((28, 0), False, "30.2.3:UI/window-basic-main-profiles.cpp"),
        Row((31, 0), True, "31.0.0:UI/window-basic-main-profiles.cpp"),
        Row((31, 1), True, "32.2.2:frontend/widgets/OBSBasic_Profiles.cpp"),
    ),
    # OBS's profile list is a cache rebuilt only at start-up and on import
    # (RefreshProfiles(refreshCache=false) on a switch); a folder made on disk stays unknown
    # until restart, so every profile is created through OBS. Before 31 the list was a disk
    # scan (EnumProfiles), but switching searched the Profile menu, rebuilt only by OBS's own
    # create/remove/rename.
    "profile_list_cached": (
        Row((28, 0), False, "30.2.3:UI/window-basic-main-profiles.cpp"),
        Row((31, 0), True, "31.0.0:UI/window-basic-main-profiles.cpp"),
        Row((31, 1), True, "32.2.2:frontend/widgets/OBSBasic_Profiles.cpp"),
    ),
    # Where the Scenes dock puts a scene created while OBS runs (OBSBasic::AddScene): appended
    # at the end (addItem), or inserted just below the selected scene
    # (insertItem(currentRow() + 1), since 30.0.0: "UI: Add new scene at current row").
    "new_scene_position": (
        Row((28, 0), "append", "29.1.3:UI/window-basic-main.cpp"),
        Row((30, 0), "below_selected", "30.0.0:UI/window-basic-main.cpp"),
        Row((31, 1), "below_selected", "32.2.2:frontend/widgets/OBSBasic_Scenes.cpp"),
    ),
    # Which collection OBS opens at start. Up to 30 it opens the FILE named by [Basic]
    # SceneCollectionFile (OBSInit); `--collection NAME` looks for a file whose JSON "name"
    # is NAME (GetSceneCollectionFileFromName, UI/obs-app.cpp) and, if none has it, is
    # ignored. From 31 a cache keyed by the JSON "name" (RefreshSceneCollectionCache) is
    # searched for `--collection`, then for [Basic] SceneCollection; with no match OBS makes
    # a new empty collection of that name. A collection whose JSON name is its file stem is
    # found the same way on every version.
    "collection_found_by": (
        Row((28, 0), "file", "30.2.3:UI/window-basic-main.cpp"),
        Row((31, 0), "json_name", "31.0.0:UI/window-basic-main-scene-collections.cpp"),
        Row((31, 1), "json_name", "32.2.2:frontend/widgets/OBSBasic_SceneCollections.cpp"),
    ),
    # The NVIDIA denoiser: (filter id, its "method" value). Registered only with an NVIDIA
    # GPU and its Audio Effects SDK (Windows builds; 31+: nv-filters.c registers the filter
    # only when load_nvidia_afx() succeeds). 28-30: a method of Noise Suppression, listed
    # when the SDK is found but disabled in the list when it did not load. 31 moved it to a
    # filter of its own (see denoiser_migration); 32 removed it from Noise Suppression.
    "nvidia_denoiser": (
        Row((28, 0), ("noise_suppress_filter_v2", "denoiser"),
            "30.2.3:plugins/obs-filters/noise-suppress-filter.c"),
        Row((31, 0), ("nvidia_audiofx_filter", "denoiser"),
            "31.0.0:plugins/nv-filters/nvidia-audiofx-filter.c"),
        Row((32, 0), ("nvidia_audiofx_filter", "denoiser"),
            "32.2.2:plugins/nv-filters/nvidia-audiofx-filter.c"),
    ),
    # The NVIDIA denoiser's setting keys besides "method": "intensity" (0..1, default 1.0)
    # everywhere; 32 adds "vad" (voice activity detection, default on with the new SDK),
    # which meetcast leaves at OBS's default.
    "nvidia_denoiser_keys": (
        Row((28, 0), ("intensity",), "30.2.3:plugins/obs-filters/noise-suppress-filter.c"),
        Row((31, 0), ("intensity",), "31.1.2:plugins/nv-filters/nvidia-audiofx-filter.c"),
        Row((32, 0), ("intensity", "vad"), "32.2.2:plugins/nv-filters/nvidia-audiofx-filter.c"),
    ),
    # What OBS does to a Noise Suppression filter whose method is NVIDIA's: 31 creates an
    # nvidia_audiofx_filter named "<name>_ported" with the same method and intensity, ADDS
    # it at the end of the source's filters (after a limiter), copies enabled and REMOVES the
    # old one (noise_suppress_nvafx_migrate_task, at the filter's first audio). None: no
    # migration (28-30 run the denoiser; 32 treats the unknown method as Speex).
    "denoiser_migration": (
        Row((28, 0), None, "30.2.3:plugins/obs-filters/noise-suppress-filter.c"),
        Row((31, 0), "_ported", "31.0.0:plugins/obs-filters/noise-suppress-filter.c"),
        Row((32, 0), None, "32.0.0:plugins/obs-filters/noise-suppress-filter.c"),
    ),
    # Windows text source: the id to create. 30.2 added version 3 (alignment with extents
    # fixed) and marked v2 obsolete; v2 still loads. OBS 28-30.1 cannot load a v3 source.
    "text_windows_id": (
        Row((28, 0), "text_gdiplus_v2", "29.0.2:plugins/obs-text/gdiplus/obs-text.cpp"),
        Row((30, 2), "text_gdiplus_v3", "30.2.0:plugins/obs-text/gdiplus/obs-text.cpp"),
    ),
    # Linux screen capture (XSHM): the id to create. xshm_input_v2 is a separate id, not a
    # version of xshm_input, so obs_get_latest_input_type_id("xshm_input") still answers the
    # obsolete xshm_input on 31+.
    "xshm_id": (
        Row((28, 0), "xshm_input", "30.2.3:plugins/linux-capture/xshm-input.c"),
        Row((31, 0), "xshm_input_v2", "31.0.0:plugins/linux-capture/xshm-input.c"),
    ),
    # libobs's names on Linux, to try in order (ctypes, after the process's own symbols).
    # The legacy CMake (Linux's default up to 30.1) sets SOVERSION 0: libobs.so.0. The 3.0
    # build framework sets VERSION 0 / SOVERSION <major>: soname libobs.so.<major>, file
    # libobs.so.0; OBS's own Linux preset ("ubuntu") selects it from 30.2, and it is the only
    # one from 31. Debian keeps libobs.so.0 on every version (seen: 29.0.2, 30.2.3, 32.2.2).
    "libobs_linux_sonames": (
        Row((28, 0), ("libobs.so.0",), "29.0.2:libobs/CMakeLists.txt"),
        Row((29, 1), ("libobs.so.0",), "30.1.2:libobs/cmake/legacy.cmake"),
        Row((30, 2), ("libobs.so.{major}", "libobs.so.0"), "30.2.0:CMakePresets.json"),
        Row((31, 0), ("libobs.so.{major}", "libobs.so.0"), "31.0.0:libobs/CMakeLists.txt"),
    ),
    # VideoToolbox CBR (kVTCompressionPropertyKey_ConstantBitRate) needs macOS 13 AND Apple
    # silicon on every version; otherwise OBS logs a warning and encodes ABR.
    "videotoolbox_cbr_min_macos": (
        Row((28, 0), (13, 0), "32.2.2:plugins/mac-videotoolbox/encoder.c"),
    ),
    # Where obs-websocket keeps its settings: global.ini [OBSWebSocket], or its own JSON
    # (obs-websocket 5.5.0, pinned by OBS 30.2.0; it moves the old values over once).
    "websocket_config": (
        Row((28, 0), "global.ini", "29.0.2:plugins/obs-websocket/src/Config.cpp"),
        Row((30, 2), "plugin_config/obs-websocket/config.json",
            "30.2.3:plugins/obs-websocket/src/Config.cpp"),
    ),
    # obs-websocket starts its server at post-load, before the collection has loaded, and
    # answers "not ready" (code 207) until FINISHED_LOADING; callers retry rather than fail.
    # Up to 5.2 (OBS 29.1) the server itself started at FINISHED_LOADING; 5.3 is in OBS 30.0.
    "websocket_not_ready_at_start": (
        Row((28, 0), False,
            "29.1.3:plugins/obs-websocket/src/websocketserver/WebSocketServer.cpp"),
        Row((30, 0), True, "30.0.0:plugins/obs-websocket/src/obs-websocket.cpp"),
    ),
    # Whether `obs --disable-shutdown-check` exists (it skips the "unclean shutdown, launch in
    # safe mode?" dialog after a killed run). 32 dropped it with the new crash handler.
    "shutdown_check_flag": (
        Row((28, 0), False, "29.0.2:UI/obs-app.cpp"),
        Row((30, 0), True, "30.0.0:UI/obs-app.cpp"),
        Row((31, 1), True, "31.1.0:frontend/obs-main.cpp"),
        Row((32, 0), False, "32.0.0:frontend/obs-main.cpp"),
    ),
    # What OBS leaves in its config dir while running (relative to the config base, the
    # directory holding obs-studio/); found at the next start it means "crashed or killed"
    # and OBS asks, in a modal dialog, whether to start in safe mode. None: no such check.
    # From 32 it is a folder holding one run_<uuid> file per running OBS.
    "unclean_shutdown_sentinel": (
        Row((28, 0), None, "29.0.2:UI/obs-app.cpp"),
        Row((30, 0), "obs-studio/safe_mode", "30.0.0:UI/obs-app.cpp"),
        Row((32, 0), "obs-studio/.sentinel", "32.0.0:frontend/utility/CrashHandler.cpp"),
    ),
    # Where OBS keeps the user's [General]/[Basic] settings. 31 copies global.ini to user.ini
    # on its first start (and marks global.ini [General] Pre31Migrated); 31.1 moved the file.
    "user_config_file": (
        Row((28, 0), "global.ini", "30.2.3:UI/obs-app.cpp"),
        Row((31, 0), "user.ini", "31.0.0:UI/obs-app.cpp"),
        Row((31, 1), "user.ini", "32.2.2:frontend/OBSApp.cpp"),
    ),
    # Whether OBS's main thread connects to "source_create" only AFTER the collection has
    # loaded (the Audio Mixer dock, made late in OBSBasic::OBSInit), while obs-websocket
    # already serves requests (ready from SCENE_COLLECTION_CHANGED, fired in the load). A
    # request that creates a source in that window holds the signal and waits for the main
    # thread, which waits for the signal: OBS hangs for good. Callers wait for OBS's event
    # loop first (the lab does: meetcast.lab.obs.Obs.main_thread_in_event_loop).
    "source_create_connected_late": (
        Row((28, 0), False, "30.2.3:UI/window-basic-main.cpp"),
        Row((32, 1), True, "32.1.0:frontend/widgets/OBSBasic.cpp"),
    ),
}

DESCRIPTIONS: Dict[str, str] = {
    "python_max_minor": "newest python.org 3.x minor OBS loads on Windows/macOS",
    "profile_saved_on_switch": "a profile switch saves the active profile's basic.ini first",
    "profile_list_cached": "OBS's profile list is a cache (disk folders unseen until restart)",
    "new_scene_position": "where a new scene appears in the Scenes dock",
    "collection_found_by": "how OBS finds the collection to open at start",
    "nvidia_denoiser": "the NVIDIA denoiser's filter id and method",
    "nvidia_denoiser_keys": "the NVIDIA denoiser's setting keys besides method",
    "denoiser_migration": "the name suffix OBS gives a Noise Suppression denoiser it migrates",
    "text_windows_id": "the Windows text source id to create",
    "xshm_id": "the Linux XSHM screen capture id to create",
    "libobs_linux_sonames": "libobs's file names on Linux, to try in order",
    "videotoolbox_cbr_min_macos": "the macOS VideoToolbox needs for CBR (with Apple silicon)",
    "websocket_config": "where obs-websocket keeps its settings",
    "websocket_not_ready_at_start": "obs-websocket answers 'not ready' right after start",
    "shutdown_check_flag": "whether obs --disable-shutdown-check exists",
    "unclean_shutdown_sentinel": "what marks a running OBS (found at start: the safe-mode dialog)",
    "user_config_file": "the file holding OBS's [General]/[Basic] user settings",
    "source_create_connected_late": "a source created over the websocket during start-up hangs OBS",
}

PYTHON_MIN: Version = (3, 10)  # meetcast's own floor (match statements, typing)
PYTHON_MIN_OBS: Version = (3, 6)  # OBS's loader walks down to 3.6

_SOURCE = re.compile(r"^(\d+)\.(\d+)\.(\d+):([\w.+-]+(?:/[\w.+-]+)*)$")


def parse_version(text: str) -> Version:
    """``"29.0.2"`` → (29, 0); ``"31.1.0-beta1"`` → (31, 1). Raises ValueError if unreadable."""
    parts = text.strip().split("-")[0].split(".")
    try:
        major = int(parts[0])
        minor = int(parts[1]) if len(parts) > 1 else 0
    except (ValueError, IndexError):
        raise ValueError(f"not an OBS version: {text!r}") from None
    return (major, minor)


def source_parts(source: str) -> Tuple[Version, str, str]:
    """``"31.0.0:UI/x.cpp"`` → ((31, 0), "31.0.0", "UI/x.cpp"); ValueError if malformed."""
    m = _SOURCE.match(source)
    if m is None:
        raise ValueError(f"not a TAG:path source: {source!r}")
    return (int(m.group(1)), int(m.group(2))), f"{m.group(1)}.{m.group(2)}.{m.group(3)}", \
        m.group(4)


def row(name: str, version: Version) -> Row:
    """The row of fact ``name`` in force at OBS ``version`` (the oldest row if older)."""
    try:
        rows = FACTS[name]
    except KeyError:
        raise KeyError(f"no OBS fact {name!r} (known: {', '.join(FACTS)})") from None
    older = [r for r in rows if r.since <= tuple(version)]
    return older[-1] if older else rows[0]


def _fill(value: Any, version: Version) -> Any:
    if isinstance(value, str) and "{major}" in value:
        return value.format(major=version[0])
    if isinstance(value, tuple):
        return tuple(_fill(v, version) for v in value)
    return value


def fact(name: str, version: Version) -> Any:
    """The value of fact ``name`` at OBS ``version`` (``{major}`` filled in)."""
    return _fill(row(name, version).value, version)


def python_window(version: Version) -> Tuple[Version, Version]:
    """The python.org versions (lowest, highest) that both OBS ``version`` on Windows/macOS
    loads and meetcast runs on."""
    return PYTHON_MIN, (3, fact("python_max_minor", version))


def python_problem(version: Version, python: Tuple[int, ...], platform: str) -> Optional[str]:
    """One line saying why this Python cannot run meetcast inside OBS ``version``, or None.

    ``python`` is ``sys.version_info`` (or its first two numbers), ``platform`` is
    ``sys.platform``. Below meetcast's floor is a problem everywhere. Above OBS's window only
    matters on Windows and macOS (Linux links the system Python), and only for an OBS this
    table knows: a newer OBS that loaded the Python proves the table stale, not the Python.
    """
    py = (int(python[0]), int(python[1]))
    low, high = python_window(version)
    shown = f"{py[0]}.{py[1]}"
    obs_shown = f"{version[0]}.{version[1]}"
    picker = platform in ("win32", "darwin")
    if py < low:
        if picker:
            return (f"meetcast needs Python {low[0]}.{low[1]}-{high[0]}.{high[1]} in OBS "
                    f"{obs_shown}; OBS loaded {shown}: install python.org {high[0]}.{high[1]} "
                    f"(64-bit), pick its folder in Tools > Scripts > Python Settings and "
                    f"restart OBS")
        return (f"meetcast needs Python {low[0]}.{low[1]} or newer; this OBS runs scripts on "
                f"its system Python {shown}: use an OBS built with a newer Python")
    if picker and py > high and tuple(version) <= NEWEST_KNOWN:
        return (f"OBS {obs_shown} loads Python up to {high[0]}.{high[1]}, not {shown}: "
                f"install python.org {high[0]}.{high[1]} and pick it in Tools > Scripts > "
                f"Python Settings")
    return None
