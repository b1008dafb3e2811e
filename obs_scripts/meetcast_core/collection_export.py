"""The scene spec as an OBS scene-collection file, ready for Scene Collection → Import.

The format is what OBS 29's ``OBSBasic::Save``/``LoadData`` write and read
(UI/window-basic-main.cpp): ``sources`` (inputs and scenes; a scene's ``settings.items`` as in
libobs/obs-scene.c ``scene_load_item``), ``scene_order`` (top to bottom), ``current_scene``,
``DesktopAudioDevice1``/``AuxAudioDevice1`` and ``modules.scripts-tool`` — a list of
``{"path", "settings"}`` that the Scripts tool loads with the collection
(UI/frontend-plugins/frontend-tools/scripts.cpp ``load_script_data``: the path is handed to
``obs_script_create`` exactly as written).

The script path. OBS's importer (UI/importers/studio.cpp ``TranslatePaths``) rewrites only
strings that start with ``./``, and only when the result stays inside the imported file's
folder; it joins folder and path without a separator (``<folder>./x``), which only Windows'
path normalisation turns into ``<folder>\\x``, so on Linux and macOS a ``./`` path is never
rewritten. The script does not live in ``scenes/`` either. So a relative path cannot work:
the files carry an absolute path — the install location docs/scenes.md proposes per OS — and
``meetcast scenes export --script PATH`` writes them for any other location.

The collection's name. OBS 31+ finds a collection by the ``name`` inside its JSON, both for
``--collection`` and for the one it last had open (fact ``collection_found_by``); up to 30 it
opened the last one by its file name, and ``--collection`` matched the JSON name already.
Scene Collection → Import shows the JSON name and writes the file under a name of its own.
So each file's JSON name is its file stem (``meetcast-windows``): what the export writes, what
Import shows, the Scene Collection menu and ``--collection meetcast-<os>`` agree on every OBS.

Which OBS it is for. Only one id differs across OBS 28–32.2 here: Windows text, ``text_gdiplus``
v2 up to 30.1 and v3 from 30.2 (fact ``text_windows_id``). An OBS cannot load a version it does
not have (28–30.1 would show a v3 text as an unavailable source, and the script would not
replace it: its unversioned id matches), while 30.2+ still loads v2 but marks it obsolete. So
the export is for one OBS version: by default the newest these facts were checked against
(:data:`DEFAULT_OBS`, what the organiser runs), ``meetcast scenes export --obs 30.1`` for an
older one. The Linux and macOS files are the same for every version.
"""

from __future__ import annotations

import json
from typing import Any

from . import names
from .obs_versions import NEWEST_KNOWN, Version
from .scene_spec import OS_NAMES, AudioDevice, Item, Meetup, Show, build_show, versioned_id

# Where docs/scenes.md suggests putting the obs_scripts folder on each OS.
DEFAULT_SCRIPT_PATHS = {
    "windows": "C:/meetcast/obs_scripts/meetcast_obs.py",
    "macos": "/Users/Shared/meetcast/obs_scripts/meetcast_obs.py",
    "linux": "/opt/meetcast/obs_scripts/meetcast_obs.py",
}
DEFAULT_OBS: Version = NEWEST_KNOWN  # the OBS the committed files in scenes/ are written for


def collection_name(os_name: str) -> str:
    """The collection's name: the JSON's ``name``, equal to the file stem (see above)."""
    return f"meetcast-{os_name}"


def file_name(os_name: str) -> str:
    return collection_name(os_name) + ".json"


def _source(kind: str, name: str, settings: dict[str, Any], obs_version: Version,
            mixers: int = 0) -> dict[str, Any]:
    return {"id": kind, "versioned_id": versioned_id(kind, obs_version), "name": name,
            "enabled": True, "settings": settings, "mixers": mixers, "flags": 0,
            "volume": 1.0, "muted": False, "filters": [], "hotkeys": {},
            "private_settings": {}}


def _item(item: Item, item_id: int) -> dict[str, Any]:
    return {"name": item.source, "id": item_id, "visible": True, "locked": False, "rot": 0.0,
            "pos": {"x": item.pos[0], "y": item.pos[1]}, "scale": {"x": 1.0, "y": 1.0},
            "align": item.align, "bounds_type": item.bounds_type,
            "bounds_align": item.bounds_align,
            "bounds": {"x": item.bounds[0], "y": item.bounds[1]},
            "crop_left": 0, "crop_top": 0, "crop_right": 0, "crop_bottom": 0,
            "scale_filter": "disable", "blend_method": "default", "blend_type": "normal",
            "group_item_backup": False, "private_settings": {}}


def _audio(dev: AudioDevice, obs_version: Version) -> dict[str, Any]:
    return _source(dev.kind, dev.name, dict(dev.settings), obs_version, mixers=0xFF)


def collection(show: Show, script_path: str | None,
               obs_version: Version = DEFAULT_OBS) -> dict[str, Any]:
    """The collection document for ``show`` in OBS ``obs_version``; ``script_path`` None
    leaves the script out."""
    sources: list[dict[str, Any]] = [_source(s.kind, s.name, dict(s.settings), obs_version)
                                     for s in show.sources]
    for scene in show.scenes:
        items = [_item(it, i) for i, it in enumerate(scene.items, 1)]
        sources.append({**_source("scene", scene.name, {
            "custom_size": False, "id_counter": len(items), "items": items}, obs_version)})
    doc: dict[str, Any] = {
        "name": collection_name(show.os_name),
        "current_scene": names.SCENE_STARTING,
        "current_program_scene": names.SCENE_STARTING,
        "scene_order": [{"name": s.name} for s in show.scenes],
        "sources": sources,
        "groups": [],
        "AuxAudioDevice1": _audio(show.mic, obs_version),
        "transitions": [],
        "current_transition": "Fade",
        "transition_duration": 300,
        "quick_transitions": [],
        "saved_projectors": [],
        "modules": {},
    }
    if show.desktop is not None:
        doc["DesktopAudioDevice1"] = _audio(show.desktop, obs_version)
    if script_path:
        doc["modules"] = {"scripts-tool": [
            {"path": script_path, "settings": show.event.settings()}]}
    return doc


def export(os_name: str, script_path: str | None = None, event: Meetup | None = None,
           canvas: tuple[int, int] = (1920, 1080), obs_version: Version = DEFAULT_OBS) -> str:
    """The file's text for OBS ``obs_version``: stable (same input → same bytes), so a test
    can diff it."""
    if os_name not in OS_NAMES:
        raise ValueError(f"unknown OS {os_name!r}; known: {', '.join(OS_NAMES)}")
    path = DEFAULT_SCRIPT_PATHS[os_name] if script_path is None else script_path
    show = build_show(os_name, event, canvas, obs_version=obs_version)
    return json.dumps(collection(show, path, obs_version), indent=2, ensure_ascii=False) + "\n"
