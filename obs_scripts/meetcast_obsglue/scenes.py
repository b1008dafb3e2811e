"""Glue: build or update the meetup scenes inside OBS once the collection has loaded.

Reads what OBS has under meetcast's names (only those), asks ``meetcast_core.scene_plan``
what to change, and does it. Every reference taken here is released before returning.

A text source's set-up runs on OBS's graphics thread, in the next frame (``scene_plan``'s
``DEFERRED_UPDATE_KINDS`` says why): the build lets a frame pass between two such steps, so a
first build's six text set-ups land in six frames, not all in one (measured in
docs/script-cost.md). The wait is on the UI thread, at most ``FRAME_WAIT_S`` a step.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import obspython as obs

from meetcast_core import scene_spec as spec
from meetcast_core.obs_versions import fact
from meetcast_core.scene_plan import FoundSource, SceneStep, names_to_read, plan, steps_summary
from meetcast_core.zoom_capture import XCOMPOSITE, ZOOM_WINDOWS_CLASSES

from . import state
from .obsutil import data_from, info, obs_version, source_by_name, source_settings, warn

_last_capture_note = ""  # said once per change, not on every property keystroke
FRAME_WAIT_S = 0.25  # a graphics thread that does not start two frames by then: go on anyway


def defaults(settings: Any) -> None:
    for key, value in spec.Meetup().settings().items():
        obs.obs_data_set_default_string(settings, key, value)


def properties(props: Any, settings: Any) -> None:
    group = obs.obs_properties_create()
    obs.obs_properties_add_text(group, spec.SETTING_TITLE, "Event title", obs.OBS_TEXT_DEFAULT)
    obs.obs_properties_add_text(group, spec.SETTING_START, "Start time", obs.OBS_TEXT_DEFAULT)
    obs.obs_properties_add_text(group, spec.SETTING_HASHTAG, "Hashtag", obs.OBS_TEXT_DEFAULT)
    p = obs.obs_properties_add_text(group, spec.SETTING_ZOOM_TITLE, "Zoom window title",
                                    obs.OBS_TEXT_DEFAULT)
    obs.obs_property_set_long_description(
        p, "The meeting window's title, e.g. “Zoom ミーティング” on a Japanese Zoom or “Zoom "
           "Webinar”. On Windows the window is found by its class first; on Linux the title "
           "must match exactly.")
    if spec.current_os() == "windows":
        lst = obs.obs_properties_add_list(group, spec.SETTING_ZOOM_CLASS, "Zoom window class",
                                          obs.OBS_COMBO_TYPE_LIST, obs.OBS_COMBO_FORMAT_STRING)
        for cls in ZOOM_WINDOWS_CLASSES:
            obs.obs_property_list_add_string(lst, cls, cls)
    obs.obs_properties_add_group(props, "meetcast_scenes", "Scenes", obs.OBS_GROUP_NORMAL, group)


def update(settings: Any) -> None:
    if state.collection_loaded:
        build(settings)


def collection_loaded(settings: Any) -> None:
    build(settings)


# -- reading OBS ---------------------------------------------------------------------------
def _event(settings: Any) -> spec.Meetup:
    values = {key: obs.obs_data_get_string(settings, key)
              for key in spec.Meetup().settings()} if settings is not None else {}
    return spec.Meetup.from_settings(values)


def _canvas() -> tuple[int, int]:
    ovi = obs.obs_video_info()
    if not obs.obs_get_video_info(ovi) or not ovi.base_width:
        return (1920, 1080)
    return (int(ovi.base_width), int(ovi.base_height))


def _has_xcomposite() -> bool:
    # obs_enum_source_types is not callable from Python; a registered id has a display name.
    return obs.obs_source_get_display_name(XCOMPOSITE) is not None


def _scene_items(source: Any) -> tuple[str, ...]:
    scene = obs.obs_scene_from_source(source)  # no reference taken
    items = obs.obs_scene_enum_items(scene)
    try:
        return tuple(obs.obs_source_get_name(obs.obs_sceneitem_get_source(i))
                     for i in items or [])
    finally:
        obs.sceneitem_list_release(items)


def _existing(names: list[str]) -> dict[str, FoundSource]:
    found: dict[str, FoundSource] = {}
    for name in names:
        with source_by_name(name) as src:
            if src is None:
                continue
            kind = obs.obs_source_get_unversioned_id(src)
            if kind == "scene":
                found[name] = FoundSource(kind, items=_scene_items(src))
            else:
                found[name] = FoundSource(kind, settings=source_settings(src))
    return found


# -- writing OBS ---------------------------------------------------------------------------
def _create_source(source: spec.Source, held: list[Any]) -> None:
    """Create ``source``; its reference goes into ``held`` until the build has put it into
    its scenes (released at once, a source nobody holds is destroyed)."""
    # By its unversioned id OBS would create the FIRST registered version, e.g. text_ft2_source
    # v1, marked obsolete: ask for the latest, as OBS's own Add Source does.
    kind = obs.obs_get_latest_input_type_id(source.kind) or source.kind
    with data_from(source.settings) as data:
        created = obs.obs_source_create(kind, source.name, data, None)
    if created is None:
        warn(f"could not create {source.name!r} ({source.kind})")
        return
    held.append(created)


def _remove_items_of(name: str) -> None:
    """Take the source called ``name`` out of every scene that shows it. Removing a source
    alone does not do that at once: its items would stay, drawn as nothing, beside the new
    one (seen in OBS 29 after opening the Windows collection on Linux)."""
    scenes = obs.obs_frontend_get_scenes()
    try:
        for scene_src in scenes or []:
            scene = obs.obs_scene_from_source(scene_src)
            item = obs.obs_scene_find_source(scene, name)  # no reference taken
            while item is not None:
                obs.obs_sceneitem_remove(item)
                item = obs.obs_scene_find_source(scene, name)
    finally:
        obs.source_list_release(scenes)


def _replace_source(source: spec.Source, held: list[Any]) -> None:
    with source_by_name(source.name) as old:
        if old is not None:
            # Renamed first, so the name is free at once even while OBS finishes removing it.
            retired = source.name + " (replaced by meetcast)"
            obs.obs_source_set_name(old, retired)
            _remove_items_of(retired)
            obs.obs_source_remove(old)
    _create_source(source, held)


def _update_source(name: str, settings: dict[str, Any]) -> None:
    with source_by_name(name) as src, data_from(settings) as data:
        if src is not None:
            obs.obs_source_update(src, data)


def _create_scene(name: str) -> None:
    scene = obs.obs_scene_create(name)
    obs.obs_scene_release(scene)  # the frontend keeps its own reference


def _add_item(scene_name: str, item: spec.Item, to_bottom: bool) -> None:
    with source_by_name(scene_name) as scene_src, source_by_name(item.source) as src:
        if scene_src is None or src is None:
            warn(f"could not put {item.source!r} into {scene_name!r}")
            return
        scene = obs.obs_scene_from_source(scene_src)
        added = obs.obs_scene_add(scene, src)  # no reference taken
        if added is None:
            return
        pos = obs.vec2()
        pos.x, pos.y = item.pos
        obs.obs_sceneitem_set_alignment(added, item.align)
        obs.obs_sceneitem_set_pos(added, pos)
        if item.bounds_type:
            bounds = obs.vec2()
            bounds.x, bounds.y = item.bounds
            obs.obs_sceneitem_set_bounds_type(added, item.bounds_type)
            obs.obs_sceneitem_set_bounds_alignment(added, item.bounds_align)
            obs.obs_sceneitem_set_bounds(added, bounds)
        if to_bottom:
            obs.obs_sceneitem_set_order(added, obs.OBS_ORDER_MOVE_BOTTOM)


def _frames_passed(since: int, deadline: float) -> bool:
    """Wait until OBS has started two frames after frame time ``since``: the tick of the first
    one has then run whatever update was deferred before it. False: ``deadline`` came first."""
    seen, now = 0, since
    while seen < 2:
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.004)
        frame = obs.obs_get_video_frame_time()
        if frame != now:
            seen, now = seen + 1, frame
    return True


def _apply(step: SceneStep, held: list[Any]) -> None:
    if step.action == "create_source" and step.source:
        _create_source(step.source, held)
    elif step.action == "replace_source" and step.source:
        info(f"replacing {step.name!r}: {step.reason}")
        _replace_source(step.source, held)
    elif step.action == "update_source" and step.settings is not None:
        _update_source(step.name, dict(step.settings))
    elif step.action == "create_scene":
        _create_scene(step.name)
    elif step.action == "add_item" and step.item:
        _add_item(step.name, step.item, step.to_bottom)
    elif step.action == "conflict":
        warn(step.reason)


def build(settings: Any) -> None:
    """Make OBS's meetcast scenes match the spec (idempotent; other scenes untouched)."""
    global _last_capture_note
    version = obs_version()
    show = spec.build_show(spec.current_os(sys.platform), _event(settings), _canvas(),
                           xcomposite=_has_xcomposite(), obs_version=version)
    steps = plan(show, _existing(names_to_read(show)), fact("new_scene_position", version))
    held: list[Any] = []
    deferred_at: int | None = None  # frame time when the last deferred update was queued
    late = 0  # waits that ran out: those set-ups may have shared a frame
    try:
        for step in steps:
            if step.deferred_update and deferred_at is not None:
                late += not _frames_passed(deferred_at, time.monotonic() + FRAME_WAIT_S)
            _apply(step, held)
            if step.deferred_update:
                deferred_at = obs.obs_get_video_frame_time()
    finally:
        for source in held:
            obs.obs_source_release(source)
    if steps:
        paced = sum(s.deferred_update for s in steps)
        info(steps_summary(steps) + (f"; {paced} text set-up(s), a frame apart" if paced else ""))
    if late:
        warn(f"OBS started no frame within {FRAME_WAIT_S} s of a text source's set-up "
             f"{late} time(s): those set-ups may have shared a frame")
    note = "Zoom capture: " + show.capture.how
    if note != _last_capture_note:
        info(note)
        _last_capture_note = note
