"""What differs between OBS versions, as data: one table of facts, each with the obs-studio
source file (``TAG:path``) that shows it.

Why a table: meetcast runs on whatever OBS the organiser's cloud desktop has (31 or 32 on
Windows today, 29 on Debian 12, 30.2 on trixie). Scattered ``if version >= …`` branches drift
apart and hide why; a fact here is read by name, so the script, the controller, the lab and
the tests agree, and a reader can check each one against OBS's own source.

A fact holds from the version in its row up to the next row. Versions are (major, minor).
Encoder ids and keys have their own, finer table in :mod:`meetcast_core.encoders`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Version = tuple[int, int]


@dataclass(frozen=True)
class Row:
    """From OBS ``since`` on, the fact has ``value``, as ``source`` shows."""

    since: Version
    value: Any
    source: str  # "TAG:path" in obs-studio


# name -> rows, oldest first. Every name is explained in DESCRIPTIONS.
FACTS: dict[str, tuple[Row, ...]] = {
    # The newest python.org minor OBS for Windows/macOS tries to load (it walks down to 3.6);
    # a newer Python is silently not loaded. Linux builds link the system Python instead.
    "python_max_minor": (
        Row((28, 0), 10, "29.0.2:deps/obs-scripting/obs-scripting-python-import.c"),
        Row((29, 1), 11, "29.1.0:deps/obs-scripting/obs-scripting-python-import.c"),
        Row((30, 2), 12, "30.2.3:deps/obs-scripting/obs-scripting-python-import.c"),
        Row((31, 0), 12, "32.2.2:shared/obs-scripting/obs-scripting-python-import.c"),
    ),
    # Switching profile saves the ACTIVE profile's in-memory basic.ini over its file first,
    # so nothing may be written into the active profile's folder (ActivateProfile ->
    # activeConfiguration.SaveSafe). Before 31 only creating a profile saved the old one.
    "profile_saved_on_switch": (
        Row((28, 0), False, "30.2.3:UI/window-basic-main-profiles.cpp"),
        Row((31, 0), True, "31.0.0:UI/window-basic-main-profiles.cpp"),
        Row((32, 0), True, "32.2.2:frontend/widgets/OBSBasic_Profiles.cpp"),
    ),
    # OBS's profile list is a cache rebuilt only at start-up and on import; a folder made on
    # disk stays unknown until restart, so every profile is created through OBS. Before 31
    # the list was a disk scan (EnumProfiles), but switching searched the Profile menu,
    # rebuilt only by OBS's own create/remove/rename.
    "profile_list_cached": (
        Row((28, 0), False, "30.2.3:UI/window-basic-main-profiles.cpp"),
        Row((31, 0), True, "31.0.0:UI/window-basic-main-profiles.cpp"),
        Row((32, 0), True, "32.2.2:frontend/widgets/OBSBasic_Profiles.cpp"),
    ),
    # Where the Scenes dock puts a scene created while OBS runs: appended at the end, or
    # inserted just below the selected scene.
    "new_scene_position": (
        Row((28, 0), "append", "29.0.2:UI/window-basic-main.cpp"),
        Row((30, 2), "below_selected", "30.2.3:UI/window-basic-main.cpp"),
        Row((32, 0), "below_selected", "32.2.2:frontend/widgets/OBSBasic_Scenes.cpp"),
    ),
    # How `--collection NAME` and the Scene Collection menu find a collection: by the file's
    # name, or by the "name" inside its JSON (the collection cache).
    "collection_found_by": (
        Row((28, 0), "file", "30.2.3:UI/window-basic-main-scene-collections.cpp"),
        Row((31, 0), "json_name", "31.0.0:UI/window-basic-main-scene-collections.cpp"),
        Row((32, 0), "json_name", "32.2.2:frontend/widgets/OBSBasic_SceneCollections.cpp"),
    ),
    # The NVIDIA denoiser: (filter id, its "method" value), or None where OBS has none.
    # 31 moved it out of Noise Suppression into a filter of its own and migrates an old
    # filter to "<name>_ported" at the end of the source's list; 32 removed it from
    # Noise Suppression. Registered only with an NVIDIA GPU and its Audio Effects SDK.
    "nvidia_denoiser": (
        Row((28, 0), ("noise_suppress_filter_v2", "denoiser"),
            "30.2.3:plugins/obs-filters/noise-suppress-filter.c"),
        Row((31, 0), ("nvidia_audiofx_filter", "denoiser"),
            "31.0.0:plugins/nv-filters/nvidia-audiofx-filter.c"),
        Row((32, 0), ("nvidia_audiofx_filter", "denoiser"),
            "32.2.2:plugins/nv-filters/nvidia-audiofx-filter.c"),
    ),
    # Windows text source: the id to create (older ids still load, marked obsolete).
    "text_windows_id": (
        Row((28, 0), "text_gdiplus_v2", "29.0.2:plugins/obs-text/gdiplus/obs-text.cpp"),
        Row((30, 2), "text_gdiplus_v3", "30.2.3:plugins/obs-text/gdiplus/obs-text.cpp"),
    ),
    # Linux screen capture (XSHM): the id to create.
    "xshm_id": (
        Row((28, 0), "xshm_input", "30.2.3:plugins/linux-capture/xshm-input.c"),
        Row((31, 0), "xshm_input_v2", "31.0.0:plugins/linux-capture/xshm-input.c"),
    ),
    # libobs's file name on Linux (for ctypes): libobs.so.0 up to 29, then the major version.
    "libobs_linux_soname": (
        Row((28, 0), "libobs.so.0", "29.0.2:libobs/CMakeLists.txt"),
        Row((30, 0), "libobs.so.{major}", "30.0.0:libobs/CMakeLists.txt"),
    ),
    # Where obs-websocket keeps its settings: global.ini [OBSWebSocket], or its own JSON.
    "websocket_config": (
        Row((28, 0), "global.ini", "29.0.2:UI/obs-app.cpp"),
        Row((30, 2), "plugin_config/obs-websocket/config.json",
            "30.2.3:plugins/obs-websocket/src/Config.cpp"),
    ),
    # obs-websocket starts before the collection has loaded and answers "not ready" (code
    # 207) for a moment; callers retry rather than fail.
    "websocket_not_ready_at_start": (
        Row((28, 0), False, "29.0.2:plugins/obs-websocket/src/obs-websocket.cpp"),
        Row((30, 2), True, "30.2.3:plugins/obs-websocket/src/obs-websocket.cpp"),
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
    "unclean_shutdown_sentinel": (
        Row((28, 0), None, "29.0.2:UI/obs-app.cpp"),
        Row((30, 0), "obs-studio/safe_mode", "30.0.0:UI/obs-app.cpp"),
        Row((32, 0), "obs-studio/.sentinel", "32.0.0:frontend/utility/CrashHandler.cpp"),
    ),
    # Where OBS keeps the user's [General]/[Basic] settings. 31 moves them out of global.ini
    # into user.ini on its first start (and marks global.ini [General] Pre31Migrated).
    "user_config_file": (
        Row((28, 0), "global.ini", "30.2.3:UI/obs-app.cpp"),
        Row((31, 0), "user.ini", "31.0.0:UI/obs-app.cpp"),
        Row((32, 0), "user.ini", "32.2.2:frontend/OBSApp.cpp"),
    ),
}

DESCRIPTIONS: dict[str, str] = {
    "python_max_minor": "newest python.org 3.x minor OBS loads on Windows/macOS",
    "profile_saved_on_switch": "a profile switch saves the active profile's basic.ini first",
    "profile_list_cached": "OBS's profile list is a cache (disk folders unseen until restart)",
    "new_scene_position": "where a new scene appears in the Scenes dock",
    "collection_found_by": "how OBS finds a scene collection by name",
    "nvidia_denoiser": "the NVIDIA denoiser's filter id and method",
    "text_windows_id": "the Windows text source id to create",
    "xshm_id": "the Linux XSHM screen capture id to create",
    "libobs_linux_soname": "libobs's file name on Linux",
    "websocket_config": "where obs-websocket keeps its settings",
    "websocket_not_ready_at_start": "obs-websocket answers 'not ready' right after start",
    "shutdown_check_flag": "whether obs --disable-shutdown-check exists",
    "unclean_shutdown_sentinel": "what marks a running OBS (found at start: the safe-mode dialog)",
    "user_config_file": "the file holding OBS's [General]/[Basic] user settings",
}

PYTHON_MIN: tuple[int, int] = (3, 10)  # meetcast's own floor (match statements, typing)
PYTHON_MIN_OBS: tuple[int, int] = (3, 6)  # OBS's loader walks down to 3.6


def parse_version(text: str) -> Version:
    """``"29.0.2"`` → (29, 0); ``"31.1.0-beta1"`` → (31, 1). Raises ValueError if unreadable."""
    parts = text.strip().split("-")[0].split(".")
    try:
        major = int(parts[0])
        minor = int(parts[1]) if len(parts) > 1 else 0
    except (ValueError, IndexError):
        raise ValueError(f"not an OBS version: {text!r}") from None
    return (major, minor)


def row(name: str, version: Version) -> Row:
    """The row of fact ``name`` in force at OBS ``version`` (the oldest row if older)."""
    try:
        rows = FACTS[name]
    except KeyError:
        raise KeyError(f"no OBS fact {name!r} (known: {', '.join(FACTS)})") from None
    older = [r for r in rows if r.since <= version]
    return older[-1] if older else rows[0]


def fact(name: str, version: Version) -> Any:
    """The value of fact ``name`` at OBS ``version``."""
    value = row(name, version).value
    if isinstance(value, str) and "{major}" in value:
        return value.format(major=version[0])
    return value


def python_window(version: Version) -> tuple[tuple[int, int], tuple[int, int]]:
    """The python.org versions (lowest, highest) that both OBS ``version`` on Windows/macOS
    loads and meetcast runs on."""
    return PYTHON_MIN, (3, fact("python_max_minor", version))


def python_problem(version: Version, python: tuple[int, int], platform: str) -> str | None:
    """One line saying why this Python cannot run meetcast inside OBS ``version``, or None.

    On Linux OBS links the system Python, so only meetcast's own floor applies; on Windows and
    macOS a Python above OBS's window is never loaded at all (so this only ever fires there
    for one below meetcast's floor, or when OBS reports something unexpected).
    """
    low, high = python_window(version)
    shown = f"{python[0]}.{python[1]}"
    if python < low:
        return (f"meetcast needs Python {low[0]}.{low[1]} or newer; OBS runs it on {shown} "
                f"(Tools → Scripts → Python Settings: pick a python.org "
                f"{high[0]}.{high[1]})")
    if platform in ("win32", "darwin") and python > high:
        return (f"OBS {version[0]}.{version[1]} loads Python up to {high[0]}.{high[1]}, "
                f"not {shown}: install python.org {high[0]}.{high[1]}")
    return None
