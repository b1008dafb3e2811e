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
"""

from __future__ import annotations

import json
from typing import Any

from . import names
from .scene_spec import OS_NAMES, VERSIONED_IDS, AudioDevice, Event, Item, Show, build_show

# Where docs/scenes.md suggests putting the obs_scripts folder on each OS.
DEFAULT_SCRIPT_PATHS = {
    "windows": "C:/meetcast/obs_scripts/meetcast_obs.py",
    "macos": "/Users/Shared/meetcast/obs_scripts/meetcast_obs.py",
    "linux": "/opt/meetcast/obs_scripts/meetcast_obs.py",
}
COLLECTION_NAME = "meetcast"


def file_name(os_name: str) -> str:
    return f"meetcast-{os_name}.json"


def _source(kind: str, name: str, settings: dict[str, Any], mixers: int = 0) -> dict[str, Any]:
    return {"id": kind, "versioned_id": VERSIONED_IDS.get(kind, kind), "name": name,
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


def _audio(dev: AudioDevice) -> dict[str, Any]:
    return _source(dev.kind, dev.name, dict(dev.settings), mixers=0xFF)


def collection(show: Show, script_path: str | None) -> dict[str, Any]:
    """The collection document for ``show``; ``script_path`` None leaves the script out."""
    sources: list[dict[str, Any]] = [_source(s.kind, s.name, dict(s.settings))
                                     for s in show.sources]
    for scene in show.scenes:
        items = [_item(it, i) for i, it in enumerate(scene.items, 1)]
        sources.append({**_source("scene", scene.name, {
            "custom_size": False, "id_counter": len(items), "items": items})})
    doc: dict[str, Any] = {
        "name": COLLECTION_NAME,
        "current_scene": names.SCENE_STARTING,
        "current_program_scene": names.SCENE_STARTING,
        "scene_order": [{"name": s.name} for s in show.scenes],
        "sources": sources,
        "groups": [],
        "AuxAudioDevice1": _audio(show.mic),
        "transitions": [],
        "current_transition": "Fade",
        "transition_duration": 300,
        "quick_transitions": [],
        "saved_projectors": [],
        "modules": {},
    }
    if show.desktop is not None:
        doc["DesktopAudioDevice1"] = _audio(show.desktop)
    if script_path:
        doc["modules"] = {"scripts-tool": [
            {"path": script_path, "settings": show.event.settings()}]}
    return doc


def export(os_name: str, script_path: str | None = None, event: Event | None = None,
           canvas: tuple[int, int] = (1920, 1080)) -> str:
    """The file's text: stable (same input → same bytes), so a test can diff it."""
    if os_name not in OS_NAMES:
        raise ValueError(f"unknown OS {os_name!r}; known: {', '.join(OS_NAMES)}")
    path = DEFAULT_SCRIPT_PATHS[os_name] if script_path is None else script_path
    show = build_show(os_name, event, canvas)
    return json.dumps(collection(show, path), indent=2, ensure_ascii=False) + "\n"
